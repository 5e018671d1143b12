/**
 * The harness of the conformance tests of fork / vfork / clone / clone3 with Linux 6.19: a
 * program run in a fresh machine with scratch words in its heap, and the small user-mode helpers
 * its children use. Flags above bit 31 (CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP) are added,
 * never or-ed: JS' bitwise operators work on 32 bits.
 */
import { expect } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { FUTEX_WAIT } from "../../src/linux/include/uapi/futex.js";
import { MAP_ANONYMOUS, MAP_SHARED, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import { CLONE_SIGHAND, CLONE_THREAD, CLONE_VM } from "../../src/linux/include/uapi/sched.js";
import { EXEC_LAYOUT, PAGE_SIZE } from "../../src/linux/mm/mm_types.js";
import { problems } from "../../src/run.js";
import type { User } from "../../src/user/user.js";
import { runProgram } from "../helpers.js";

/** Scratch words in the program's heap (private memory, shared only through CLONE_VM). */
export const HEAP = EXEC_LAYOUT.heap;
export const W0 = HEAP + 0x100;
export const W1 = HEAP + 0x108;
export const W2 = HEAP + 0x110;
export const W3 = HEAP + 0x118;
/** Where set_tid arrays (int[]) are built. */
export const TIDS = HEAP + 0x200;
/** An address nothing is mapped at: a kernel access to it faults. */
export const BAD = 0x10;
export const THREAD_FLAGS = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;

export interface Ctx {
  u: User;
  /** A MAP_SHARED page (touched before any fork): how a child without CLONE_VM reports back. */
  shared: number;
}

/**
 * Runs `body` in a fresh machine as a user program and returns what it returned. Only the
 * original process may hand a result back (children, replayed from the program's start,
 * reach the end with another getpid()); the run must end idle with no problem reports and
 * no program faults.
 */
export function run<T>(body: (c: Ctx) => UGen<T>): T {
  let out: T | undefined;
  let handedBack = 0;
  const r = runProgram(function* (u) {
    const me = yield* u.sys.getpid();
    const shared = yield* u.sys.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    yield* u.store(shared, 0);
    const res = yield* body({ u, shared });
    if ((yield* u.sys.getpid()) === me) {
      out = res;
      handedBack++;
    }
    return 0;
  });
  expect(r.stop).toBe("idle");
  expect(problems(r.reports)).toEqual([]);
  expect(r.reports.filter((x) => x.kind === "segfault").map((x) => x.title)).toEqual([]);
  expect(handedBack).toBe(1);
  return out as T;
}

/** Waits until the word at addr is 0 (a CLONE_CHILD_CLEARTID word), as pthread_join does. */
export function* waitCleared(u: User, addr: number): UGen<void> {
  for (;;) {
    const v = yield* u.load(addr);
    if (v === 0) return;
    yield* u.sys.futex(addr, FUTEX_WAIT, v as number);
  }
}

/** A child that is done: exit (only this thread; the whole process when it is the only one). */
export function* childExit(u: User): UGen<never> {
  for (;;) yield* u.sys.exit(0);
}
