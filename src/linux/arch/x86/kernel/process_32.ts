/**
 * The 2.6.x x86 kernel_thread frame (arch/x86/kernel/process_32.c and entry_32.S of
 * 2.6.24 and 2.6.32): kernel_thread fills a struct pt_regs on its own stack as if the new
 * task had been interrupted in kernel mode at kernel_thread_helper, with the function in
 * bx and its argument in dx, and hands that frame to do_fork. The child returns from
 * ret_from_fork into kernel_thread_helper, which calls fn(arg) and then do_exit with its
 * value (so a 2.6.24 backtrace of kthreadd reads kthreadd ← kernel_thread_helper).
 * From 3.x the generic kernel_thread passes fn and arg as do_fork's stack arguments instead.
 */
import type { KGen } from "../../../../sim/engine.js";
import { kfunc } from "../../../../sim/functions.js";
import { do_exit } from "../../../kernel/exit.js";

/** The registers of the frame a 2.6.x kernel thread starts from (the ones the model reads). */
export interface pt_regs {
  /** The function the new thread runs (kernel thread) — `call *%ebx` in the helper. */
  bx: ((arg: unknown) => KGen<number>) | null;
  /** Its argument. */
  dx: unknown;
  /** Where the child resumes after ret_from_fork: kernel_thread_helper, or null for user mode. */
  ip: typeof kernel_thread_helper | null;
  /** −1: not in a system call (no syscall restart on the way out). */
  orig_ax: number;
  /** X86_EFLAGS_IF|SF|PF and the reserved bit 1. */
  flags: number;
}

const X86_EFLAGS_IF = 0x200;
const X86_EFLAGS_SF = 0x80;
const X86_EFLAGS_PF = 0x4;

/** The frame kernel_thread builds for fn(arg). */
export function kernelThreadRegs(fn: (arg: unknown) => KGen<number>, arg: unknown): pt_regs {
  return {
    bx: fn,
    dx: arg,
    ip: kernel_thread_helper,
    orig_ax: -1,
    flags: X86_EFLAGS_IF | X86_EFLAGS_SF | X86_EFLAGS_PF | 0x2,
  };
}

/** kernel_thread_helper: where a 2.6.x kernel thread starts: fn(arg), then do_exit(ret). */
export const kernel_thread_helper = kfunc(function* kernel_thread_helper(regs: pt_regs) {
  const fn = regs.bx;
  const ret = fn === null ? 0 : yield* fn(regs.dx);
  yield* do_exit(ret);
  return 0;
});
