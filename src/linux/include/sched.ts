/**
 * Task states, PF_* flags, priorities and scheduling policies (include/linux/sched.h,
 * include/linux/sched/prio.h, include/uapi/linux/sched.h), with the values of 6.19.
 */

// Task states (task_struct::__state) and exit states (task_struct::exit_state).
export const TASK_RUNNING = 0x0000;
export const TASK_INTERRUPTIBLE = 0x0001;
export const TASK_UNINTERRUPTIBLE = 0x0002;
export const __TASK_STOPPED = 0x0004;
export const __TASK_TRACED = 0x0008;
export const EXIT_DEAD = 0x0010;
export const EXIT_ZOMBIE = 0x0020;
export const EXIT_TRACE = EXIT_ZOMBIE | EXIT_DEAD;
export const TASK_PARKED = 0x0040;
export const TASK_DEAD = 0x0080;
export const TASK_WAKEKILL = 0x0100;
export const TASK_WAKING = 0x0200;
export const TASK_NOLOAD = 0x0400;
export const TASK_NEW = 0x0800;
export const TASK_FREEZABLE = 0x2000;
export const TASK_FROZEN = 0x8000;
export const TASK_KILLABLE = TASK_WAKEKILL | TASK_UNINTERRUPTIBLE;
export const TASK_STOPPED = TASK_WAKEKILL | __TASK_STOPPED;
export const TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD;
export const TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;
/** The states sched_switch and /proc report (TASK_REPORT). */
export const TASK_REPORT =
  TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE | __TASK_STOPPED | __TASK_TRACED | EXIT_DEAD | EXIT_ZOMBIE | TASK_PARKED;
export const TASK_REPORT_IDLE = TASK_REPORT + 1;
export const TASK_REPORT_MAX = TASK_REPORT_IDLE << 1;

/**
 * __task_state_index: the one reported state of a task, as an index into "RSDTtXZPI"
 * (0 = R). TASK_IDLE reports as I; a frozen task reports as D.
 */
export function __task_state_index(tsk_state: number, tsk_exit_state: number): number {
  let state = (tsk_state | tsk_exit_state) & TASK_REPORT;
  if ((tsk_state & TASK_IDLE) === TASK_IDLE) state = TASK_REPORT_IDLE;
  if (tsk_state & TASK_FROZEN) state = TASK_UNINTERRUPTIBLE;
  return 32 - Math.clz32(state); // fls()
}

/** The letters of the reported states, by index (fs/proc/array.c task_state_array). */
export const TASK_STATE_LETTERS = "RSDTtXZPI";

/** task_state_to_char: the letter ps, /proc and sysrq show for a task's state. */
export function task_state_to_char(p: { __state: number; exit_state: number }): string {
  return TASK_STATE_LETTERS[__task_state_index(p.__state, p.exit_state)] as string;
}

// Per-task flags (task_struct::flags).
export const PF_IDLE = 0x00000002;
export const PF_EXITING = 0x00000004;
export const PF_WQ_WORKER = 0x00000020;
export const PF_FORKNOEXEC = 0x00000040;
export const PF_SUPERPRIV = 0x00000100;
export const PF_SIGNALED = 0x00000400;
/** The task may dip into the memory reserves (kswapd; the value of every modeled release). */
export const PF_MEMALLOC = 0x00000800;
export const PF_NOFREEZE = 0x00008000;
/** kcompactd marks itself (6.14+, see Era.pf_kcompactd). */
export const PF_KCOMPACTD = 0x00010000;
export const PF_KTHREAD = 0x00200000;
/** Allowed to write to swap (kswapd, up to 5.17, see Era.pf_swapwrite); a hole after. */
export const PF_SWAPWRITE = 0x00800000;
// PF_KSWAPD moved (0x00040000 → 0x00020000 in 4.12): its value is the era's, Era.pf_kswapd.
export const PF_NO_SETAFFINITY = 0x04000000;

// Thread-info flags (thread_info::flags), as bits of a mask.
export const TIF_SIGPENDING = 1 << 2;
export const TIF_NEED_RESCHED = 1 << 3;
export const TIF_NOTIFY_SIGNAL = 1 << 5;

// Policies.
export const SCHED_NORMAL = 0;
export const SCHED_FIFO = 1;
export const SCHED_RR = 2;
export const SCHED_BATCH = 3;
export const SCHED_IDLE = 5;

// Priorities: 0..99 real-time, 100..139 fair (nice -20..19).
export const MAX_RT_PRIO = 100;
export const MAX_PRIO = 140;
export const DEFAULT_PRIO = 120;
export const NICE_TO_PRIO = (nice: number): number => nice + DEFAULT_PRIO;
export const PRIO_TO_NICE = (prio: number): number => prio - DEFAULT_PRIO;

export const TASK_COMM_LEN = 16;

// CPU-affinity-free NUMA node.
export const NUMA_NO_NODE = -1;
