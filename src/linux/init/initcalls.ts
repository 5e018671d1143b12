/**
 * The boot's initcalls as far as they create kernel threads: what kernel_init_freeable runs
 * before smp_init (workqueues, the early initcalls), and the ordinary initcalls of
 * do_basic_setup, in the order a 6.x x86-64 boot creates them (observed on 6.18: see
 * docs/ARCHITECTURE.md). Their work is not task creation, so each daemon runs
 * kthreadIdleLoop in the state it waits in on an idle system. Where each comes from in
 * Linux is named beside it, with the modeled releases that start it at boot: the trees of
 * the brief, grepped for each thread's kthread_run or alloc_workqueue (a bracket such as
 * "4.9" for kauditd means absent from boot in 4.4, started by audit_init in 4.10.1).
 */
import { knownCode } from "../../sim/code.js";
import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { type Era, since, within } from "../eras/profiles.js";
import { current } from "../include/current.js";
import { IS_ERR } from "../include/err.js";
import {
  PF_KCOMPACTD,
  PF_MEMALLOC,
  PF_NOFREEZE,
  PF_SWAPWRITE,
  TASK_IDLE,
  TASK_INTERRUPTIBLE,
} from "../include/sched.js";
import { kthread_run } from "../kernel/kthread.js";
import { kthreadIdleLoop } from "../kernel/kthread_daemon.js";
import { startKthreadWorker } from "../kernel/kthread_worker.js";
import { rcu_spawn_gp_kthread } from "../kernel/rcu/tree.js";
import { set_user_nice } from "../kernel/sched/core.js";
import { spawn_ksoftirqd } from "../kernel/softirq.js";
import { cpu_stop_init, migration_init } from "../kernel/stop_machine.js";
import { lockup_detector_init, spawn_softlockup_task } from "../kernel/watchdog.js";
import { __create_workqueue_key, init_rescuer, init_workqueues, workqueue_init } from "../kernel/workqueue.js";
import { K } from "../kernel.js";

interface Daemon {
  /** The first modeled release that starts it at boot, and the last (none: still there). */
  since: string;
  until?: string;
  /** The thread's name (kthread_run's format, no conversions). */
  name: string;
  /** The file of Linux whose initcall starts it. */
  source: string;
  state: number;
  nice: number;
  /** Calls set_freezable(), dropping the PF_NOFREEZE inherited from kthreadd. */
  freezable: boolean;
  /** The PF_* bits its thread function sets first and clears when it returns (none: 0). */
  pf?: (e: Era) => number;
}

/** A workqueue's rescuer (3.x+), or ≤2.6.32's thread per CPU ("kblockd/0") or single thread. */
interface Wq {
  wq: string;
  since: string;
  until?: string;
  /** ≤2.6.32: a per-CPU (create_workqueue) or a single-threaded workqueue. */
  legacy?: "percpu" | "single";
}

const DAEMONS: readonly (Daemon | Wq)[] = [
  // usermodehelper_init: create_singlethread_workqueue("khelper") (≤4.1; 4.4 has none)
  { wq: "khelper", since: "2.6.24", until: "2.6.32", legacy: "single" },
  { wq: "khelper", since: "3.0", until: "4.1" },
  // net_ns_init (pure_initcall): the "netns" single thread; a rescuer from workqueue_init in 3.x+
  { wq: "netns", since: "2.6.24", until: "2.6.32", legacy: "single" },
  S("kdevtmpfs", "3.0", "drivers/base/devtmpfs.c", TASK_INTERRUPTIBLE, 0, false),
  { wq: "inet_frag_wq", since: "5.17" },
  S("rcu_tasks_kthread", "5.4", "kernel/rcu/tasks.h", TASK_IDLE, 0, false), // 4.x: spawned on first use
  S("rcu_tasks_rude_kthread", "5.10", "kernel/rcu/tasks.h", TASK_IDLE, 0, false),
  S("rcu_tasks_trace_kthread", "5.10", "kernel/rcu/tasks.h", TASK_IDLE, 0, false),
  S("kauditd", "4.9", "kernel/audit.c", TASK_INTERRUPTIBLE, 0, true), // ≤4.4: when auditd connects
  S("khungtaskd", "2.6.32", "kernel/hung_task.c", TASK_INTERRUPTIBLE, 0, false),
  S("oom_reaper", "4.9", "mm/oom_kill.c", TASK_INTERRUPTIBLE, 0, true),
  { wq: "writeback", since: "3.0" }, // 2.6.32: per-bdi flusher threads, not modeled
  S("kcompactd0", "4.9", "mm/compaction.c", TASK_INTERRUPTIBLE, 0, true, kcompactdFlags),
  S("ksmd", "2.6.32", "mm/ksm.c", TASK_INTERRUPTIBLE, 5, true),
  S("khugepaged", "3.0", "mm/khugepaged.c", TASK_INTERRUPTIBLE, 19, true),
  { wq: "kblockd", since: "2.6.24", until: "2.6.32", legacy: "percpu" },
  { wq: "kblockd", since: "3.0" },
  S("kswapd0", "2.6.24", "mm/vmscan.c", TASK_INTERRUPTIBLE, 0, true, kswapdFlags),
];

/** kswapd(): PF_MEMALLOC, PF_SWAPWRITE while it exists (≤5.17) and PF_KSWAPD at the era's value. */
function kswapdFlags(e: Era): number {
  return PF_MEMALLOC | (e.pf_swapwrite ? PF_SWAPWRITE : 0) | e.pf_kswapd;
}

/** kcompactd(): PF_KCOMPACTD from 6.14; before, no flag of its own. */
function kcompactdFlags(e: Era): number {
  return e.pf_kcompactd ? PF_KCOMPACTD : 0;
}

function S(
  name: string,
  from: string,
  source: string,
  state: number,
  nice: number,
  freezable: boolean,
  pf?: (e: Era) => number,
): Daemon {
  const d: Daemon = { name, since: from, source, state, nice, freezable };
  if (pf !== undefined) d.pf = pf;
  return d;
}

/**
 * tasklab's own: the daemons' thread function: their own flags, then set_freezable (inline: the
 * real ones' other setup is not task creation), their nice level, the idle loop, and the flags
 * cleared on the way out (as kswapd does from 3.x and kcompactd from 6.14; 2.6.24's kswapd never
 * returns).
 */
const daemonThread = kfunc(function* daemonThread(data: unknown) {
  const d = data as Daemon;
  const pf = d.pf === undefined ? 0 : d.pf(K.era);
  current().flags |= pf;
  if (d.freezable) current().flags &= ~PF_NOFREEZE;
  if (d.nice !== 0) set_user_nice(current(), d.nice);
  const ret = yield* kthreadIdleLoop(d.state);
  current().flags &= ~pf;
  return ret;
});

/** do_initcalls, as far as they create kernel threads. */
export const do_initcalls = kfunc(function* do_initcalls() {
  if (K.era.workqueue_threads === "per_wq") yield* init_workqueues(); // do_basic_setup, ≤2.6.32
  for (const d of DAEMONS) {
    if (!within(K.era, d.since, d.until)) continue;
    if ("wq" in d) {
      if (d.legacy === undefined) yield* init_rescuer(d.wq);
      else yield* __create_workqueue_key(d.wq, d.legacy === "single");
      continue;
    }
    const t = yield* kthread_run(daemonThread, d, "%s", d.name);
    if (IS_ERR(t)) return t.errno;
  }
  return 0;
});

/**
 * do_pre_smp_initcalls: the early initcalls that start per-CPU and RCU threads. ≤2.6.32:
 * migration, ksoftirqd and watchdog (2.6.24 calls the three by name; 2.6.32 runs them as
 * early initcalls in link order: kernel/sched.c, softirq.c, softlockup.c); no RCU thread.
 */
export const do_pre_smp_initcalls = kfunc(function* do_pre_smp_initcalls() {
  if (K.era.percpu_threads === "notifier") {
    yield* migration_init();
    yield* spawn_ksoftirqd();
    if (K.era.watchdog_threads) yield* spawn_softlockup_task();
    return;
  }
  yield* spawn_ksoftirqd();
  yield* rcu_spawn_gp_kthread();
  yield* cpu_stop_init();
});

/**
 * What kernel_init_freeable does before smp_init (a plain generator: the calls nest in
 * kernel_init_freeable, as in Linux). 3.x+: workqueue_init's threads (pool_workqueue_release
 * since 6.8; 6.4 has none), the mm_percpu_wq rescuer (init_mm_internals, 4.14+; 4.10.1 has
 * no such workqueue), the early initcalls, and 3.10–4.14's lockup_detector_init.
 * (Before 4.10 the pools' first workers came from init_workqueues, an early initcall; the
 * model keeps workqueue_init's place for every 3.x+ release.) ≤2.6.32: the early initcalls
 * only; the workqueue threads come after smp_init, from do_basic_setup.
 */
export function* beforeSmpInit(): KGen<void> {
  if (K.era.workqueue_threads === "kworker") {
    if (since(K.era, "6.8")) yield* startKthreadWorker(0, "pool_workqueue_release");
    yield* workqueue_init();
    if (since(K.era, "4.14")) yield* init_rescuer("mm_percpu_wq");
  }
  yield* do_pre_smp_initcalls();
  if (K.era.percpu_threads === "smpboot" && K.era.watchdog_threads) yield* lockup_detector_init();
}

// Saved states name the flag functions the daemon table points at (src/sim/code.ts).
knownCode(kswapdFlags, kcompactdFlags);
