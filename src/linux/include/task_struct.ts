/**
 * The task descriptor and the structures it points at (include/linux/sched.h,
 * sched/signal.h, fs_struct.h, fdtable.h, pid.h, completion.h, wait.h), reduced to the
 * fields task creation reads or writes. Field names are the kernel's.
 */
import type { Thread } from "../../sim/engine.js";
import type { cpumask } from "../lib/cpumask.js";
import type { list_head } from "../lib/list.js";
import type { Tracked } from "../mm/slab.js";

export interface sched_entity {
  vruntime: number;
  /** Load weight from the nice level (sched_prio_to_weight). */
  weight: number;
  exec_start: number;
  sum_exec_runtime: number;
  prev_sum_exec_runtime: number;
  /** Times set_task_cpu moved the task to another CPU. */
  nr_migrations: number;
}

/** x86's thread_struct as copy_thread fills it for a task that starts in a kernel function. */
export interface thread_struct {
  fn: ((arg: unknown) => import("../../sim/engine.js").KGen<number>) | null;
  fn_arg: unknown;
}

export interface wait_queue_entry {
  task: task_struct;
  /** Exclusive waiters are woken one at a time. */
  exclusive: boolean;
  node: list_head<wait_queue_entry>;
}

export interface wait_queue_head {
  lock: spinlock_t;
  head: list_head<wait_queue_entry>;
}

export interface completion {
  done: number;
  wait: wait_queue_head;
}

export interface spinlock_t {
  name: string;
  owner: task_struct | null;
}

export interface sigpending {
  signal: bigint;
}

export interface signal_struct extends Tracked {
  /** References from tasks (freed with the last task_struct that points here). */
  sigcnt: number;
  nr_threads: number;
  live: number;
  oom_score_adj: number;
  flags: number;
  shared_pending: sigpending;
}

export interface sighand_struct extends Tracked {
  count: number;
  /** sa_handler per signal (index sig-1): SIG_DFL, SIG_IGN, or a handler id. */
  action: Int32Array;
}

export interface fs_struct extends Tracked {
  users: number;
  umask: number;
  in_exec: boolean;
}

export interface files_struct extends Tracked {
  count: number;
}

export interface pid extends Tracked {
  count: number;
  nr: number;
  task: task_struct | null;
}

/** An address space; user tasks have one, kernel threads borrow one (active_mm). */
export interface mm_struct extends Tracked {
  mm_users: number;
}

/** The part of a task's kernel stack we track: it is allocated and freed with the task. */
export interface kernel_stack extends Tracked {
  size: number;
}

export interface task_struct extends Tracked {
  __state: number;
  /** thread_info::flags (TIF_*). */
  ti_flags: number;
  /** This task's preempt count (x86 keeps it per CPU; it is saved and restored across a switch). */
  preempt_count: number;
  flags: number;
  on_cpu: number;
  cpu: number;
  wake_cpu: number;
  recent_used_cpu: number;
  on_rq: number;
  prio: number;
  static_prio: number;
  normal_prio: number;
  rt_priority: number;
  sched_class: import("../kernel/sched/sched.js").sched_class;
  se: sched_entity;
  policy: number;
  nr_cpus_allowed: number;
  cpus_mask: cpumask;
  tasks: list_head<task_struct>;
  mm: mm_struct | null;
  active_mm: mm_struct | null;
  exit_state: number;
  exit_code: number;
  exit_signal: number;
  pid: number;
  tgid: number;
  real_parent: task_struct;
  parent: task_struct;
  children: list_head<task_struct>;
  sibling: list_head<task_struct>;
  group_leader: task_struct;
  thread_pid: pid | null;
  vfork_done: completion | null;
  set_child_tid: number;
  clear_child_tid: number;
  /** struct kthread for kernel threads (6.x keeps it here). */
  worker_private: import("../kernel/kthread.js").kthread | null;
  nvcsw: number;
  nivcsw: number;
  start_time: number;
  /** Executable name without path, at most TASK_COMM_LEN-1 characters. */
  comm: string;
  fs: fs_struct | null;
  files: files_struct | null;
  signal: signal_struct;
  sighand: sighand_struct | null;
  blocked: bigint;
  pending: sigpending;
  pref_node_fork: number;
  /** Reference count (task_struct::usage). */
  usage: number;
  rcu_users: number;
  stack: kernel_stack | null;
  thread: thread_struct;
  /** The engine's thread that runs this task's code. */
  sim: Thread;
}
