/**
 * What a user program is handed: its two faces, `sys` (raw system calls) and `libc` (the
 * C library on top), its memory (load and store of words at user addresses), and a way
 * to spend CPU time. One per task; `errno` is this thread's.
 */

import type { UGen } from "../linux/arch/x86/entry/user_mode.js";
import { stateClass } from "../sim/code.js";
import { shownValue } from "../sim/suggest.js";
import { Libc } from "./libc.js";
import { Sys } from "./sys.js";

/** A program's main: argv in, exit status out (returning from main is exit(status)). */
export type UserMain = (u: User, argv: string[]) => UGen<number | undefined>;

export class User {
  readonly sys = new Sys();
  readonly libc: Libc;
  /** The C library's errno of this thread (set when a libc call fails). */
  errno = 0;
  private sp: number;

  constructor(
    stack_top: number,
    /** This thread's struct pthread (pthread_self()). */
    readonly self: number,
  ) {
    this.sp = stack_top;
    this.libc = new Libc(this);
  }

  /** The copy a fork child continues with: the same stack pointer, errno and thread pointer, its own libc. */
  fork(): User {
    const u = new User(this.sp, this.self);
    u.errno = this.errno;
    return u;
  }

  /** The stack pointer (the kernel puts a signal frame below it). */
  stack_pointer(): number {
    return this.sp;
  }

  /** Moves the stack pointer (into a signal frame, and back at rt_sigreturn). */
  set_stack_pointer(sp: number): void {
    this.sp = sp;
  }

  /** Reads the word at addr (0 if never written); a bad address is a segfault. */
  *load(addr: number): UGen<number | string> {
    return (yield { op: "load", addr }) as number | string;
  }

  /** Writes a word (a number, or a string standing for a C string) at addr; copy-on-write applies. */
  *store(addr: number, val: number | string): UGen<void> {
    yield { op: "store", addr, val };
  }

  /**
   * Runs for `ns` nanoseconds of CPU time in user mode (preemptible): 0, or -EINVAL (and no
   * time spent) for an `ns` that is not a finite number >= 0, as a system call refuses a bad argument.
   */
  *compute(ns: number): UGen<number> {
    return (yield { op: "compute", ns }) as number;
  }

  /**
   * Room for a local variable of `bytes` on this thread's stack (like alloca); its address.
   * A size that is negative or no number is, as C's size_t, more than any stack: the program
   * faults (a segfault report, and SIGSEGV), as a C program that overflows its stack does.
   */
  alloca(bytes: number): number {
    if (typeof bytes !== "number" || !(bytes >= 0 && bytes < Number.POSITIVE_INFINITY))
      throw new RangeError(`alloca(${shownValue(bytes)}) overflows the stack`);
    this.sp -= Math.ceil(Math.max(bytes, 1) / 8) * 8;
    return this.sp;
  }
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("User", User);
