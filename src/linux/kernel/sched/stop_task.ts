/**
 * The stop class (kernel/sched/stop_task.c): one task per CPU, migration/N, which runs
 * before anything else whenever it is runnable and is never preempted.
 */

import { knownTable } from "../../../sim/code.js";
import type { sched_class } from "./sched.js";

export const stop_sched_class: sched_class = Object.freeze<sched_class>({
  name: "stop",
  enqueue_task(rq) {
    rq.stop_queued = true;
  },
  dequeue_task(rq) {
    rq.stop_queued = false;
  },
  pick_next_task(rq) {
    if (!rq.stop_queued || rq.stop === null || rq.curr === rq.stop) return null;
    return rq.stop;
  },
  put_prev_task() {},
  wakeup_preempt: () => false,
  task_tick: () => false,
  task_fork() {},
  migrate_task_rq() {},
});

// Saved states point at the class by name (src/sim/code.ts).
knownTable("stop_sched_class", stop_sched_class);
