/**
 * Exit notification through a pidfd (fs/pidfs.c pidfd_poll, kernel/signal.c
 * do_notify_pidfd): a pidfd polls readable once the task it names has exited, and also
 * hung up once that task is reaped. Pollers sleep on the struct pid's wait_pidfd, woken as
 * a thread exits (exit_notify), as a process's exit is announced (do_notify_parent) and as
 * a task leaves its pid (__unhash_process).
 */
import type { KGen } from "../../sim/engine.js";
import { since } from "../eras/profiles.js";
import { TASK_NORMAL } from "../include/sched.js";
import type { file, pid, task_struct } from "../include/task_struct.js";
import { POLLHUP, POLLIN, POLLRDNORM } from "../include/uapi/poll.js";
import { thread_group_empty, thread_group_leader } from "../kernel/exit.js";
import { __wake_up, init_waitqueue_head } from "../kernel/sched/wait.js";
import { PIDFD_THREAD } from "../kernel/sys.js";
import { K } from "../kernel.js";

/**
 * The pid's wait_pidfd, made on first use.
 * Models alloc_pid (its init_waitqueue_head(&pid->wait_pidfd), done on first use).
 */
export function pidWaitPidfd(p: pid) {
  if (p.wait_pidfd === null) p.wait_pidfd = init_waitqueue_head();
  return p.wait_pidfd;
}

/**
 * pidfd_poll's answer for a pidfd (without its poll_wait): by release,
 * - 5.3–6.8: readable once the task is gone, or a zombie that is the last of its group;
 * - 6.9–6.14: gone adds POLLHUP; a PIDFD_THREAD pidfd is readable once its thread exited;
 * - 6.15+: whatever the flag, a leader whose threads still run is not (delay_group_leader).
 * The 6.19 POLLERR for a caller that may not ptrace the task is not modeled (no ptrace access
 * checks here).
 */
export function pidfdPollMask(f: file): number {
  const p = f.pid;
  const task = p === null ? null : p.task;
  if (task === null) return since(K.era, "6.9") ? POLLIN | POLLRDNORM | POLLHUP : POLLIN | POLLRDNORM;
  if (task.exit_state === 0) return 0;
  let readable: boolean;
  if (since(K.era, "6.15")) readable = !(thread_group_leader(task) && !thread_group_empty(task));
  else if (since(K.era, "6.9")) readable = (f.f_flags & PIDFD_THREAD) !== 0 || thread_group_empty(task);
  else readable = thread_group_empty(task);
  return readable ? POLLIN | POLLRDNORM : 0;
}

/**
 * Wakes the pollers of pid `p` (nothing to do if no one ever polled it).
 * Models wake_up_all(&pid->wait_pidfd) (do_notify_pidfd, and release_task at reap).
 */
export function* wakePidfdPollers(p: pid | null): KGen<void> {
  if (p !== null && p.wait_pidfd !== null) yield* __wake_up(p.wait_pidfd, TASK_NORMAL, 0);
}

/** do_notify_pidfd: the task has exited; its pidfd pollers look again. */
export function* do_notify_pidfd(tsk: task_struct): KGen<void> {
  yield* wakePidfdPollers(tsk.thread_pid);
}
