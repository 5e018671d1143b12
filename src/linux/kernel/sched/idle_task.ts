/** The idle class (kernel/sched/idle.c): the per-CPU idle task, run when nothing else is. */

import { knownTable } from "../../../sim/code.js";
import type { sched_class } from "./sched.js";

export const idle_sched_class: sched_class = Object.freeze<sched_class>({
  name: "idle",
  enqueue_task() {},
  dequeue_task() {},
  pick_next_task: (rq) => rq.idle,
  put_prev_task() {},
  wakeup_preempt: () => false,
  task_tick: () => false,
  task_fork() {},
  migrate_task_rq() {},
});

// Saved states point at the class by name (src/sim/code.ts).
knownTable("idle_sched_class", idle_sched_class);
