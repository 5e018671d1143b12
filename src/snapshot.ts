/**
 * Snapshots of a machine: an independent copy that runs on exactly as the original would,
 * and a canonical hash of its state (docs/ARCHITECTURE.md, "State as data"). A machine is
 * data (src/sim/copy.ts says what may hang off one); what is not is refused with the thread
 * or hook that holds it.
 */
import { attachInjection, INJECTION_HOOKS } from "./linux/lib/inject.js";
import type { Machine } from "./machine.js";
import { cacheFields, NotCopyable, timeFields, timeListFields } from "./sim/classes.js";
import { Copier, type CopyPlan } from "./sim/copy.js";
import { Cpu, Engine, Thread, Timer } from "./sim/engine.js";
import { CompiledFrame } from "./sim/frames.js";
import { functionName } from "./sim/functions.js";
import { stateHash } from "./sim/hash.js";

/** A machine that cannot be copied (a generator in a thread, a host observer): the message says which. */
export class SnapshotError extends Error {}

/** The host-side observers a copy cannot take along: closures over the original's objects. */
type HookSlot = [name: string, get: (m: Machine) => unknown, set: (m: Machine, v: null) => void];

const HOOKS: readonly HookSlot[] = [
  ["engine.onEnter", (m) => m.engine.onEnter, (m, v) => (m.engine.onEnter = v)],
  ["engine.onExit", (m) => m.engine.onExit, (m, v) => (m.engine.onExit = v)],
  ["engine.onSpawn", (m) => m.engine.onSpawn, (m, v) => (m.engine.onSpawn = v)],
  ["engine.beforeStep", (m) => m.engine.beforeStep, (m, v) => (m.engine.beforeStep = v)],
  ["engine.afterStep", (m) => m.engine.afterStep, (m, v) => (m.engine.afterStep = v)],
  ["kernel.fail_point", (m) => m.kernel.fail_point, (m, v) => (m.kernel.fail_point = v)],
  ["slab.shouldFail", (m) => m.kernel.slab.shouldFail, (m, v) => (m.kernel.slab.shouldFail = v)],
  ["slab.onAlloc", (m) => m.kernel.slab.onAlloc, (m, v) => (m.kernel.slab.onAlloc = v)],
  ["slab.onFree", (m) => m.kernel.slab.onFree, (m, v) => (m.kernel.slab.onFree = v)],
];

/** The host hooks set on `m`: name and value. */
export function hostHookValues(m: Machine): [string, unknown][] {
  return HOOKS.filter(([, get]) => get(m) !== null).map(([name, get]) => [name, get(m)]);
}

/** The names of the host hooks set on `m`. */
export function hostHooks(m: Machine): string[] {
  return HOOKS.filter(([, get]) => {
    const hook = get(m);
    return hook !== null && !INJECTION_HOOKS.has(hook);
  }).map(([name]) => name);
}

/** Runs `f` with `m`'s host hooks unset, and sets them back after. */
export function withoutHooks<T>(m: Machine, f: () => T): T {
  const kept = HOOKS.map(([, get]) => get(m));
  for (const [, , set] of HOOKS) set(m, null);
  try {
    return f();
  } finally {
    for (const [i, [, , set]] of HOOKS.entries()) set(m, kept[i] as null);
  }
}

export interface CopyOptions {
  /**
   * "refuse" (the default): a machine with host hooks set is refused. "drop": the copy is made
   * as if none were set (the original keeps its own), for a tool that installs its hooks again
   * on the copy it runs (the debugger, the explorer).
   */
  hooks?: "refuse" | "drop";
}

/**
 * An independent copy of `m`: run it and it does what `m` would have done from here (same
 * trace, same reports), while `m` is left as it was. Throws a SnapshotError for a machine
 * with host observers (function tracer, fault injection, debugger, explorer hooks) or with
 * a thread that is not made of frames.
 */
export function copyMachine(m: Machine, opts: CopyOptions = {}): Machine {
  return copyRecorded(m, null, opts, null)[0];
}

/**
 * copyMachine of `m` together with a tool's own data about it (`data`, which points into
 * `m`: the debugger's frames, say), in one copy: the copy of `data` points into the copy
 * of `m`. Refuses what copyMachine refuses.
 */
export function copyMachineWith<D>(m: Machine, data: D, opts: CopyOptions = {}): [Machine, D] {
  return copyRecorded(m, data, opts, null);
}

/** copyMachineWith; with `plans`, the copy is recorded and its plan pushed there (for MachineSnapshot.restore). */
function copyRecorded<D>(m: Machine, data: D, opts: CopyOptions, plans: CopyPlan[] | null): [Machine, D] {
  if (opts.hooks === "drop" && hostHooks(m).length > 0) return withoutHooks(m, () => copyRecorded(m, data, {}, plans));
  const hooks = hostHooks(m);
  if (hooks.length > 0) {
    throw new SnapshotError(
      `cannot snapshot this machine: ${hooks.join(", ")} ${hooks.length > 1 ? "are" : "is"} set ` +
        "(a function tracer, the debugger or the explorer observes it through closures, which a copy cannot take along)",
    );
  }
  const chooser = m.engine.chooser;
  if (Object.getPrototypeOf(chooser) === Object.prototype && Object.hasOwn(chooser, "choose")) {
    throw new SnapshotError(
      "cannot snapshot this machine: its chooser is an object literal, whose choose() keeps its state in a closure " +
        "a copy cannot take along (make it a class with its state in fields, as the choosers of src/sim/chooser.ts)",
    );
  }
  let copy: [Machine, D];
  try {
    const c = new Copier(plans !== null);
    // A host-side watchdog watches the original's run, not the copy's.
    const watchdog = m.engine.onProgress;
    m.engine.onProgress = null;
    try {
      // Recorded: the pair is the root, so that a rebuild gives the machine and the data together.
      copy =
        plans === null
          ? [c.copy(m), typeof data === "object" && data !== null ? c.copy(data) : data]
          : (c.copy([m, data]).slice() as [Machine, D]);
    } finally {
      m.engine.onProgress = watchdog;
    }
    // Fault and signal injection is data on the kernel and module-level hooks over it: the
    // copy gets them too (a copy made without hooks did not take them along).
    const k = copy[0].kernel;
    if (k.injection !== null) attachInjection(k, copy[0].engine);
    plans?.push(c.plan());
  } catch (err) {
    if (err instanceof NotCopyable) throw new SnapshotError(explain(m, err));
    throw err;
  }
  return copy;
}

/*
 * The fields that hold an absolute virtual time (ns), for hashMachine's time: "relative".
 * Those of plain kernel structures go by name (any plain object's field of that name).
 * Machine.bootedAt (machine.ts) and the slab records' and frees' times (mm/slab.ts) are
 * declared where their classes are.
 */
timeFields(Cpu, "clock", "key", "nextTick");
timeFields(Timer, "expires");
// The limits of the run under way (its until and step budget): set again by each run, no state.
cacheFields(Engine, "until", "budget");
timeListFields(Thread, "entryStack");
timeFields(
  Object,
  "exec_start", // sched_entity: when the task last started running
  "last_switch_time", // task_struct (hung-task check)
  "start_time", // task_struct
  "last_switch", // rq
  "ts", // a trace event
  "time", // a report
);

export interface HashMachineOptions {
  /**
   * "absolute" (the default): the state as it is. "relative": every field that holds an
   * absolute virtual time (CPU clocks and next ticks, timer expiries, task and run-queue
   * timestamps, the entry times of the modeled calls on each thread, slab allocation and free
   * times, the boot's end, trace events' and reports' times) counts as its distance from
   * the machine's now (the latest CPU clock), so two states that differ only by a shift of all
   * of them hash alike. Kept as they are: durations and counters (sum_exec_runtime, vruntime
   * and min_vruntime, engine steps, timer sequence numbers, pids, slab ids) and times held in
   * the local variables of a thread's frames (a sleep's deadline while it runs).
   */
  time?: "absolute" | "relative";
}

/**
 * The canonical hash of a machine's state: equal for a machine and its snapshot. Host hooks
 * are observers, not state: they are left out. See HashMachineOptions for `time`.
 */
export function hashMachine(m: Machine, opts: HashMachineOptions = {}): string {
  if (hostHooks(m).length > 0) return withoutHooks(m, () => hashMachine(m, opts));
  try {
    return stateHash(m, opts.time === "relative" ? { time: "relative", now: m.now } : {});
  } catch (err) {
    if (err instanceof NotCopyable) throw new SnapshotError(explain(m, err).replace("snapshot", "hash"));
    throw err;
  }
}

/** Says which thread (and function) holds the object that cannot be copied. */
function explain(m: Machine, err: NotCopyable): string {
  const path = pathTo(m, err.obj);
  let thread: Thread | null = null;
  let caller = "";
  for (const o of path) {
    if (o instanceof Thread) thread = o;
    if (o instanceof CompiledFrame) caller = functionName(o.fn);
  }
  if (thread === null) return `cannot snapshot this machine: it holds ${err.what}`;
  const where = thread.backtrace();
  const inner = where[0] ?? caller;
  return (
    `cannot snapshot this machine: thread ${m.engine.describe(thread)} runs ${err.what}` +
    `${inner === "" ? "" : ` in ${inner}`}${caller !== "" && caller !== inner ? ` (called from ${caller})` : ""}, ` +
    "which is not made of frames (only code the frames transform compiled can be copied: TASKLAB_RUNTIME=frames)"
  );
}

/** What `o` points at: a Map's keys and values, a Set's members, an object's fields. */
export function referencesOf(o: object): unknown[] {
  if (o instanceof Map) return [...o.keys(), ...o.values()];
  if (o instanceof Set) return [...o];
  return ArrayBuffer.isView(o) ? [] : Object.values(o);
}

/** The objects on a shortest path from `root` to `target` (breadth first), root first. */
function pathTo(root: object, target: object): object[] {
  const from = new Map<object, object | null>([[root, null]]);
  const queue: object[] = [root];
  for (let i = 0; i < queue.length; i++) {
    const o = queue[i] as object;
    if (o === target) break;
    for (const v of referencesOf(o)) {
      if (typeof v !== "object" || v === null || from.has(v)) continue;
      from.set(v, o);
      queue.push(v);
    }
  }
  const path: object[] = [];
  for (let o: object | null | undefined = target; o != null; o = from.get(o)) path.unshift(o);
  return path;
}

/**
 * A machine's state kept aside at one moment (for time travel, the explorer's checkpoints):
 * never run itself, it can be restored any number of times, each a fresh machine.
 */
export class MachineSnapshot {
  /** The hashes computed so far, by time option (the state kept never changes). */
  private readonly hashes: { absolute?: string; relative?: string } = {};
  /** How to rebuild `kept` without walking it, once a restore has recorded it. */
  private plan: CopyPlan | null = null;

  /** `kept`: a copy of the machine at that moment, never run (only read, copied, rebuilt from). */
  private constructor(private kept: Machine) {}

  /** Takes a snapshot of `m` (which runs on unaffected): one copy. */
  static of(m: Machine, opts: CopyOptions = {}): MachineSnapshot {
    return new MachineSnapshot(copyMachine(m, opts));
  }

  /**
   * A new machine in the snapshot's state, ready to run. The first restore hands out the copy
   * kept, and keeps instead a recorded copy of it (its CopyPlan: one copy, recorded); every
   * later one is a rebuild from that plan, without walking the state (several times cheaper).
   */
  restore(): Machine {
    if (this.plan !== null) return this.plan.rebuild<[Machine, null]>()[0];
    const plans: CopyPlan[] = [];
    copyRecorded(this.kept, null, {}, plans);
    const out = this.kept;
    this.plan = plans[0] as CopyPlan;
    this.kept = this.plan.root<[Machine, null]>()[0];
    return out;
  }

  /** The hash of the state kept (that of the machine it was taken from, at that moment). */
  hash(opts: HashMachineOptions = {}): string {
    const time = opts.time ?? "absolute";
    this.hashes[time] ??= hashMachine(this.kept, opts);
    return this.hashes[time];
  }

  /** Virtual time at the snapshot (ns). */
  get now(): number {
    return this.kept.now;
  }

  /** Engine steps taken up to the snapshot. */
  get steps(): number {
    return this.kept.engine.steps;
  }
}

/**
 * A machine and a tool's data about it (pointing into it) kept aside together, recorded as
 * they were copied (a time-travel timeline's snapshots): every restore, the first included,
 * is a rebuild from the plan (MachineSnapshot.restore's later ones). Memory: the copy kept
 * plus its plan (per object its kind and shape, per reference the number of its target).
 */
export class KeptState<D> {
  private constructor(private readonly plan: CopyPlan) {}

  /** Keeps `m` and `data` (which run on unaffected): one recorded copy. Refuses what copyMachine refuses. */
  static of<D>(m: Machine, data: D, opts: CopyOptions = {}): KeptState<D> {
    const plans: CopyPlan[] = [];
    copyRecorded(m, data, opts, plans);
    return new KeptState<D>(plans[0] as CopyPlan);
  }

  /** A new machine and data in the state kept, ready to run (no host hooks but injection's). */
  restore(): [Machine, D] {
    const [m, data] = this.plan.rebuild<[Machine, D]>();
    return [m, data];
  }

  /** The copy kept (for reading, never for running). */
  get machine(): Machine {
    return this.plan.root<[Machine, D]>()[0];
  }
}

/** Keeps `m`'s state aside (m runs on unaffected): see MachineSnapshot. */
export function snapshot(m: Machine, opts: CopyOptions = {}): MachineSnapshot {
  return MachineSnapshot.of(m, opts);
}

/** A fresh machine in the state `s` kept, ready to run (`s` can be restored again). */
export function restore(s: MachineSnapshot): Machine {
  return s.restore();
}
