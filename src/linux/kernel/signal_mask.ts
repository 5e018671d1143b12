/**
 * Blocked signals (kernel/signal.c, 6.19): each thread's mask (task_struct::blocked), set
 * with rt_sigprocmask and read back, with what is pending, by rt_sigpending. A blocked
 * signal is still queued (even when its handler ignores it) but no thread that blocks it is
 * woken for it or takes it: it waits until unblocked. A new thread or process inherits the
 * mask (dup_task_struct copies it) and starts with nothing pending of its own; execve keeps
 * both. SIGKILL and SIGSTOP cannot be blocked.
 *
 * A sigset_t in user memory is two 32-bit words, as C lays it out on x86-64: signals 1–32
 * at its address, 33–64 at its address + 4.
 */
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EFAULT, EINVAL } from "../include/errno.js";
import { PF_EXITING, TIF_SIGPENDING } from "../include/sched.js";
import { SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SIGKILL, SIGSTOP, sigmask } from "../include/signal.js";
import type { mm_struct, task_struct } from "../include/task_struct.js";
import { get_user, put_user } from "../mm/memory.js";
import { signal_wake_up } from "./signal.js";
import { task_is_stopped } from "./signal_stop.js";

const UNBLOCKABLE = sigmask(SIGKILL) | sigmask(SIGSTOP);

/** wants_signal: whether t may be woken to take sig (it does not block it, is not exiting, and is not stopped unless for SIGKILL). */
export function wants_signal(sig: number, t: task_struct): boolean {
  if (t.blocked & sigmask(sig)) return false;
  if (t.flags & PF_EXITING || t.exit_state !== 0) return false;
  if (sig === SIGKILL) return true;
  return !task_is_stopped(t);
}

/**
 * complete_signal's choice of the thread to wake: `t` if it wants the signal, else (a
 * signal for the group) another thread of it that does; null when none does (the signal
 * waits in the queue until one unblocks it or is continued).
 */
export function signalWanter(sig: number, p: task_struct, t: task_struct, group: boolean): task_struct | null {
  if (wants_signal(sig, t)) return t;
  if (!group) return null;
  for (const x of p.signal.thread_head) if (wants_signal(sig, x)) return x;
  return null;
}

/**
 * What t may take now: its own and its group's pending signals that it does not block.
 * Models next_signal / has_pending_signals.
 */
export function unblockedPending(t: task_struct): bigint {
  return (t.pending.signal | t.signal.shared_pending.signal) & ~t.blocked;
}

/**
 * Models rt_sigprocmask's copy_from_user of a sigset_t (a plain copy: no Linux function of its
 * own): the set at addr (two 32-bit words), or null for a fault.
 */
export function getSigset(mm: mm_struct | null, addr: number): bigint | null {
  const lo = get_user(mm, addr);
  const hi = get_user(mm, addr + 4);
  if (typeof lo !== "number" || typeof hi !== "number") return null;
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * Models the copy_to_user of a sigset_t in rt_sigprocmask and rt_sigpending (a plain copy: no
 * Linux function of its own): stores the set at addr; 0 or -EFAULT.
 */
function* putSigset(set: bigint, mm: mm_struct | null, addr: number) {
  if ((yield* put_user(Number(set & 0xffffffffn), mm, addr)) < 0) return -EFAULT;
  return (yield* put_user(Number(set >> 32n), mm, addr + 4)) < 0 ? -EFAULT : 0;
}

/**
 * __set_current_blocked: the new mask; group signals this thread now blocks go to another
 * thread that takes them (retarget_shared_pending), and TIF_SIGPENDING is recomputed
 * (recalc_sigpending): set when something it does not block is pending.
 */
export function* set_current_blocked(me: task_struct, blocked: bigint) {
  const newly = blocked & ~me.blocked & me.signal.shared_pending.signal;
  me.blocked = blocked & ~UNBLOCKABLE;
  for (let sig = 1; newly >> BigInt(sig - 1) !== 0n; sig++) {
    if (!(newly & sigmask(sig))) continue;
    const t = [...me.signal.thread_head].find((x) => x !== me && wants_signal(sig, x));
    if (t !== undefined) yield* signal_wake_up(t, false);
  }
  if (unblockedPending(me) !== 0n) me.ti_flags |= TIF_SIGPENDING;
  else me.ti_flags &= ~TIF_SIGPENDING;
}

/**
 * rt_sigprocmask(how, set, oldset, sigsetsize): SIG_BLOCK adds set to the mask, SIG_UNBLOCK
 * removes it, SIG_SETMASK replaces the mask (SIGKILL and SIGSTOP silently left out); set 0
 * only reads. The old mask is stored at oldset (0: nowhere). sigsetsize must be 8.
 */
export const __x64_sys_rt_sigprocmask = kfunc(function* __x64_sys_rt_sigprocmask(
  how: number,
  nset: number,
  oset: number,
  sigsetsize: number,
) {
  if (sigsetsize !== 8) return -EINVAL;
  const me = current();
  const old = me.blocked;
  if (nset !== 0) {
    const set = getSigset(me.mm, nset);
    if (set === null) return -EFAULT;
    const mask = set & ~UNBLOCKABLE;
    if (how === SIG_BLOCK) yield* set_current_blocked(me, old | mask);
    else if (how === SIG_UNBLOCK) yield* set_current_blocked(me, old & ~mask);
    else if (how === SIG_SETMASK) yield* set_current_blocked(me, mask);
    else return -EINVAL;
  }
  return oset === 0 ? 0 : yield* putSigset(old, me.mm, oset);
});

/**
 * rt_sigpending(set, sigsetsize): stores the pending signals the caller blocks (its own and
 * its group's), sigsetsize bytes of them (more than 8: -EINVAL; whole 32-bit words here).
 */
export const __x64_sys_rt_sigpending = kfunc(function* __x64_sys_rt_sigpending(uset: number, sigsetsize: number) {
  if (!Number.isInteger(sigsetsize) || sigsetsize < 0 || sigsetsize > 8) return -EINVAL;
  const me = current();
  const set = (me.pending.signal | me.signal.shared_pending.signal) & me.blocked;
  if (sigsetsize === 8) return yield* putSigset(set, me.mm, uset);
  if (sigsetsize >= 4 && (yield* put_user(Number(set & 0xffffffffn), me.mm, uset)) < 0) return -EFAULT;
  return 0;
});
