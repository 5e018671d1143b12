/**
 * Job control (kernel/signal.c, 6.19): a stop signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU with
 * the default action) stops the whole thread group; SIGCONT continues it, whatever its
 * handler. The thread that dequeues the stop signal starts a group stop: every other thread
 * gets JOBCTL_STOP_PENDING and is kicked into get_signal, each stops (TASK_STOPPED, "T"),
 * and the last one to stop tells the parent (CLD_STOPPED). SIGCONT, at send time, discards
 * pending stop signals and wakes the stopped threads; the first of them back in get_signal
 * tells the parent (CLD_CONTINUED). What a waiter sees is in the signal_struct: the group is
 * stopped (SIGNAL_STOP_STOPPED, the signal in group_exit_code until a waiter consumes it) or
 * continued (SIGNAL_STOP_CONTINUED until a waiter consumes it).
 * SIGTSTP, SIGTTIN and SIGTTOU are discarded in an orphaned process group (get_signal).
 */
import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { __TASK_STOPPED, PF_EXITING, TASK_INTERRUPTIBLE, TASK_STOPPED } from "../include/sched.js";
import {
  CLD_CONTINUED,
  CLD_STOPPED,
  JOBCTL_STOP_CONSUME,
  JOBCTL_STOP_PENDING,
  JOBCTL_STOP_SIGMASK,
  type kernel_siginfo,
  SA_NOCLDSTOP,
  SIG_IGN,
  SIGCHLD,
  SIGCONT,
  SIGNAL_CLD_CONTINUED,
  SIGNAL_CLD_MASK,
  SIGNAL_CLD_STOPPED,
  SIGNAL_GROUP_EXIT,
  SIGNAL_STOP_CONTINUED,
  SIGNAL_STOP_MASK,
  SIGNAL_STOP_STOPPED,
  SIGSTOP,
  SIGTSTP,
  SIGTTIN,
  SIGTTOU,
  sig_kernel_stop,
  sigmask,
} from "../include/signal.js";
import type { signal_struct, task_struct } from "../include/task_struct.js";
import { task_active_pid_ns, task_tgid_nr_ns } from "./pid.js";
import { schedule, wake_up_state } from "./sched/core.js";
import { __wake_up } from "./sched/wait.js";
import { fatal_signal_pending, send_signal, signal_wake_up } from "./signal.js";

const STOP_SIGNALS = sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU);

/** task_is_stopped: the task sleeps in TASK_STOPPED. */
export function task_is_stopped(t: task_struct): boolean {
  return (t.__state & __TASK_STOPPED) !== 0;
}

/** task_set_jobctl_pending: marks t for a group stop (refused for a dying task). */
function task_set_jobctl_pending(t: task_struct, mask: number): boolean {
  if (fatal_signal_pending(t) || t.flags & PF_EXITING) return false;
  if (mask & JOBCTL_STOP_SIGMASK) t.jobctl &= ~JOBCTL_STOP_SIGMASK;
  t.jobctl |= mask;
  return true;
}

/** task_clear_jobctl_pending: t no longer takes part in a group stop. */
export function task_clear_jobctl_pending(t: task_struct, mask: number): void {
  const m = mask & JOBCTL_STOP_PENDING ? mask | JOBCTL_STOP_CONSUME : mask;
  t.jobctl &= ~m;
}

function signal_set_stop_flags(sig: signal_struct, flags: number): void {
  sig.flags = (sig.flags & ~SIGNAL_STOP_MASK) | flags;
}

/**
 * prepare_signal's job-control half, before the ignore check (so an ignored SIGCONT still
 * continues): a stop signal discards a pending SIGCONT; SIGCONT discards pending stop
 * signals, cancels a group stop under way, wakes the stopped threads and marks the group
 * continued (the parent is told by the first thread back in get_signal).
 */
export function* prepareSignalJobctl(sig: number, p: task_struct): KGen<void> {
  const signal = p.signal;
  if (signal.flags & SIGNAL_GROUP_EXIT) return;
  const flush = sig_kernel_stop(sig) ? sigmask(SIGCONT) : sig === SIGCONT ? STOP_SIGNALS : 0n;
  if (flush === 0n) return;
  signal.shared_pending.signal &= ~flush;
  for (const t of signal.thread_head) t.pending.signal &= ~flush;
  if (sig !== SIGCONT) return;
  // Under the siglock in Linux: the woken threads see the flags already set.
  const why =
    signal.flags & SIGNAL_STOP_STOPPED ? SIGNAL_CLD_CONTINUED : signal.group_stop_count ? SIGNAL_CLD_STOPPED : 0;
  if (why) {
    signal_set_stop_flags(signal, why | SIGNAL_STOP_CONTINUED);
    signal.group_stop_count = 0;
    signal.group_exit_code = 0;
  }
  for (const t of [...signal.thread_head]) {
    task_clear_jobctl_pending(t, JOBCTL_STOP_PENDING);
    yield* wake_up_state(t, __TASK_STOPPED);
  }
}

/**
 * task_participate_group_stop: this thread's stop is counted; true when it completes a
 * fresh group stop (the parent is then to be told).
 */
function task_participate_group_stop(t: task_struct): boolean {
  const sig = t.signal;
  const consume = (t.jobctl & JOBCTL_STOP_CONSUME) !== 0;
  task_clear_jobctl_pending(t, JOBCTL_STOP_PENDING);
  if (!consume) return false;
  if (sig.group_stop_count > 0) sig.group_stop_count--;
  if (sig.group_stop_count === 0 && !(sig.flags & SIGNAL_STOP_STOPPED)) {
    signal_set_stop_flags(sig, SIGNAL_STOP_STOPPED);
    return true;
  }
  return false;
}

/**
 * do_notify_parent_cldstop: the group of tsk stopped or continued; its leader's parent gets
 * SIGCHLD (unless it ignores it or set SA_NOCLDSTOP) and its waiters are woken. (The siginfo the kernel queues,
 * CLD_STOPPED with the stop signal or CLD_CONTINUED with SIGCONT, is what waitid reports.)
 */
export const do_notify_parent_cldstop = kfunc(function* do_notify_parent_cldstop(tsk: task_struct, why: number) {
  const leader = tsk.group_leader;
  const parent = leader.real_parent;
  const sh = parent.sighand;
  const ns = task_active_pid_ns(parent);
  const info: kernel_siginfo = {
    si_signo: SIGCHLD,
    si_code: why,
    si_pid: ns === null ? leader.tgid : task_tgid_nr_ns(leader, ns),
    si_uid: leader.cred.uid,
    si_status: why === CLD_CONTINUED ? SIGCONT : tsk.signal.group_exit_code & 0x7f,
  };
  if (sh !== null && sh.action[SIGCHLD - 1] !== SIG_IGN && !((sh.sa_flags[SIGCHLD - 1] as number) & SA_NOCLDSTOP))
    yield* send_signal(SIGCHLD, parent, true, false, info);
  yield* __wake_up(parent.signal.wait_chldexit, TASK_INTERRUPTIBLE, 1);
});

/**
 * do_signal_stop: the current thread stops for signal `signr` (0: for a group stop another
 * thread started). With no group stop under way it starts one: the stop signal is recorded
 * for the waiter, every other live thread that is not stopped yet is marked and kicked.
 * The thread then stops (T) until SIGCONT or SIGKILL wakes it; the last one to stop tells
 * the parent. False when the group is exiting (nothing stops).
 */
export const do_signal_stop = kfunc(function* do_signal_stop(signr: number) {
  const me = current();
  const sig = me.signal;
  if (!(me.jobctl & JOBCTL_STOP_PENDING)) {
    if (sig.flags & SIGNAL_GROUP_EXIT || sig.group_exec_task !== null) return false;
    // A group already stopped keeps the signal its waiter is to see.
    if (!(sig.flags & SIGNAL_STOP_STOPPED)) sig.group_exit_code = signr;
    sig.group_stop_count = 0;
    const gstop = signr | JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME;
    if (task_set_jobctl_pending(me, gstop)) sig.group_stop_count++;
    for (const t of [...sig.thread_head]) {
      if (t === me || task_is_stopped(t) || !task_set_jobctl_pending(t, gstop)) continue;
      sig.group_stop_count++;
      yield* signal_wake_up(t, false);
    }
  }
  const notify = task_participate_group_stop(me);
  me.__state = TASK_STOPPED;
  if (notify) yield* do_notify_parent_cldstop(me, CLD_STOPPED);
  yield* schedule();
  return true;
});

/**
 * get_signal's job-control steps, before it dequeues: tell the parent that the group
 * stopped or continued (once, by whichever thread comes first), and take part in a group
 * stop another thread started. True when it did one (get_signal then starts over).
 */
export function* getSignalJobctl(p: task_struct): KGen<boolean> {
  const signal = p.signal;
  if (signal.flags & SIGNAL_CLD_MASK) {
    const why = signal.flags & SIGNAL_CLD_CONTINUED ? CLD_CONTINUED : CLD_STOPPED;
    signal.flags &= ~SIGNAL_CLD_MASK;
    yield* do_notify_parent_cldstop(p, why);
    return true;
  }
  if (signal.flags & SIGNAL_GROUP_EXIT) return false;
  return (p.jobctl & JOBCTL_STOP_PENDING) !== 0 && (yield* do_signal_stop(0));
}
