/**
 * Signals (kernel/signal.c): pending sets per thread and per thread group, the
 * TIF_SIGPENDING flag, the ignore rules (a kernel thread ignores everything unless it
 * allowed the signal; a namespace init ignores what it has no handler for), the fatal
 * signal that takes a whole group down (complete_signal), kill/tgkill, and dequeueing on
 * the way back to user mode (get_signal), each with its siginfo (who sent it; for SIGCHLD,
 * what happened to the child). Stop signals stop the group (signal_stop.ts); a caught
 * signal's handler runs on the task (arch/x86/kernel/signal.ts).
 * Size: about 490 lines: sending, queueing with siginfo, sigaction and dequeueing are one
 * set of tables (pending sets, sighand actions) that kernel/signal.c keeps in one file too.
 */
import { activeEngine, type KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EFAULT, EINVAL, EPERM, ESRCH } from "../include/errno.js";
import { TASK_INTERRUPTIBLE, TASK_WAKEKILL, TIF_NOTIFY_SIGNAL, TIF_SIGPENDING } from "../include/sched.js";
import {
  _NSIG,
  HANDLER_TEXT,
  JOBCTL_STOP_PENDING,
  type k_sigaction,
  type kernel_siginfo,
  SA_RESETHAND,
  SI_KERNEL,
  SI_TKILL,
  SI_USER,
  SIG_DFL,
  SIG_IGN,
  SIGKILL,
  SIGNAL_GROUP_EXIT,
  SIGNAL_UNKILLABLE,
  SIGSTOP,
  sig_kernel_coredump,
  sig_kernel_ignore,
  sig_kernel_only,
  sig_kernel_stop,
  sigmask,
  UAPI_SA_FLAGS,
  valid_signal,
} from "../include/signal.js";
import type { pid, sighand_struct, task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { put_user } from "../mm/memory.js";
import { CAP_KILL, has_ns_capability } from "./cred.js";
import { is_current_pgrp_orphaned, pgrpMembers } from "./pgrp.js";
import { find_pid_ns, find_task_by_pid_ns, type pid_namespace, task_active_pid_ns, task_tgid_nr_ns } from "./pid.js";
import { wake_up_state } from "./sched/core.js";
import { signalWanter } from "./signal_mask.js";
import { prepareSignalJobctl, task_clear_jobctl_pending } from "./signal_stop.js";

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

/**
 * sig_ignored: dropped at send time because the handler ignores it, or because p is an
 * init (SIGNAL_UNKILLABLE) with no handler for it, unless `force` (SIGKILL or SIGSTOP from
 * an ancestor namespace).
 */
export function sig_ignored(p: task_struct, sig: number, force = false): boolean {
  // A blocked signal is queued whatever its handler: the handler may change before it is unblocked.
  if (p.blocked & sigmask(sig)) return false;
  const h = handler(p, sig);
  if (p.signal.flags & SIGNAL_UNKILLABLE && h === SIG_DFL && !(force && sig_kernel_only(sig))) return true;
  return h === SIG_IGN || (h === SIG_DFL && sig_kernel_ignore(sig));
}

/** sig_fatal: delivering it would end the task (default action terminate or core). */
function sig_fatal(p: task_struct, sig: number): boolean {
  return handler(p, sig) === SIG_DFL && !sig_kernel_ignore(sig) && !sig_kernel_stop(sig);
}

/** Models sigaddset(&t->pending.signal) with TIF_SIGPENDING (__send_signal_locked). */
export function sigaddsetPending(t: task_struct, sig: number): void {
  t.pending.signal |= sigmask(sig);
  t.ti_flags |= TIF_SIGPENDING;
}

/** signal_wake_up: flags t and wakes it from an interruptible sleep (from a killable one too, if fatal). */
export function* signal_wake_up(t: task_struct, fatal: boolean): KGen<void> {
  t.ti_flags |= TIF_SIGPENDING;
  yield* wake_up_state(t, TASK_INTERRUPTIBLE | (fatal ? TASK_WAKEKILL : 0));
}

/**
 * The thread that takes a signal for p: p itself for a thread's own signal; for its group, a
 * live thread of it (the leader may have exited while others run). Undefined: none is left.
 * Models complete_signal (its choice of thread).
 */
function signalTarget(p: task_struct, group: boolean): task_struct | undefined {
  if (!group) return p.exit_state === 0 ? p : undefined;
  return (
    ([...p.signal.thread_head].find((x) => x.exit_state === 0) as task_struct | undefined) ??
    (p.exit_state === 0 ? p : undefined)
  );
}

/**
 * complete_signal: a signal for the group wakes a thread to take it; a fatal one sets
 * SIGNAL_GROUP_EXIT and gives every thread SIGKILL, so all of them exit.
 */
function* complete_signal(sig: number, p: task_struct, target: task_struct, group: boolean): KGen<void> {
  const signal = p.signal;
  const t = signalWanter(sig, p, target, group);
  if (t === null) return; // every thread blocks it (or is stopped): it waits in the queue
  if (sig_fatal(p, sig) && !(signal.flags & SIGNAL_GROUP_EXIT)) {
    signal.flags |= SIGNAL_GROUP_EXIT;
    signal.group_exit_code = sig | (sig_kernel_coredump(sig) ? 0x80 : 0);
    signal.group_stop_count = 0;
    for (const x of signal.thread_head) {
      if (x.exit_state !== 0) continue;
      task_clear_jobctl_pending(x, JOBCTL_STOP_PENDING);
      sigaddsetPending(x, SIGKILL);
      yield* signal_wake_up(x, true);
    }
    return;
  }
  yield* signal_wake_up(t, sig === SIGKILL);
}

/**
 * __send_signal: queues sig for one thread (tkill, or the kernel's own sends) or for its
 * group (kill), unless ignored, and wakes a thread to take it. `info` is its siginfo (null:
 * the kernel's own, SI_KERNEL); a signal already pending keeps the siginfo it had (legacy
 * signals are not queued twice). Returns 0, or -ESRCH for a dead task.
 */
export function* send_signal(
  sig: number,
  p: task_struct,
  group: boolean,
  force = false,
  info: kernel_siginfo | null = null,
): KGen<number> {
  // With no live thread to take it (a zombie, still hashed), nothing happens; the send still succeeds.
  const t = signalTarget(p, group);
  if (t === undefined) return 0;
  yield* prepareSignalJobctl(sig, p);
  if (sig_ignored(p, sig, force)) return 0;
  const pending = group ? p.signal.shared_pending : p.pending;
  if (!(pending.signal & sigmask(sig))) {
    if (info !== null) (pending.info ??= new Map()).set(sig, info);
    else pending.info?.delete(sig);
  }
  pending.signal |= sigmask(sig);
  yield* complete_signal(sig, p, t, group);
  return 0;
}

/** Models prepare_kill_siginfo (and do_tkill's): the siginfo of a signal a task sends (kill: SI_USER, tgkill: SI_TKILL): its sender as t's namespace sees it. */
export function userSiginfo(sig: number, code: number, t: task_struct): kernel_siginfo {
  const me = current();
  const ns = task_active_pid_ns(t);
  return {
    si_signo: sig,
    si_code: code,
    si_pid: ns === null ? 0 : task_tgid_nr_ns(me, ns),
    si_uid: me.cred.uid,
    si_status: 0,
  };
}

/** send_sig: a signal to one task from the kernel (kthread_stop, do_notify_parent, fault injection). */
export function* send_sig(sig: number, p: task_struct, _priv: number) {
  return yield* send_signal(sig, p, false);
}

/** kill_pid: sends `sig` to the task with global pid `nr`; -ESRCH if there is none. */
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

/**
 * tasklab's own: the handler table of `sh`, its own (copied first if it still shares one), to
 * write to (sa_flags too).
 */
export function sighandActionMut(sh: sighand_struct): Int32Array {
  if (sh.action_shared) {
    sh.action = Int32Array.from(sh.action);
    sh.sa_flags = Int32Array.from(sh.sa_flags);
    sh.sa_mask = sh.sa_mask.slice();
    sh.text = sh.text.slice();
    sh.action_shared = false;
  }
  return sh.action;
}

/** ignore_signals: every handler becomes SIG_IGN (kthreadd does this; its children inherit it). */
export function ignore_signals(p: task_struct): void {
  if (p.sighand) sighandActionMut(p.sighand).fill(SIG_IGN);
  flush_signals(p);
}

/** allow_signal: a kernel thread opts in to receiving `sig` (its handler stops being SIG_IGN). */
export function allow_signal(p: task_struct, sig: number): void {
  if (p.sighand) sighandActionMut(p.sighand)[sig - 1] = 2;
}

/** flush_signal_handlers (exec): caught signals go back to their default; ignored stay ignored; no flags. */
export function flush_signal_handlers(p: task_struct): void {
  if (!p.sighand) return;
  const a = sighandActionMut(p.sighand);
  for (let i = 0; i < a.length; i++) if (a[i] !== SIG_IGN) a[i] = SIG_DFL;
  p.sighand.sa_flags.fill(0);
  p.sighand.sa_mask.fill(0n);
  p.sighand.text.length = 0; // a new program: its handlers are gone with the old one's code
}

/** kill_ok_by_cred: root (CAP_KILL), or the same user. */
function kill_ok_by_cred(t: task_struct): boolean {
  const me = current().cred;
  const tc = t.cred;
  if (me.euid === tc.uid || me.uid === tc.uid || me.euid === tc.euid || me.uid === tc.euid) return true;
  return has_ns_capability(me, tc.user_ns, CAP_KILL);
}

/**
 * Whether t's pid namespace is below the sender's (a SIGKILL from there reaches a namespace init).
 * Models the value __send_signal took as its from-ancestor-namespace argument (≤5.x; si_fromuser).
 */
function fromAncestorNs(t: task_struct): boolean {
  const mine = task_active_pid_ns(current());
  let ns: pid_namespace | null = task_active_pid_ns(t);
  if (ns === mine) return false;
  while (ns !== null && ns !== mine) ns = ns.parent;
  return ns === mine;
}

/**
 * group_send_sig_info: check_kill_permission (a valid signal, the right to send it), then
 * the group's signal (or, `group` false, the thread's own: PIDTYPE_PID), with the siginfo
 * given (pidfd_send_signal's) or kill's (SI_USER from the caller).
 */
export function* group_send_sig_info(
  sig: number,
  t: task_struct,
  group = true,
  given: kernel_siginfo | null = null,
): KGen<number> {
  if (!valid_signal(sig)) return -EINVAL;
  if (!kill_ok_by_cred(t)) return -EPERM;
  if (sig === 0) return 0;
  const info = given ?? userSiginfo(sig, SI_USER, t);
  return yield* send_signal(sig, group ? t.group_leader : t, group, fromAncestorNs(t), info);
}

/**
 * __kill_pgrp_info: sig to every process of group pgrp (null: init_struct_pid's); 0 if it
 * reached one, else the last error (-ESRCH for an empty group).
 */
export function* __kill_pgrp_info(sig: number, pgrp: pid | null): KGen<number> {
  let success = false;
  let retval = -ESRCH;
  for (const p of pgrpMembers(pgrp)) {
    const err = yield* group_send_sig_info(sig, p);
    success ||= err === 0;
    retval = err;
  }
  return success ? 0 : retval;
}

/**
 * kill(pid, sig): pid > 0 one process; 0 the caller's process group; -1 every process the
 * caller may signal except init and itself; below -1 process group -pid.
 */
export const __x64_sys_kill = kfunc(function* __x64_sys_kill(pid: number, sig: number) {
  if (!Number.isInteger(pid)) return -ESRCH;
  const me = current();
  const ns = task_active_pid_ns(me) ?? K.init_pid_ns;
  if (pid > 0) {
    const t = find_task_by_pid_ns(pid, ns);
    if (t === null) return -ESRCH;
    return yield* group_send_sig_info(sig, t);
  }
  if (pid === 0) return yield* __kill_pgrp_info(sig, me.signal.pgrp);
  if (pid < -1) {
    if (pid === -0x80000000) return -ESRCH; // -INT_MIN
    const pgrp = find_pid_ns(-pid, ns);
    return pgrp === null ? -ESRCH : yield* __kill_pgrp_info(sig, pgrp);
  }
  let count = 0;
  let retval = 0;
  for (const p of [...ns.pids.values()]) {
    const t = p.task;
    if (t === null || t.group_leader !== t) continue;
    if (task_tgid_nr_ns(t, ns) <= 1 || t.tgid === me.tgid) continue; // init and the caller's own group
    const err = yield* group_send_sig_info(sig, t);
    count++;
    if (err !== -EPERM) retval = err;
  }
  return count ? retval : -ESRCH;
});

/** tgkill(tgid, tid, sig): to one thread, which must belong to process tgid. */
export const __x64_sys_tgkill = kfunc(function* __x64_sys_tgkill(tgid: number, tid: number, sig: number) {
  if (!Number.isInteger(tgid) || !Number.isInteger(tid) || tgid <= 0 || tid <= 0) return -EINVAL;
  const ns = task_active_pid_ns(current()) ?? K.init_pid_ns;
  const t = find_task_by_pid_ns(tid, ns);
  if (t === null || task_tgid_nr_ns(t, ns) !== tgid) return -ESRCH;
  if (!valid_signal(sig)) return -EINVAL;
  if (!kill_ok_by_cred(t)) return -EPERM;
  if (sig === 0) return 0;
  return yield* send_signal(sig, t, false, fromAncestorNs(t), userSiginfo(sig, SI_TKILL, t));
});

/** tasklab's own: the function of the program a handler address stands for (null: none, a handler with no code in the model). */
export function handlerCode(sh: sighand_struct, addr: number): unknown {
  const i = (addr - HANDLER_TEXT) / 16;
  return Number.isInteger(i) && i >= 0 && i < sh.text.length ? sh.text[i] : null;
}

/** tasklab's own: the address of a handler function in the table's text, added to it the first time (the table made its own first). */
function handlerAddress(sh: sighand_struct, fn: unknown): number {
  let i = sh.text.indexOf(fn);
  if (i < 0) {
    sighandActionMut(sh);
    i = sh.text.push(fn) - 1;
  }
  return HANDLER_TEXT + 16 * i;
}

/** tasklab's own: a sigset given as a number or a bigint (bit sig-1 for sig); null when it is neither. */
function sigsetValue(v: unknown): bigint | null {
  if (typeof v === "bigint") return v >= 0n && v < 1n << 64n ? v : null;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return null;
}

/** Models rt_sigaction's copy of the `struct sigaction` from user space: its parts, given as a plain object; a number for -EFAULT. */
function readSigaction(
  act: object,
): { h: number | ((...a: never[]) => unknown); flags: number; mask: bigint } | number {
  const { sa_handler: v, sa_flags: f = 0, sa_mask: m = 0 } = act as Record<string, unknown>;
  if (typeof v !== "function" && (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)) return -EFAULT;
  if (typeof f !== "number" || !Number.isInteger(f)) return -EFAULT;
  const mask = sigsetValue(m);
  if (mask === null) return -EFAULT;
  return { h: v as number, flags: f, mask };
}

/**
 * rt_sigaction(sig, act, oldact, sigsetsize): act is { sa_handler, sa_flags, sa_mask } (a
 * handler: SIG_DFL, SIG_IGN, a function of the program, or a number from 2 up standing for a
 * handler with no code; flags SA_*, the unknown ones cleared; the mask a sigset as a number
 * or bigint, SIGKILL and SIGSTOP left out) or null to only read. The old action is stored at
 * oldact as the kernel's struct sigaction: handler at +0 (a function's address in the
 * program's text), flags at +8, mask at +24 (two 32-bit words); 0: nowhere. sigsetsize must
 * be 8. SIGKILL and SIGSTOP cannot be caught or ignored. Setting SIG_IGN discards what is pending.
 */
export const __x64_sys_rt_sigaction = kfunc(function* __x64_sys_rt_sigaction(
  sig: number,
  act: unknown,
  oldact: number,
  sigsetsize: number,
) {
  if (sigsetsize !== 8) return -EINVAL;
  if (!Number.isInteger(sig) || sig < 1 || sig > _NSIG) return -EINVAL;
  const me = current();
  const sighand = me.sighand;
  if (sighand === null) return -EINVAL;
  let ka: Exclude<ReturnType<typeof readSigaction>, number> | null = null;
  if (act !== null && act !== undefined) {
    if (typeof act !== "object") return -EFAULT;
    const r = readSigaction(act);
    if (typeof r === "number") return r;
    if (sig === SIGKILL || sig === SIGSTOP) return -EINVAL;
    ka = r;
  }
  const old = sighand.action[sig - 1] as number;
  const oldflags = sighand.sa_flags[sig - 1] as number;
  const oldmask = sighand.sa_mask[sig - 1] as bigint;
  if (oldact !== 0) {
    if ((yield* put_user(old, me.mm, oldact)) < 0) return -EFAULT;
    if ((yield* put_user(oldflags >>> 0, me.mm, oldact + 8)) < 0) return -EFAULT;
    if ((yield* put_user(Number(oldmask & 0xffffffffn), me.mm, oldact + 24)) < 0) return -EFAULT;
    if ((yield* put_user(Number(oldmask >> 32n), me.mm, oldact + 28)) < 0) return -EFAULT;
  }
  if (ka !== null) {
    const h = typeof ka.h === "function" ? handlerAddress(sighand, ka.h) : ka.h;
    sighandActionMut(sighand)[sig - 1] = h;
    sighand.sa_flags[sig - 1] = ka.flags & UAPI_SA_FLAGS;
    sighand.sa_mask[sig - 1] = ka.mask & ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
    if (h === SIG_IGN || (h === SIG_DFL && sig_kernel_ignore(sig))) {
      for (const t of me.signal.thread_head) t.pending.signal &= ~sigmask(sig);
      me.signal.shared_pending.signal &= ~sigmask(sig);
    }
  }
  return 0;
});

/**
 * What get_signal found for the task returning to user mode: nothing, a caught signal
 * (its handler runs), a stop signal (the group stops: do_signal_stop), or a fatal one (the
 * group exits with this code).
 */
export type SignalAction =
  | { kind: "none" }
  | { kind: "handled"; sig: number; info: kernel_siginfo; ka: k_sigaction }
  | { kind: "stop"; sig: number }
  | { kind: "fatal"; code: number };

/**
 * get_signal: dequeues pending signals, lowest number first, own before the group's.
 * Ignored ones are dropped; the first caught or fatal one decides (a caught one with its
 * action, reset to SIG_DFL there when SA_RESETHAND). A group already exiting makes every
 * thread fatal at once.
 */
export function get_signal(p: task_struct): SignalAction {
  const signal = p.signal;
  for (;;) {
    if (signal.flags & SIGNAL_GROUP_EXIT || __fatal_signal_pending(p)) {
      const code = signal.flags & SIGNAL_GROUP_EXIT ? signal.group_exit_code : SIGKILL;
      p.pending.signal &= ~sigmask(SIGKILL);
      return { kind: "fatal", code };
    }
    const { sig, info } = dequeue(p);
    if (sig === 0) {
      p.ti_flags &= ~TIF_SIGPENDING;
      return { kind: "none" };
    }
    // An init only gets here a SIGKILL or SIGSTOP from an ancestor namespace, which it cannot drop.
    if (sig_ignored(p, sig) && !sig_kernel_only(sig)) continue;
    const sh = p.sighand;
    if (sh !== null && handler(p, sig) !== SIG_DFL) {
      const ka = {
        handler: handler(p, sig),
        flags: sh.sa_flags[sig - 1] as number,
        mask: sh.sa_mask[sig - 1] as bigint,
      };
      if (ka.flags & SA_RESETHAND) sighandActionMut(sh)[sig - 1] = SIG_DFL;
      return { kind: "handled", sig, info, ka };
    }
    if (sig_kernel_stop(sig)) {
      // The job-control stops do nothing in an orphaned process group (no shell to continue it).
      if (sig !== SIGSTOP && is_current_pgrp_orphaned(p)) continue;
      return { kind: "stop", sig };
    }
    return { kind: "fatal", code: sig | (sig_kernel_coredump(sig) ? 0x80 : 0) };
  }
}

const NO_INFO: kernel_siginfo = Object.freeze({ si_signo: 0, si_code: 0, si_pid: 0, si_uid: 0, si_status: 0 });

function lowest(set: bigint): number {
  if (set === 0n) return 0;
  let sig = 1;
  while (!(set & sigmask(sig))) sig++;
  return sig;
}

/**
 * dequeue_signal: the lowest pending signal p does not block, its own before its group's,
 * with its siginfo (the kernel's own, SI_KERNEL, when none was queued); sig 0: none.
 */
function dequeue(p: task_struct): { sig: number; info: kernel_siginfo } {
  let pending = p.pending;
  let sig = lowest(p.pending.signal & ~p.blocked);
  if (sig === 0) {
    pending = p.signal.shared_pending;
    sig = lowest(pending.signal & ~p.blocked);
  }
  if (sig === 0) return { sig, info: NO_INFO };
  pending.signal &= ~sigmask(sig);
  const info = pending.info?.get(sig) ?? { si_signo: sig, si_code: SI_KERNEL, si_pid: 0, si_uid: 0, si_status: 0 };
  pending.info?.delete(sig);
  return { sig, info };
}
