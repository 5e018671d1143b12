/**
 * fork by copy: a forked child continues a copy of its parent's program. Under the frame
 * runtime a program suspended in a system call is a chain of frame objects (its locals are
 * their fields), so the child's program is that chain copied: O(depth of the chain), whatever
 * the program did before. Locals are the child's own copy, as a C child's stack is: frames,
 * arrays and their for-of iterators, plain objects, Maps and Sets are copied; the program's User (its libc, errno and
 * stack pointer) is copied for the child; anything else (a function, an instance of a model
 * class) is shared, as replay would recompute the same reference. A program that holds what
 * cannot be copied (a generator it calls, which the transform never saw; a native iterator
 * across a yield, over a Map, say) is replayed instead (runtime.ts).
 */

import type { UGen } from "../linux/arch/x86/entry/user_mode.js";
import { ArrayIter, CompiledFrame, IteratorFrame } from "../sim/frames.js";
import type { User } from "./user.js";

class NotCopyable extends Error {}

/** A program (or part of it) the frames transform never saw: a generator, run through an IteratorFrame. */
class NotCompiled extends Error {}

/**
 * The child's copy of a suspended program (and of the signal handlers it is in, one copy
 * for all: what they share stays shared) and of its User; null for a program (or a part of
 * it) the transform never saw; else why a compiled program cannot be copied.
 */
export function copy_program(
  gens: (UGen<unknown> | null)[],
  user: User,
): { gens: (UGen<unknown> | null)[]; user: User } | string | null {
  if (!gens.every((g) => g === null || g instanceof CompiledFrame)) return null;
  const child = user.fork();
  const memo = new Map<object, unknown>([
    [user, child],
    [user.libc, child.libc],
    [user.sys, child.sys],
  ]);
  const copy = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    const seen = memo.get(v);
    if (seen !== undefined) return seen;
    const proto = Object.getPrototypeOf(v);
    if (v instanceof IteratorFrame) throw new NotCompiled();
    if (Array.isArray(v)) {
      const a: unknown[] = [];
      memo.set(v, a);
      for (const x of v) a.push(copy(x));
      return a;
    }
    if (v instanceof Map) {
      const m = new Map();
      memo.set(v, m);
      for (const [k, x] of v) m.set(copy(k), copy(x));
      return m;
    }
    if (v instanceof Set) {
      const s = new Set();
      memo.set(v, s);
      for (const x of v) s.add(copy(x));
      return s;
    }
    if (v instanceof CompiledFrame || v instanceof ArrayIter || proto === Object.prototype || proto === null) {
      const o = Object.create(proto) as Record<string, unknown>;
      memo.set(v, o);
      for (const k of Object.keys(v)) o[k] = copy((v as Record<string, unknown>)[k]);
      return o;
    }
    if (typeof (v as { next?: unknown }).next === "function")
      throw new NotCopyable("it holds an iterator across a yield");
    return v;
  };
  try {
    return { gens: copy(gens) as (UGen<unknown> | null)[], user: child };
  } catch (err) {
    if (err instanceof NotCopyable) return err.message;
    if (err instanceof NotCompiled) return null;
    throw err;
  }
}
