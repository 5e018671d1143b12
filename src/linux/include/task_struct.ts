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
  /** The CPU is running this task's user code (pt_regs says user mode): preemptible at any tick. */
  user_mode: boolean;
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
  /** The siginfo of each pending signal (by number), made when first needed. */
  info?: Map<number, import("./signal.js").kernel_siginfo>;
}

export interface signal_struct extends Tracked {
  /** References from tasks (freed with the last task_struct that points here). */
  sigcnt: number;
  nr_threads: number;
  live: number;
  /** The threads of the group, leader first (task_struct::thread_node). */
  thread_head: list_head<task_struct>;
  /** Where wait4/waitid sleep until a child changes state. */
  wait_chldexit: wait_queue_head;
  oom_score_adj: number;
  flags: number;
  /**
   * The status every thread exits with once SIGNAL_GROUP_EXIT is set; during and after a
   * group stop, the stop signal (0 once a waiter consumed it).
   */
  group_exit_code: number;
  /** Threads yet to stop in the group stop under way (job control). */
  group_stop_count: number;
  shared_pending: sigpending;
  /** rlimit(RLIMIT_NPROC), soft limit. */
  rlim_nproc: number;
  /** A thread in de_thread, waiting for the others to go (woken as each is released). */
  group_exec_task: task_struct | null;
  /** The process group and session (pids[PIDTYPE_PGID], pids[PIDTYPE_SID]); null: init_struct_pid, number 0. */
  pgrp: pid | null;
  session: pid | null;
  /** The process is a session leader (setsid). */
  leader: boolean;
  /** PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented here rather than to init. */
  is_child_subreaper: boolean;
  /** Some ancestor is a subreaper (exit looks for one only then). */
  has_child_subreaper: boolean;
}

export interface sighand_struct extends Tracked {
  count: number;
  /** sa_handler per signal (index sig-1): SIG_DFL, SIG_IGN, or a handler id. */
  action: Int32Array;
  /** sa_flags per signal (SA_*), shared and copied with `action`. */
  sa_flags: Int32Array;
  /** sa_mask per signal: what is blocked while its handler runs; shared and copied with `action`. */
  sa_mask: bigint[];
  /**
   * The program's code that handlers point at: a handler installed as a function of the
   * program gets the address HANDLER_TEXT + 16 * its index here (handlerCode resolves it
   * back). The model keeps it with the handlers; exec empties it with them.
   */
  text: unknown[];
  /**
   * The table may be another sighand_struct's too (the model's copy-on-write of a copied
   * table: a kernel thread's copy of kthreadd's all-ignored handlers costs nothing until one
   * of them changes). Write through sighandActionMut().
   */
  action_shared: boolean;
}

export interface fs_struct extends Tracked {
  users: number;
  umask: number;
  in_exec: boolean;
}

/** An open file: only the kinds task creation makes (a pidfd, a /proc comm file). */
export interface file extends Tracked {
  f_count: number;
  kind: "tty" | "pidfd" | "proc_comm";
  /** The open flags the file keeps (f_flags): O_NONBLOCK of a PIDFD_NONBLOCK pidfd. */
  f_flags: number;
  /** pidfd: the process it refers to; proc_comm: the thread whose name it sets; tty: none. */
  pid: pid | null;
}

export interface files_struct extends Tracked {
  count: number;
  /** fd → open file; 0, 1 and 2 are the inherited terminal (not modeled). */
  fd: (file | null)[];
}

/** One of a pid's numbers: its number in one namespace. */
export interface upid {
  nr: number;
  ns: import("../kernel/pid.js").pid_namespace;
}

export interface pid extends Tracked {
  count: number;
  /** The depth of the namespace the pid was made in (0: the initial one). */
  level: number;
  /** numbers[i]: the number at level i; numbers[0] is the global pid. */
  numbers: upid[];
  task: task_struct | null;
  /**
   * The processes it is the process group or session of (its PIDTYPE_PGID and PIDTYPE_SID
   * links): while any, its numbers stay in use after its own task is gone.
   */
  group_users: number;
  /**
   * wait_pidfd: where poll on a pidfd of it sleeps until the task exits or is reaped. Made
   * by the first poll (null until then), so that pids nobody polls cost nothing.
   */
  wait_pidfd: wait_queue_head | null;
}

/** An address space; user tasks have one, kernel threads borrow one (active_mm). */
export type mm_struct = import("../mm/mm_types.js").mm_struct;

/** The credentials of a task (include/linux/cred.h), reduced to who it is and what it may do. */
export interface cred extends Tracked {
  usage: number;
  uid: number;
  euid: number;
  /** Effective capabilities, as a bit set over CAP_* numbers. */
  cap_effective: bigint;
  /** Permitted and inheritable capabilities (capset's limits). */
  cap_permitted: bigint;
  cap_inheritable: bigint;
  /** securebits' SECURE_KEEP_CAPS (prctl PR_SET_KEEPCAPS): setuid away from root keeps the permitted set. */
  keep_caps: boolean;
  user_ns: user_namespace;
}

export interface user_namespace extends Tracked {
  count: number;
  level: number;
  parent: user_namespace | null;
  /** The euid of the creator, who holds every capability in it. */
  owner: number;
}

/** A namespace other than pid and user ones: only its identity and references are modeled. */
export interface ns_common extends Tracked {
  kind: "mnt" | "uts" | "ipc" | "net" | "cgroup" | "time";
  /** The inode number /proc/<pid>/ns/<kind> shows. */
  inum: number;
  count: number;
}

export interface nsproxy extends Tracked {
  count: number;
  mnt_ns: ns_common;
  uts_ns: ns_common;
  ipc_ns: ns_common;
  net_ns: ns_common;
  cgroup_ns: ns_common;
  time_ns: ns_common;
  /** Where the task's children get their pids (CLONE_NEWPID, unshare). */
  pid_ns_for_children: import("../kernel/pid.js").pid_namespace;
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
  /** record_wakee: how often this task woke another task than the last one (halved each second), which, and when last halved (jiffies). */
  wakee_flips: number;
  last_wakee: task_struct | null;
  wakee_flip_decay_ts: number;
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
  /** This task's place on its group's signal.thread_head. */
  thread_node: list_head<task_struct>;
  thread_pid: pid | null;
  vfork_done: completion | null;
  set_child_tid: number;
  clear_child_tid: number;
  /** struct kthread for kernel threads (6.x keeps it here). */
  worker_private: import("../kernel/kthread.js").kthread | null;
  nvcsw: number;
  nivcsw: number;
  /** When it last switched out (the hung task check's last_switch_time, exact here: set at the switch). */
  last_switch_time: number;
  /** The spinlocks it holds or is spinning on, outermost first (lockdep's held_locks). */
  held_locks: import("../kernel/locking/lockdep.js").held_lock[];
  /**
   * What it sleeps on: the completion or wait queue its wait passed (task_struct::blocker
   * records a mutex or semaphore the same way); null while it does not wait on one.
   */
  blocker: completion | wait_queue_head | null;
  start_time: number;
  /** Executable name without path, at most TASK_COMM_LEN-1 characters. */
  comm: string;
  fs: fs_struct | null;
  files: files_struct | null;
  signal: signal_struct;
  sighand: sighand_struct | null;
  cred: cred;
  nsproxy: nsproxy | null;
  /** restart_block of an interrupted nanosleep: when it was to end (0: none). */
  restart_expires: number;
  /** restart_block of an interrupted poll (do_restart_poll): its array and end time (null: none). */
  restart_poll: { ufds: number; nfds: number; expires: number | null } | null;
  /**
   * saved_sigmask with TIF_RESTORE_SIGMASK: the mask to take back on the way out to user
   * mode, after a call (ppoll) that ran under a mask of its own was interrupted (null: none).
   */
  saved_sigmask: bigint | null;
  /** The user program this task runs, for a task that returns to user mode. */
  user: import("../arch/x86/entry/user_mode.js").UserState | null;
  blocked: bigint;
  pending: sigpending;
  /** Job control state (JOBCTL_*): the pending group stop this thread is to take part in. */
  jobctl: number;
  pref_node_fork: number;
  /** Reference count (task_struct::usage). */
  usage: number;
  rcu_users: number;
  stack: kernel_stack | null;
  thread: thread_struct;
  /** The engine's thread that runs this task's code. */
  sim: Thread;
  /**
   * The model's bookkeeping, not the kernel's: "comm/pid" as slab records name the task,
   * kept with the comm and pid it was made from (a copy made by fork is rebuilt on first use).
   */
  slab_label: { readonly comm: string; readonly pid: number; readonly name: string } | null;
}
