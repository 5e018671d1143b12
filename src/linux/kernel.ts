/**
 * The state of one modeled machine: what Linux keeps in global and per-CPU variables.
 * Model code reads it through `K`, which points at the machine being run (the model is
 * single-threaded: one machine steps at a time, so a live binding plays the role of the
 * kernel's globals without tying the model to one instance).
 */

import type { Engine } from "../sim/engine.js";
import type { UserBinary } from "./arch/x86/entry/user_mode.js";
import type { Era } from "./eras/profiles.js";
import type { completion, spinlock_t, task_struct, user_namespace } from "./include/task_struct.js";
import type { cpuhp_cpu_state } from "./kernel/cpu.js";
import type { kthread_create_info, kthread_stop_info } from "./kernel/kthread.js";
import type { lockdep_state } from "./kernel/locking/lockdep.js";
import type { pid_namespace } from "./kernel/pid.js";
import type { rq } from "./kernel/sched/sched.js";
import type { smp_hotplug_thread } from "./kernel/smpboot.js";
import type { TraceBuffer } from "./kernel/trace/buffer.js";
import type { workqueue_struct } from "./kernel/workqueue.js";
import type { cpumask } from "./lib/cpumask.js";
import type { Injection } from "./lib/inject.js";
import type { list_head } from "./lib/list.js";
import type { SlabState } from "./mm/slab.js";

export type PreemptModel = "none" | "full";

export interface KernelConfig {
  cpus: number;
  hz: number;
  seed: number;
  pid_max: number;
  /** PREEMPT_NONE (the default of the measured machine) or PREEMPT (full). */
  preempt: PreemptModel;
  /** A CPU that does not switch tasks for this long is reported (2 × watchdog_thresh). */
  softlockup_thresh: number;
  /** How long an RCU grace period takes before call_rcu callbacks run (ns). */
  rcu_gp_delay: number;
  /** A task in D this long (seconds) is reported (kernel/hung_task.c); 0: never. */
  hung_task_timeout_secs: number;
  /** A deliberately broken protocol variant (kernel/mutants.ts), or null: the real kernel. */
  mutant: string | null;
}

export interface Kernel {
  readonly cfg: KernelConfig;
  /** The release being modeled: every behaviour that differs between releases is read here. */
  readonly era: Era;
  readonly engine: Engine;
  readonly nr_cpu_ids: number;
  readonly cpu_possible_mask: cpumask;
  cpu_online_mask: cpumask;
  readonly runqueues: rq[];
  /** Whether workqueue_init ran: CPUs coming up get their pools' workers from then on. */
  wq_online: boolean;
  readonly init_task: task_struct;
  /** Idle task of each CPU (swapper/N), once the CPU is set up. */
  readonly idle_tasks: (task_struct | null)[];
  readonly init_pid_ns: pid_namespace;
  readonly init_user_ns: user_namespace;
  /** Tasks per uid, for RLIMIT_NPROC (the ucounts of the initial user namespace). */
  readonly nproc: Map<number, number>;
  /** The next /proc inode number a new namespace gets. */
  next_ns_inum: number;
  /** What user programs wrote to the terminal (fds 0–2), line by line. */
  readonly tty: TtyLine[];
  /** The executables of the file system, by absolute path (what execve can load). */
  readonly binaries: Map<string, UserBinary>;
  nr_threads: number;
  total_forks: number;
  max_threads: number;
  kthreadd_task: task_struct | null;
  /** init (pid 1): where orphans go, the one task whose death is a panic. */
  child_reaper: task_struct | null;
  readonly kthread_create_list: list_head<kthread_create_info>;
  readonly kthread_create_lock: spinlock_t;
  readonly kthreadd_done: completion;
  readonly slab: SlabState;
  /** smpboot's registered per-CPU thread types, newest first. */
  readonly hotplug_threads: smp_hotplug_thread[];
  /** Hotplug state of each CPU (cpuhp/N and the bring-up hand-shake). */
  readonly cpuhp_state: cpuhp_cpu_state[];
  /** Every per-CPU pool worker (kworker/N:0, kworker/N:0H). */
  readonly percpu_workers: task_struct[];
  /** Pool workers of CPUs not yet online, running unbound until their CPU comes up. */
  readonly unbound_percpu_workers: task_struct[];
  readonly trace: TraceBuffer;
  /** The freezer: user tasks, and also kernel threads (pm_nosig_freezing), freeze. */
  pm_freezing: boolean;
  pm_nosig_freezing: boolean;
  /** Decides whether a named fault point fails now (fault injection); null: never. */
  fail_point: ((name: string) => boolean) | null;
  /** Fault and signal injection's specs and state (lib/inject.ts), null without any. */
  injection: Injection | null;
  /** Boot progress: SYSTEM_BOOTING → SYSTEM_SCHEDULING → SYSTEM_RUNNING. */
  system_state: "booting" | "scheduling" | "running";
  /** The WARN_ON_ONCE sites that have fired (each one's `static bool __warned`). */
  readonly warned_once: Set<string>;
  /** Lock dependency validation's state; null when lockdep is off. */
  readonly lockdep: lockdep_state | null;
  /** When the hung task check last ran (ns). */
  hung_task_last_checked: number;
  /** 2.6.24's global kthread_stop_info (made at its first use). */
  kthread_stop_info: kthread_stop_info | null;
  /** 2.6.32's `workqueues` list: the multi-threaded workqueues. */
  readonly legacy_workqueues: workqueue_struct[];
}

/** One write to the terminal: when, by whom, what. */
export interface TtyLine {
  time: number;
  pid: number;
  comm: string;
  text: string;
}

export let K: Kernel;

/** Makes `k` the machine the model code acts on. */
export function setKernel(k: Kernel): void {
  K = k;
}
