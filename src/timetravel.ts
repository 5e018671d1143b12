/**
 * Time travel over one run (docs/ARCHITECTURE.md, "Time travel"): snapshots of the machine
 * kept every K engine steps as it runs forwards, and `seek(step)`, which restores the
 * nearest one at or before the step and runs forwards to it. A run is deterministic and a
 * snapshot runs on exactly as its original, so the machine seek gives is the one the run
 * had at that step: the debugger's reverse execution and the visualizer's going back are
 * built on it.
 *
 * A position is an engine step count. The machine "at step N" is the one at the end of the
 * pass of the run loop that took its step count to N (a pass that only takes an interrupt
 * counts no step: the state right after the step, before such passes, is the one a
 * position names).
 *
 * K: a seek costs one restore plus at most K steps, and the debugger's reverse step (two
 * restores and up to 2K steps, see gdb/reverse.ts) twice that: the bench row `reverse-step
 * at 1e6 steps` measures it at the worst position of a 1,000,000-step run, target 50 ms
 * (docs/PERFORMANCE.md, "Time travel"). A snapshot is a KeptState (src/snapshot.ts): a
 * recorded copy, so that every restore is a rebuild from its plan (~0.2× a copy), and the
 * trace ring's full chunks are shared by every copy (linux/kernel/trace/buffer.ts). The
 * replayed steps are most of a reverse step (~70 % of its time in a profile), so K = 2,500:
 * a quarter of the replay of K = 10,000 for four times the snapshots, one every 2,500 steps
 * while running forwards (a recorded copy each: forward runs in the debugger pay for them).
 *
 * Memory is capped: past MAX_SNAPSHOTS snapshots, or MAX_SNAPSHOT_OBJECTS live slab objects
 * in them together, every other snapshot is dropped and K doubles. A snapshot of the
 * kthread-cycle machine of the bench (~40 tasks, ~5,200 objects, a trace of 300,000+
 * records) holds ~0.6 MB of its own plus its trace's saved-cmdlines table (~40 bytes a pid
 * seen: ~0.3 MB at 7,000 pids), ~0.9 MB in all: a 1,000,000-step run keeps 400 (~430 MB of
 * heap with the run's own); at most 512 (~460 MB for that machine).
 */
import { INJECTION_HOOKS } from "./linux/lib/inject.js";
import type { Machine } from "./machine.js";
import type { StopReason } from "./sim/engine.js";
import { KeptState, SnapshotError } from "./snapshot.js";

/**
 * Why a machine's run cannot be travelled ("" when it can): a host hook whose state lives in
 * a closure (the function tracer, the explorer's observers) would be dropped by the
 * snapshots, and the replays would not be the run. A scenario's invariants are put back by
 * the tool (installInvariants), and fault and signal injection by the copy itself (its state
 * is data on the kernel: src/snapshot.ts), so they do not count.
 */
export function whyNoTimeline(m: Machine): string {
  const e = m.engine;
  const k = m.kernel;
  // Fault and signal injection's hooks are module-level functions over data on the kernel
  // (linux/lib/inject.ts): a restored machine gets them again.
  const foreign = (hook: unknown) => hook !== null && !INJECTION_HOOKS.has(hook);
  if (foreign(k.fail_point) || foreign(k.slab.shouldFail) || foreign(e.onSpawn) || foreign(e.beforeStep))
    return "a host hook keeps its state in closures, which a snapshot cannot copy";
  if (k.trace.tracer !== "nop") return "the function tracer observes the run through host closures";
  if (e.afterStep !== null || k.slab.onAlloc !== null || k.slab.onFree !== null) return "a host hook observes the run";
  return "";
}

/** K: engine steps between two snapshots (at most this many are replayed by a seek). */
export const SNAPSHOT_EVERY = 2_500;
/** The most snapshots a timeline keeps (past it, every other one goes and K doubles). */
export const MAX_SNAPSHOTS = 512;
/**
 * The most live slab objects the snapshots may hold together (past it, the same thinning):
 * a machine's size grows with its objects (~1.4 KB of a snapshot's heap per live slab
 * object, the other objects and the plan included: ~0.7 GB at the cap), so a run with
 * 10,000 tasks keeps fewer snapshots than one with 40.
 */
export const MAX_SNAPSHOT_OBJECTS = 500_000;

export interface TimelineOptions<D = unknown> {
  /** K (default SNAPSHOT_EVERY). */
  every?: number;
  /** The memory cap in snapshots (default MAX_SNAPSHOTS). */
  max?: number;
  /** The memory cap in live slab objects over all snapshots (default MAX_SNAPSHOT_OBJECTS). */
  maxObjects?: number;
  /** Called before a snapshot is kept: the tool drops what it no longer needs from its data. */
  tidy?: (m: Machine, data: D) => void;
}

/** A machine and the tool's data about it (pointing into it), as a snapshot keeps them. */
export interface Travel<D> {
  machine: Machine;
  data: D;
}

interface Kept<D> {
  /** The machine and the tool's data then, recorded: each restore a rebuild. */
  state: KeptState<D>;
  steps: number;
  /** The machine's virtual time then (ns). */
  now: number;
  /** Its live slab objects (what its size grows with). */
  objects: number;
}

/**
 * Runs `m` (with whatever hooks it has) until its step count is `target`, or until it stops
 * for another reason first (then that reason; null when the target was reached). `until`:
 * the virtual time limit of the run it continues.
 */
export function runTo(m: Machine, target: number, until = Number.POSITIVE_INFINITY): StopReason | null {
  while (m.engine.steps < target) {
    const why = m.run({ until, maxSteps: target - m.engine.steps });
    // The last step of a run that then ends: the target is reached all the same.
    if (why !== "steps") return m.engine.steps >= target ? null : why;
  }
  return null;
}

/**
 * The snapshots of one run. `install` puts the tool's host hooks on a machine restored
 * from a snapshot (a snapshot keeps none: see src/snapshot.ts, `hooks: "drop"`), with the
 * tool's data as it was at that step.
 */
export class Timeline<D> {
  private readonly kept: Kept<D>[] = [];
  private every: number;
  private readonly max: number;
  private readonly maxObjects: number;
  /** Why no more snapshots are kept ("": they are). */
  stopped = "";
  /** The live slab objects of the snapshots kept, together. */
  private objects = 0;
  private readonly tidy: ((m: Machine, data: D) => void) | undefined;

  constructor(
    first: Machine,
    firstData: D,
    private readonly install: (m: Machine, data: D) => void,
    opts: TimelineOptions<D> = {},
  ) {
    this.tidy = opts.tidy;
    this.every = opts.every ?? SNAPSHOT_EVERY;
    this.max = opts.max ?? MAX_SNAPSHOTS;
    this.maxObjects = opts.maxObjects ?? MAX_SNAPSHOT_OBJECTS;
    if (!(Number.isInteger(this.every) && this.every >= 1)) throw new RangeError("every must be an integer >= 1");
    if (!(Number.isInteger(this.max) && this.max >= 2)) throw new RangeError("max must be an integer >= 2");
    this.keep(first, firstData);
  }

  /** The first position of the history (where the timeline was made). */
  get start(): number {
    return (this.kept[0] as Kept<D>).steps;
  }

  /** K now (doubled each time the memory cap was reached). */
  get interval(): number {
    return this.every;
  }

  /** The positions of the snapshots kept, in order. */
  get positions(): number[] {
    return this.kept.map((k) => k.steps);
  }

  /** The index of the last snapshot at or before `step` (0 when none is). */
  private indexAt(step: number): number {
    let lo = 0;
    let hi = this.kept.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.kept[mid] as Kept<D>).steps <= step) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Whether `m` (at its step count) is K steps or more past the last snapshot before it. */
  due(m: Machine): boolean {
    const s = m.engine.steps;
    const i = this.indexAt(s);
    const k = this.kept[i] as Kept<D>;
    const next = this.kept[i + 1];
    return s - k.steps >= this.every && (next === undefined || next.steps - s >= this.every);
  }

  /** Keeps `m` (and `data`) at its step, in place in the order (the tool's hooks are left out). */
  keep(m: Machine, data: D): void {
    this.tidy?.(m, data);
    const steps = m.engine.steps;
    const i = this.kept.length === 0 ? -1 : this.indexAt(steps);
    const at = this.kept[i];
    if (at !== undefined && at.steps === steps) return;
    const state = KeptState.of(m, data, { hooks: "drop" });
    const objects = m.kernel.slab.live.size;
    this.kept.splice(i + 1, 0, { steps, now: m.now, objects, state });
    this.objects += objects;
    while (this.kept.length > 2 && (this.kept.length > this.max || this.objects > this.maxObjects)) {
      // Thinned: the first stays, then every other one.
      for (let j = this.kept.length - 1; j >= 1; j--) {
        if (j % 2 === 0) continue;
        this.objects -= (this.kept[j] as Kept<D>).objects;
        this.kept.splice(j, 1);
      }
      this.every *= 2;
    }
  }

  /** The position of the last snapshot taken at or before virtual time `ns` (the first one when none is). */
  lastBefore(ns: number): number {
    let best = this.kept[0] as Kept<D>;
    for (const k of this.kept) if (k.now <= ns) best = k;
    return best.steps;
  }

  /** The position of the last snapshot at or before `step`. */
  snapshotAt(step: number): number {
    return (this.kept[this.indexAt(step)] as Kept<D>).steps;
  }

  /** A fresh machine (hooks installed) in the state of the last snapshot at or before `step`. */
  restoreAt(step: number): Travel<D> {
    const [machine, data] = (this.kept[this.indexAt(step)] as Kept<D>).state.restore();
    this.install(machine, data);
    return { machine, data };
  }

  /**
   * The machine at `step` (not before the start): restored from the nearest snapshot, run
   * forwards with the tool's hooks (which must not stop it) to the step. `until`: the run's
   * virtual time limit. A step past the run's end gives the machine where it ended.
   */
  seek(step: number, until = Number.POSITIVE_INFINITY): Travel<D> & { why: StopReason | null } {
    const t = this.restoreAt(step);
    const why = this.forward(t, step, until);
    return { ...t, why };
  }

  /**
   * Runs `t` forwards to `step` keeping snapshots at K-step marks on the way (a stop by a
   * hook, the end of the run or the time limit ends it first: then its reason).
   */
  forward(t: Travel<D>, step: number, until = Number.POSITIVE_INFINITY): StopReason | null {
    const m = t.machine;
    for (;;) {
      const mark = Math.min(step, this.nextMark(m.engine.steps));
      const why = runTo(m, mark, until);
      if (why !== null) return why;
      if (this.stopped === "" && this.due(m)) {
        try {
          this.keep(m, t.data);
        } catch (e) {
          // Something that is not data came up in the run (a thread running a generator):
          // no more snapshots; a seek past the last one runs on from it, the same run.
          if (!(e instanceof SnapshotError)) throw e;
          this.stopped = e.message;
        }
      }
      if (m.engine.steps >= step) return null;
    }
  }

  /** The next step count at which a snapshot would be due after `s`. */
  private nextMark(s: number): number {
    let i = this.indexAt(s);
    for (;;) {
      const mark = (this.kept[i] as Kept<D>).steps + this.every;
      const next = this.kept[i + 1];
      // A snapshot kept less than K after the mark makes that mark not due: the one after it is.
      if (next === undefined || next.steps - mark >= this.every) return Math.max(s + 1, mark);
      i++;
    }
  }
}
