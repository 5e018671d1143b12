/**
 * A caught signal's handler runs on the task (arch/x86/kernel/signal.c and signal_64.c,
 * 6.19): on the way out to user mode, handle_signal settles the interrupted call (-EINTR, or
 * made again after the handler with SA_RESTART), setup_rt_frame pushes a struct rt_sigframe
 * on the user stack (the mask to restore in its ucontext's uc_sigmask, the siginfo after it
 * with SA_SIGINFO) and points the task at the handler, and signal_delivered blocks sa_mask
 * and the signal itself (not with SA_NODEFER). When the handler returns, its return address
 * (glibc's __restore_rt) makes rt_sigreturn, which takes the mask back from the frame and
 * resumes what the handler interrupted.
 *
 * What the real frame keeps in registers (where the program was: its generator, and what
 * it gets back) the model keeps beside the stack, in UserState.frames: plain data and the
 * program's own frames, which fork copies as it copies the program and a saved state keeps.
 */
import type { KGen } from "../../../../sim/engine.js";
import { EFAULT } from "../../../include/errno.js";
import { type k_sigaction, type kernel_siginfo, SA_NODEFER, SA_SIGINFO, sigmask } from "../../../include/signal.js";
import type { task_struct } from "../../../include/task_struct.js";
import { getSigset, set_current_blocked } from "../../../kernel/signal_mask.js";
import { put_user } from "../../../mm/memory.js";
import type { UGen, UserAbi, UserOp, UserState } from "../entry/user_mode.js";

/** A handler: a function of the program, handed the thread's context, the signal, &siginfo and &ucontext. */
export type SignalHandler = (u: never, sig: number, info: number, uc: number) => UGen<unknown>;

/** One handler's frame: what rt_sigreturn restores. */
export interface SigFrame {
  /** The code the handler interrupted: the program, or a handler (started or not); null: a program not started yet. */
  gen: UGen<unknown> | null;
  /** What that code gets back: the interrupted call's result, or a call to make again (SA_RESTART; the rest of a compute). */
  resume: { value: unknown } | { call: UserOp };
  /** The program's request (its kind, for the replay log) whose result is still to come; null: none. */
  kind: number | null;
  /** The address of the struct rt_sigframe on the user stack. */
  frame: number;
  /** The stack pointer before it. */
  sp: number;
}

// struct rt_sigframe (x86-64): pretcode, then struct ucontext (uc_flags, uc_link, uc_stack,
// uc_mcontext, uc_sigmask), then struct siginfo (128 bytes).
const UC = 8;
const UC_SIGMASK = UC + 296;
const INFO = UC + 304;
const RT_SIGFRAME_SIZE = INFO + 128;
/** The x86-64 ABI's red zone below the stack pointer, which a signal frame must not touch. */
const RED_ZONE = 128;

/** copy_siginfo_to_user: the fields at their x86-64 offsets (si_signo, si_errno, si_code, si_pid, si_uid, si_status); 0 or -EFAULT. */
function* copy_siginfo_to_user(p: task_struct, at: number, info: kernel_siginfo): KGen<number> {
  const words: [number, number][] = [
    [0, info.si_signo],
    [4, 0],
    [8, info.si_code],
    [16, info.si_pid],
    [20, info.si_uid],
    [24, info.si_status],
  ];
  for (const [off, v] of words) if ((yield* put_user(v, p.mm, at + off)) < 0) return -EFAULT;
  return 0;
}

/**
 * handle_signal → setup_rt_frame → signal_delivered, for a handler with code: the frame is
 * written below the stack pointer (past the red zone, 16-byte aligned less the return
 * address), the task is pointed at the handler, and the mask becomes the caller's (ppoll's
 * own, if one is in force) plus sa_mask and the signal. The mask saved in the frame is the
 * one to go back to: the one a ppoll replaced, if any (that restore is then the frame's).
 * False when the frame could not be written (the caller forces SIGSEGV).
 */
export function* handle_signal(
  p: task_struct,
  st: UserState,
  abi: UserAbi,
  sig: number,
  info: kernel_siginfo,
  ka: k_sigaction,
  fn: SignalHandler,
  resume: SigFrame["resume"],
): KGen<boolean> {
  st.user ??= abi.context(st.entry.stack_top, st.entry.tp);
  const sp = abi.sp(st.user);
  const frame = Math.floor((sp - RED_ZONE - RT_SIGFRAME_SIZE) / 16) * 16 - 8;
  const saved = p.saved_sigmask ?? p.blocked;
  if ((yield* put_user(Number(saved & 0xffffffffn), p.mm, frame + UC_SIGMASK)) < 0) return false;
  if ((yield* put_user(Number(saved >> 32n), p.mm, frame + UC_SIGMASK + 4)) < 0) return false;
  if (ka.flags & SA_SIGINFO && (yield* copy_siginfo_to_user(p, frame + INFO, info)) < 0) return false;
  abi.set_sp(st.user, frame);
  st.frames.push({ gen: st.gen, resume, kind: st.frames.length === 0 ? st.kind : null, frame, sp });
  st.gen = fn(st.user as never, sig, frame + INFO, frame + UC);
  st.input = undefined;
  // signal_delivered: the saved mask is in the frame now (clear_restore_sigmask).
  p.saved_sigmask = null;
  yield* set_current_blocked(p, p.blocked | ka.mask | (ka.flags & SA_NODEFER ? 0n : sigmask(sig)));
  return true;
}

/**
 * rt_sigreturn: the handler returned; the mask comes back from the frame's uc_sigmask (which
 * the handler may have changed), the stack pointer and the interrupted code from the frame.
 * The frame, or null when its memory is gone (the caller forces SIGSEGV, as badframe does).
 */
export function* rt_sigreturn(p: task_struct, st: UserState, abi: UserAbi): KGen<SigFrame | null> {
  const f = st.frames.pop() as SigFrame;
  st.gen = f.gen;
  st.kind = f.kind;
  abi.set_sp(st.user as object, f.sp);
  const mask = getSigset(p.mm, f.frame + UC_SIGMASK);
  if (mask === null) return null;
  yield* set_current_blocked(p, mask);
  return f;
}
