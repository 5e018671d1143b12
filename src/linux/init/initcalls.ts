/**
 * The kernel threads that ordinary initcalls start (do_basic_setup), in the order a 6.x
 * x86-64 boot creates them (observed on 6.18: see docs/ARCHITECTURE.md). Their work is not
 * task creation, so each runs kthread_idle_loop in the state it waits in on an idle system.
 * Where each comes from in Linux is named beside it.
 */
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { IS_ERR } from "../include/err.js";
import { PF_NOFREEZE, TASK_IDLE, TASK_INTERRUPTIBLE } from "../include/sched.js";
import { kthread_run } from "../kernel/kthread.js";
import { kthread_idle_loop } from "../kernel/kthread_daemon.js";
import { set_user_nice } from "../kernel/sched/core.js";
import { init_rescuer } from "../kernel/workqueue.js";

interface Daemon {
  /** The thread's name (kthread_run's format, no conversions). */
  name: string;
  /** The file of Linux whose initcall starts it. */
  source: string;
  state: number;
  nice: number;
  /** Calls set_freezable(), dropping the PF_NOFREEZE inherited from kthreadd. */
  freezable: boolean;
}

const DAEMONS: readonly (Daemon | { rescuer: string })[] = [
  { name: "kdevtmpfs", source: "drivers/base/devtmpfs.c", state: TASK_INTERRUPTIBLE, nice: 0, freezable: false },
  { rescuer: "inet_frag_wq" },
  { name: "rcu_tasks_kthread", source: "kernel/rcu/tasks.h", state: TASK_IDLE, nice: 0, freezable: false },
  { name: "rcu_tasks_rude_kthread", source: "kernel/rcu/tasks.h", state: TASK_IDLE, nice: 0, freezable: false },
  { name: "rcu_tasks_trace_kthread", source: "kernel/rcu/tasks.h", state: TASK_IDLE, nice: 0, freezable: false },
  { name: "kauditd", source: "kernel/audit.c", state: TASK_INTERRUPTIBLE, nice: 0, freezable: true },
  { name: "khungtaskd", source: "kernel/hung_task.c", state: TASK_INTERRUPTIBLE, nice: 0, freezable: false },
  { name: "oom_reaper", source: "mm/oom_kill.c", state: TASK_INTERRUPTIBLE, nice: 0, freezable: true },
  { rescuer: "writeback" },
  { name: "kcompactd0", source: "mm/compaction.c", state: TASK_INTERRUPTIBLE, nice: 0, freezable: true },
  { name: "ksmd", source: "mm/ksm.c", state: TASK_INTERRUPTIBLE, nice: 5, freezable: true },
  { name: "khugepaged", source: "mm/khugepaged.c", state: TASK_INTERRUPTIBLE, nice: 19, freezable: true },
  { rescuer: "kblockd" },
  { name: "kswapd0", source: "mm/vmscan.c", state: TASK_INTERRUPTIBLE, nice: 0, freezable: false },
];

const daemon_thread = kfunc(function* daemon_thread(data: unknown) {
  const d = data as Daemon;
  if (d.freezable) current().flags &= ~PF_NOFREEZE;
  if (d.nice !== 0) set_user_nice(current(), d.nice);
  return yield* kthread_idle_loop(d.state);
});

/** do_initcalls, as far as they create kernel threads. */
export const do_initcalls = kfunc(function* do_initcalls() {
  for (const d of DAEMONS) {
    if ("rescuer" in d) {
      yield* init_rescuer(d.rescuer);
      continue;
    }
    const t = yield* kthread_run(daemon_thread, d, "%s", d.name);
    if (IS_ERR(t)) return t.errno;
  }
  return 0;
});
