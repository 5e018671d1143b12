/**
 * Signals, as far as task creation needs them (kernel/signal.c): pending sets, the
 * TIF_SIGPENDING flag, whether a sleep may be interrupted, sending with the ignore rules
 * (a kernel thread ignores everything unless it allowed the signal), ignore_signals().
 */
import { activeEngine } from "../../sim/engine.js";
import { ESRCH } from "../include/errno.js";
import { TASK_INTERRUPTIBLE, TASK_WAKEKILL, TIF_NOTIFY_SIGNAL, TIF_SIGPENDING } from "../include/sched.js";
import { SIG_DFL, SIG_IGN, SIGCHLD, SIGKILL, SIGNAL_UNKILLABLE, sigmask } from "../include/signal.js";
import type { task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { find_task_by_pid_ns } from "./pid.js";
import { wake_up_state } from "./sched/core.js";

export function signal_pending(p: task_struct): boolean {
  activeEngine().touch();
  return (p.ti_flags & (TIF_SIGPENDING | TIF_NOTIFY_SIGNAL)) !== 0;
}

export function __fatal_signal_pending(p: task_struct): boolean {
  return (p.pending.signal & sigmask(SIGKILL)) !== 0n;
}

export function fatal_signal_pending(p: task_struct): boolean {
  return signal_pending(p) && __fatal_signal_pending(p);
}

/** Whether a task about to sleep in `state` must not, because of a pending signal. */
export function signal_pending_state(state: number, p: task_struct): boolean {
  if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL))) return false;
  if (!signal_pending(p)) return false;
  return (state & TASK_INTERRUPTIBLE) !== 0 || __fatal_signal_pending(p);
}

function handler(p: task_struct, sig: number): number {
  return p.sighand?.action[sig - 1] ?? SIG_DFL;
}

/** SIGCHLD and a few others are ignored by default (sig_kernel_ignore). */
function sig_kernel_ignore(sig: number): boolean {
  return sig === SIGCHLD || sig === 23 || sig === 28; // SIGCHLD, SIGURG, SIGWINCH
}

/**
 * sig_task_ignored: dropped at send time because the handler ignores it, or because p
 * is an init (SIGNAL_UNKILLABLE) with no handler for it.
 */
export function sig_ignored(p: task_struct, sig: number): boolean {
  const h = handler(p, sig);
  if (p.signal.flags & SIGNAL_UNKILLABLE && h === SIG_DFL) return true;
  return h === SIG_IGN || (h === SIG_DFL && sig_kernel_ignore(sig));
}

/**
 * send_sig: queues `sig` for p unless p ignores it; a fatal signal wakes p from a killable
 * sleep, any signal from an interruptible one. Returns 0, or -ESRCH for a dead task.
 */
export function* send_sig(sig: number, p: task_struct, _priv: number) {
  if (p.exit_state !== 0) return -ESRCH;
  if (sig_ignored(p, sig)) return 0;
  p.pending.signal |= sigmask(sig);
  p.ti_flags |= TIF_SIGPENDING;
  const fatal = sig === SIGKILL;
  yield* wake_up_state(p, TASK_INTERRUPTIBLE | (fatal ? TASK_WAKEKILL : 0));
  return 0;
}

/** kill_pid: sends `sig` to the task with pid `nr`; -ESRCH if there is none. */
export function* kill_pid(nr: number, sig: number, priv: number) {
  const p = find_task_by_pid_ns(nr, K.init_pid_ns);
  if (p === null) return -ESRCH;
  return yield* send_sig(sig, p, priv);
}

/** flush_signals: drops everything pending. */
export function flush_signals(p: task_struct): void {
  p.pending.signal = 0n;
  p.ti_flags &= ~TIF_SIGPENDING;
}

/** ignore_signals: every handler becomes SIG_IGN (kthreadd does this; its children inherit it). */
export function ignore_signals(p: task_struct): void {
  p.sighand?.action.fill(SIG_IGN);
  flush_signals(p);
}

/** allow_signal: a kernel thread opts in to receiving `sig` (its handler stops being SIG_IGN). */
export function allow_signal(p: task_struct, sig: number): void {
  if (p.sighand) p.sighand.action[sig - 1] = 2;
}
