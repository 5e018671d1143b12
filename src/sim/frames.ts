/**
 * The frame runtime: modeled functions compiled into frame objects (see
 * docs/ARCHITECTURE.md, "Compiled frames").
 *
 * The transform (src/build/frames-transform.mjs) turns the generator of a
 * `kfunc(function* name(...) {...})`, and every other generator of thread code (helpers,
 * thread functions, user programs, Libc's methods), into a subclass of `CompiledFrame`; a
 * kleaf's and a kcall's call are hand-written ones (functions.ts). The function's
 * locals are fields, `pc` says where to resume, `step(v)` runs from there and returns the
 * function's result, or `SUSPEND` when something on the way yielded to the engine (the
 * value yielded is left in `suspended.value`, the innermost frame in `suspended.top`). A call
 * is a direct call (`callFrom`): it returns the callee's result, or SUSPEND with the caller's
 * `pc` already saved. Only the innermost frame is ever resumed: when it returns, its result
 * is handed to its parent's `step` (trampolined, O(1) per resume whatever the depth).
 *
 * Generator code and frame code call each other: a frame is also an iterator (so a
 * generator's `yield*` runs it: the frame is then the root of its own chain of frames), and
 * a frame that calls a generator (a program the transform never saw) drives that iterator
 * through an `IteratorFrame` while it is suspended. The engine sees an iterator either way.
 */

import { knownGenerator, stateClass } from "./code.js";
import { activeEngine, type Step } from "./engine.js";

/** What `step` returns when the frame (or one it called) yielded to the engine. */
export const SUSPEND: unique symbol = Symbol("SUSPEND");

/** The last suspension: what was yielded to the engine, and the innermost frame then. */
export const suspended: { value: Step; top: Resumable | null } = { value: 0, top: null };

/**
 * Something that can be resumed with the value its callee returned (or the engine sent): a
 * compiled frame, or an IteratorFrame. Two unrelated classes, so a frame's constructor is
 * one level less deep.
 */
interface Resumable {
  /** The frame that called this one (null: the root of its chain). */
  parent: Resumable | null;
  /** The modeled function's id (negative: a frame that is not a modeled function). */
  readonly fn: number;
  /** Runs from where the frame stopped; its result, or SUSPEND. */
  step(v: unknown): unknown;
}

/** Suspends frame `f` with `value` for the engine (the frame's `pc` is already saved). */
export function suspend(value: Step, f: Resumable): typeof SUSPEND {
  suspended.value = value;
  suspended.top = f;
  return SUSPEND;
}

/**
 * Pays a modeled function's own cost at its entry, as a generator kfunc does: spent in place
 * when the engine allows it (false), else yielded (true: the frame suspends).
 */
export function payEntry(f: CompiledFrame): boolean {
  const e = activeEngine();
  const cost = e.costOf(f.fn);
  if (e.advance(cost)) return false;
  suspended.value = cost;
  suspended.top = f;
  return true;
}

/**
 * A modeled call as an iterator for `yield*`: nothing throws into it or ends it early (the
 * engine replaces a failed thread's code rather than unwinding it), so `throw` rethrows and
 * `return` just finishes. Subclasses give `next`.
 */
export abstract class CallIterator<R> implements Iterator<Step, R, unknown> {
  abstract next(v?: unknown): IteratorResult<Step, R>;

  throw(err: unknown): IteratorResult<Step, R> {
    throw err;
  }

  return(value: R): IteratorResult<Step, R> {
    return { value, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * A compiled function's call: a modeled function's (a kfunc's, a kleaf's: `fn` is its id)
 * or a plain generator's (a helper, a thread function, a user program: `fn` is -1, no cost,
 * nothing on the thread's stack of modeled calls). Its arguments until the body starts, then
 * its locals (fields of the generated subclass). The generated constructor assigns every field, these
 * included, in one order: a base constructor shared by ~175 classes would see as many
 * object shapes and make every call's stores megamorphic.
 */
export abstract class CompiledFrame extends CallIterator<unknown> implements Resumable {
  declare parent: Resumable | null;
  /** Set on each generated class's prototype when it is registered. */
  declare readonly fn: number;
  /** The `case` of `step` to resume at. */
  declare pc: number;
  /** The call's arguments, until the body has bound its parameters. */
  declare args: unknown[] | null;
  /** While this frame runs as an iterator (a generator called it): the innermost frame of its chain. */
  declare top: Resumable | null;

  abstract step(v: unknown): unknown;

  next(v?: unknown): IteratorResult<Step, unknown> {
    let r: unknown;
    if (this.top === null) {
      this.top = this;
      r = enter(this);
    } else r = resumeChain(this, this.top, v);
    if (r === SUSPEND) {
      this.top = suspended.top;
      return { value: suspended.value, done: false };
    }
    return { value: r, done: true };
  }
}
// A plain generator's frame is no modeled function; a modeled one's class overrides this.
Object.defineProperty(CompiledFrame.prototype, "fn", { value: -1, writable: false });

/**
 * A generator (or any iterator) called from frame code, while it is suspended: what a
 * program handed to the library as a plain generator function (not compiled) runs in.
 */
export class IteratorFrame implements Resumable {
  readonly fn = -1;
  constructor(
    private readonly it: Iterator<Step, unknown, unknown>,
    public parent: Resumable | null,
  ) {}

  step(v: unknown): unknown {
    const r = this.it.next(v);
    return r.done ? r.value : suspend(r.value, this);
  }
}

/**
 * Enters a compiled frame: a modeled function's goes on the running thread's stack and the
 * observers are told; then it runs.
 */
function enter(f: CompiledFrame): unknown {
  if (f.fn < 0) return f.step(undefined);
  const e = activeEngine();
  const t = e.running;
  t.fnStack.push(f.fn);
  t.entryStack.push(e.runningCpu.clock);
  e.onEnter?.(t, f.fn, f.args as unknown[]);
  const r = f.step(undefined);
  if (r !== SUSPEND) leave(f.fn, r);
  return r;
}

/** A modeled function returns: the observers, then its entry leaves the thread's stack. */
function leave(fn: number, r: unknown): void {
  const e = activeEngine();
  const t = e.running;
  e.onExit?.(t, fn, r);
  t.fnStack.pop();
  t.entryStack.pop();
}

/** Resumes the innermost frame `top` of `root`'s chain, handing each result to the parent. */
function resumeChain(root: Resumable, top: Resumable, v: unknown): unknown {
  let f = top;
  for (;;) {
    const r = f.step(v);
    if (r === SUSPEND) return r;
    if (f.fn >= 0) leave(f.fn, r);
    if (f === root) return r;
    f = f.parent as Resumable;
    v = r;
  }
}

/**
 * `yield* callee` in compiled code: a compiled callee is entered directly; any other
 * iterator is driven, and kept in an IteratorFrame if it yields.
 */
export function callFrom(parent: Resumable, callee: unknown): unknown {
  if (callee instanceof CompiledFrame) {
    callee.parent = parent;
    return enter(callee);
  }
  const it = (callee as Iterable<Step>)[Symbol.iterator]() as Iterator<Step, unknown, unknown>;
  const r = it.next();
  return r.done ? r.value : suspend(r.value, new IteratorFrame(it, parent));
}

/**
 * An array's iterator for a compiled for-of: plain data (the array and the index), so a frame
 * suspended in the loop can be copied, which a native array iterator cannot. It reads the
 * array's length at each step, as the native one does.
 */
export class ArrayIter {
  constructor(
    readonly a: readonly unknown[],
    public i: number,
  ) {}

  next(): IteratorResult<unknown> {
    return this.i < this.a.length ? { value: this.a[this.i++], done: false } : { value: undefined, done: true };
  }
}

/** The iterator of a compiled for-of: an ArrayIter for an array, else the value's own. */
export function iterate(x: Iterable<unknown>): Iterator<unknown> {
  return Array.isArray(x) ? new ArrayIter(x, 0) : x[Symbol.iterator]();
}

/** What a compiled module hands the transform's class factory. */
export const frameRuntime = { CompiledFrame, SUSPEND, suspend, payEntry, callFrom, iterate, known: knownGenerator };
export type FrameRuntime = typeof frameRuntime;
/**
 * The transform's output for one kfunc: given the runtime and the original generator (what
 * the body's own name means inside it), its frame class.
 */
export type FrameFactory = (
  rt: FrameRuntime,
  self: (...args: unknown[]) => Iterator<Step, unknown, unknown>,
) => new (
  args: unknown[],
) => CompiledFrame;

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("ArrayIter", ArrayIter);
stateClass("IteratorFrame", IteratorFrame);
