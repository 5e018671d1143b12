/**
 * Modeled functions: the `kfunc` wrapper that keeps the running thread's stack of modeled
 * calls (the registry of their names is registry.ts).
 *
 * A modeled kernel function is a generator; it calls others with `yield*`. `kfunc` gives
 * each one an id, pushes a frame (id, entry time) on the running thread's stack, pays the
 * function's own cost from the engine's cost table (a yield: a point where the CPU's
 * clock advances and another CPU may run), runs the body and pops the frame.
 */

import { registerCode, stateClass } from "./code.js";
import { activeEngine, type KGen } from "./engine.js";
import { CompiledFrame, callFrom, type FrameFactory, frameRuntime, payEntry, SUSPEND } from "./frames.js";
import { define, type FunctionKind, functionId } from "./registry.js";

export {
  canStopAt,
  checkModeled,
  type FunctionKind,
  findFunctionId,
  functionCount,
  functionId,
  functionKind,
  functionName,
  functionSource,
  modeledFunctionNames,
} from "./registry.js";

/** How many modeled functions of each name were defined (two eras may define one name twice). */
const defined = new Map<string, number>();

/**
 * Registers what a saved state may point at for one modeled function (src/sim/code.ts): its
 * call wrapper, its body and its frame class, under its name and how many of that name came
 * before it (module order, the same in every process of a build).
 */
function registerModeled(kind: FunctionKind, name: string, parts: Record<string, object | undefined>): void {
  const n = defined.get(name) ?? 0;
  defined.set(name, n + 1);
  for (const [part, code] of Object.entries(parts))
    if (code !== undefined) registerCode(`${kind}:${name}#${n}:${part}`, code);
}

/**
 * Wraps a generator function as a modeled kernel function named after it:
 * `export const copy_process = kfunc(function* copy_process(...) { ... })`.
 *
 * Under the frame runtime (the default) the frames transform adds the two other
 * arguments: the factory of the function's compiled frame class, and the name it is
 * registered under (a bundler may rename the function itself). A call then makes a frame
 * (src/sim/frames.ts) instead of running the generator.
 */
export function kfunc<A extends unknown[], R>(
  body: (...args: A) => KGen<R>,
  compiled?: FrameFactory,
  name = body.name,
): (...args: A) => KGen<R> {
  const id = define("kfunc", body as (...args: never[]) => unknown, name);
  if (compiled !== undefined) {
    const C = compiled(frameRuntime, body as (...args: unknown[]) => KGen<unknown>);
    Object.defineProperty(C.prototype, "fn", { value: id });
    const call = modeled(name, (...args: A) => new C(args) as unknown as KGen<R>);
    registerModeled("kfunc", name, { call, body, frame: C.prototype });
    return call;
  }
  const call = modeled(name, (...args: A) => new Frame<A, R>(id, body, args) as unknown as KGen<R>);
  registerModeled("kfunc", name, { call, body });
  return call;
}

/** Names a modeled function's call wrapper after the function and registers it as modeled. */
function modeled<A extends unknown[], R>(name: string, call: (...args: A) => KGen<R>): (...args: A) => KGen<R> {
  Object.defineProperty(call, "name", { value: name });
  kfuncs.add(call);
  return call;
}

/**
 * One call of a modeled function, as the iterator `yield*` drives: the first resume pushes
 * the frame and pays the cost (yielding it to the run loop unless it can be spent at once);
 * later resumes go straight to the body; the last pops the frame. A plain object, rather than
 * a wrapping generator, so each call costs one generator and no extra resume per yield.
 */
class Frame<A extends unknown[], R> {
  private inner: KGen<R> | null = null;
  /** The call's arguments until the body starts (then only the body's generator holds them). */
  private args: A | null;
  constructor(
    private readonly id: number,
    private readonly body: (...args: A) => KGen<R>,
    args: A,
  ) {
    this.args = args;
  }

  next(v?: unknown): IteratorResult<number, R> {
    let inner = this.inner;
    if (inner === null) {
      const e = activeEngine();
      const t = e.running;
      const args = this.args as A;
      this.args = null;
      t.fnStack.push(this.id);
      t.entryStack.push(e.runningCpu.clock);
      e.onEnter?.(t, this.id, args);
      inner = this.body(...args);
      this.inner = inner;
      const cost = e.costOf(this.id);
      if (!e.advance(cost)) return { value: cost, done: false };
    }
    const r = inner.next(v);
    if (r.done) {
      const e = activeEngine();
      const t = e.running;
      e.onExit?.(t, this.id, r.value);
      t.fnStack.pop();
      t.entryStack.pop();
    }
    return r;
  }

  throw(err: unknown): IteratorResult<number, R> {
    if (this.inner === null) throw err;
    return this.inner.throw(err);
  }

  return(value: R): IteratorResult<number, R> {
    return this.inner === null ? { value, done: true } : this.inner.return(value);
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * Wraps a modeled function whose body never yields (it may call ksync functions, not kfunc
 * ones): `kleaf(function copy_fs(...) { ... })`. Callers drive it with `yield*` as they do
 * a kfunc, and it behaves as a kfunc whose generator has no yield — frame, observers, cost
 * paid before the body — without making a generator per call.
 */
export function kleaf<A extends unknown[], R>(body: (...args: A) => R): (...args: A) => KGen<R> {
  const id = define("kleaf", body as (...args: never[]) => unknown);
  // A class of its own per function, as a compiled kfunc has: its id is on the prototype.
  const C = class extends Leaf {};
  Object.defineProperty(C.prototype, "fn", { value: id });
  const call = modeled(
    body.name,
    (...args: A) => new C(body as (...a: unknown[]) => unknown, args) as unknown as KGen<R>,
  );
  registerModeled("kleaf", body.name, { call, body, frame: C.prototype });
  return call;
}

/**
 * One call of a kleaf function: a frame (the same under both runtimes) whose entry pushes
 * it and tells the observers (the runtime's `enter`), then pays the cost (yielding it unless
 * it can be spent at once), then runs the body; its return pops it.
 */
class Leaf extends CompiledFrame {
  constructor(
    private readonly body: (...args: unknown[]) => unknown,
    args: unknown[],
  ) {
    super();
    this.parent = null;
    this.pc = 0;
    this.args = args;
    this.top = null;
  }

  step(): unknown {
    if (this.pc === 0) {
      this.pc = 1;
      if (payEntry(this)) return SUSPEND;
    }
    return this.body(...(this.args as unknown[]));
  }
}

/** The modeled functions (they push their own frame). */
const kfuncs = new WeakSet<object>();

/**
 * Calls a generator function that is not a modeled kernel function (a scenario's thread
 * function, say) with a frame of its own name, so it shows in backtraces.
 */
export function kcall<A, R>(fn: (arg: A) => KGen<R>, arg: A, anonymous = "threadfn"): KGen<R> {
  if (kfuncs.has(fn)) return fn(arg);
  return new Kcall(functionId(fn.name || anonymous), fn(arg)) as unknown as KGen<R>;
}

/**
 * A kcall: a frame (under both runtimes) that puts the function's name on the thread's stack
 * of modeled calls, calls it, and takes the name off when it returns. No cost, no observers.
 */
class Kcall extends CompiledFrame {
  constructor(
    private readonly id: number,
    private readonly call: KGen<unknown>,
  ) {
    super();
    this.parent = null;
    this.pc = 0;
    this.args = null;
    this.top = null;
  }

  step(v: unknown): unknown {
    const e = activeEngine();
    const t = e.running;
    if (this.pc === 0) {
      this.pc = 1;
      t.fnStack.push(this.id);
      t.entryStack.push(e.runningCpu.clock);
      v = callFrom(this, this.call);
      if (v === SUSPEND) return SUSPEND;
    }
    t.fnStack.pop();
    t.entryStack.pop();
    return v;
  }
}
stateClass("Kcall", Kcall);

/**
 * Wraps a synchronous modeled function (one that runs inside a lock's critical section and
 * so never yields): it gets a frame, so it shows in backtraces and in the function_graph,
 * but no cost of its own: its time is in the function that called it. At most three
 * parameters (the scheduler's internals have no more), passed as they are: no argument
 * array unless an observer wants one.
 */
export function ksync<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const id = define("ksync", fn as (...args: never[]) => unknown);
  const arity = fn.length;
  const params = /\(([^)]*)\)/.exec(fn.toString())?.[1] ?? "";
  if (arity > 3 || /=|\.\.\./.test(params))
    throw new Error(`ksync ${fn.name}: at most three plain parameters (no default or rest parameter)`);
  const call = fn as unknown as (a: unknown, b: unknown, c: unknown) => R;
  const wrapped = (a?: unknown, b?: unknown, c?: unknown): R => {
    const e = activeEngine();
    const t = e.running;
    t.fnStack.push(id);
    t.entryStack.push(e.runningCpu.clock);
    if (e.onEnter !== null) e.onEnter(t, id, arity === 0 ? [] : arity === 1 ? [a] : arity === 2 ? [a, b] : [a, b, c]);
    const r = call(a, b, c);
    e.onExit?.(t, id, r);
    t.fnStack.pop();
    t.entryStack.pop();
    return r;
  };
  Object.defineProperty(wrapped, "name", { value: fn.name });
  registerModeled("ksync", fn.name, { call: wrapped, body: fn });
  return wrapped as unknown as (...args: A) => R;
}
