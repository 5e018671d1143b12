/**
 * A visualizer session: one run of a scenario that can be stepped forwards by a scheduling
 * decision, a modeled call or a trace event, run to a breakpoint, and moved to any earlier
 * position by restoring the snapshot kept before it and running on (src/timetravel.ts: a
 * restore plus at most K steps, whatever the distance), or, for a run whose machine cannot
 * be copied (a scenario typed into the editor runs generators, fault injection keeps host
 * state), by replaying from power-on (runs are deterministic, so the replay is the run).
 * No DOM and no Node API: it runs in the page's Web Worker and in the tests.
 */

import { picksScript, scheduleOptions } from "../explore/schedule.js";
import type { SourceIndex } from "../gdb/session.js";
import type { LeakScope, Machine } from "../machine.js";
import { machineFor } from "../run.js";
import { endOfRunChecks, installInvariants } from "../scenarios/detectors.js";
import { findScenario } from "../scenarios/index.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { StopReason } from "../sim/engine.js";
import { functionName } from "../sim/functions.js";
import { SnapshotError } from "../snapshot.js";
import { runTo, Timeline, whyNoTimeline } from "../timetravel.js";
import { compileScenario } from "./compile.js";
import {
  allThreads,
  completionViews,
  reportLines,
  requestViews,
  runQueueViews,
  slabViews,
  sourceView,
  taskViews,
  traceViews,
} from "./snapshot.js";
import type { RunSpec, Snapshot, SourceView, StepKind } from "./types.js";

/** A run that does not end by itself stops here (engine steps). */
export const MAX_STEPS = 2_000_000;

export function resolveScenario(spec: RunSpec): Scenario {
  if (spec.scenario === "custom") return compileScenario(spec.source ?? "");
  const s = findScenario(spec.scenario);
  if (s === undefined) throw new RangeError(`no scenario named '${spec.scenario}'`);
  return s;
}

export class Session {
  private readonly scenario: Scenario;
  private machine!: Machine;
  private stop: StopReason | null = null;
  /** The step count at which the run ended, once it has. */
  private end: number | null = null;
  /** The run's snapshots from its start (null: going back replays from power-on). */
  private timeline: Timeline<null> | null = null;

  /**
   * `sources`: where the modeled functions are written, for `source()`: in Node
   * cli/sources.ts's scanSources(); in the browser gdb/source-index.ts's indexSources() of
   * the src/ files the bundler includes as text.
   */
  constructor(
    readonly spec: RunSpec,
    private readonly sources: SourceIndex | null = null,
  ) {
    this.scenario = resolveScenario(spec);
    this.reset();
  }

  /**
   * A new machine, run to where the scenario starts (boot is the same every time; the
   * "boot" scenario starts at power-on and traces it).
   */
  private reset(): void {
    const spec = this.spec;
    const boot = spec.scenario === "boot" && spec.picks === undefined;
    this.machine = machineFor(
      this.scenario,
      spec.picks === undefined && (spec.mutant ?? null) === null
        ? { cpus: spec.cpus, seed: spec.seed, traceBoot: boot, kernel: spec.era }
        : scheduleOptions(
            {
              scenario: spec.scenario,
              cpus: spec.cpus,
              seed: spec.seed,
              mutant: spec.mutant ?? null,
              kernel: spec.era,
            },
            picksScript(new Map(spec.picks ?? [])),
            [],
            true,
          ),
    );
    this.leakScope = spec.picks === undefined && (spec.mutant ?? null) === null ? "all" : "scenario";
    this.stop = null;
    if (!boot) this.advanceUntil(() => Number.isFinite(this.machine.bootedAt));
    this.start = this.steps;
    this.timeline = null;
    if (whyNoTimeline(this.machine) !== "") return;
    try {
      const invariants = this.scenario.invariants ?? [];
      this.timeline = new Timeline(this.machine, null, (m) => installInvariants(m, invariants));
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
    }
  }

  /** Whether going back costs a restore plus at most K steps (else a replay from power-on). */
  get travels(): boolean {
    return this.timeline !== null;
  }

  /** The position where the scenario starts (after boot). */
  start = 0;
  /** Explorer schedules check only what the scenario allocated, as the explorer does. */
  private leakScope: LeakScope = "all";

  /** Engine steps taken: the position. */
  get steps(): number {
    return this.machine.engine.steps;
  }

  private get done(): boolean {
    return this.stop !== null && this.stop !== "steps" && this.stop !== "stopped";
  }

  /**
   * Runs `steps` more steps (fewer if the run ends); at the end of the run, its end-of-run
   * checks once. (A pass of the run loop that only takes an interrupt counts no step, so
   * the engine's budget is spent until the count is reached.)
   */
  private advance(steps: number): void {
    if (this.done) return;
    const target = Math.min(this.steps + steps, MAX_STEPS);
    const tl = this.timeline;
    const why = tl === null ? runTo(this.machine, target) : tl.forward({ machine: this.machine, data: null }, target);
    // A run whose last step is the target has ended there too (as a plain run says).
    this.stop = why ?? this.machine.engine.ended() ?? "steps";
    if (this.steps >= MAX_STEPS && this.stop === "steps") this.stop = "until";
    if (this.done) {
      this.end = this.steps;
      if (this.stop === "idle") this.machine.checkLeaks(this.leakScope);
      endOfRunChecks(this.machine, this.scenario, this.stop as StopReason);
    }
  }

  /** Runs until `until()` says so after a step (checked after every step), or the end. */
  private advanceUntil(until: () => boolean, limit = MAX_STEPS): void {
    for (let n = 0; n < limit && !this.done; n++) {
      this.advance(1);
      if (until()) return;
    }
  }

  /** Runs until a modeled function is entered (`name`, or any), or the end. */
  private advanceToCall(name: string | null): void {
    const e = this.machine.engine;
    const prev = e.onEnter;
    e.onEnter = (t, fn, args) => {
      prev?.(t, fn, args);
      if (name === null || functionName(fn) === name) e.stop();
    };
    try {
      this.advance(MAX_STEPS);
    } finally {
      e.onEnter = prev;
    }
  }

  step(kind: StepKind): Snapshot {
    if (kind === "decision") this.advance(1);
    else if (kind === "call") this.advanceToCall(null);
    else {
      const trace = this.machine.kernel.trace;
      const before = trace.written;
      this.advanceUntil(() => trace.written > before);
    }
    return this.snapshot();
  }

  /** To an earlier or later position (earlier: from the snapshot before it, else replayed from power-on). */
  goto(step: number): Snapshot {
    const target = Math.max(this.start, Math.min(step, this.end ?? MAX_STEPS));
    if (target < this.steps) {
      if (this.timeline === null) this.reset();
      else {
        this.machine = this.timeline.restoreAt(target).machine;
        this.stop = null;
      }
    }
    this.advance(target - this.steps);
    return this.snapshot();
  }

  back(): Snapshot {
    return this.goto(this.steps - 1);
  }

  /** Runs to the entry of `breakpoint` (a modeled function's name), or on for `maxSteps`, or to the end. */
  run(opts: { breakpoint?: string; maxSteps?: number } = {}): Snapshot {
    if (opts.breakpoint !== undefined && opts.breakpoint !== "") this.advanceToCall(opts.breakpoint);
    else this.advance(opts.maxSteps ?? MAX_STEPS);
    return this.snapshot();
  }

  /** The step of the last position at or before virtual time `ns` (for a click on the trace). */
  stepAt(ns: number): number {
    // From the last snapshot before `ns` (time only grows along a run), one step at a time,
    // to the last step that ends at or before ns.
    const here = this.steps;
    const from = this.timeline?.lastBefore(ns) ?? this.start;
    this.goto(from);
    let last = from;
    while (!this.done) {
      this.advance(1);
      if (this.machine.now > ns) break;
      last = this.steps;
    }
    this.goto(here);
    return last;
  }

  source(pid: number): SourceView | null {
    const p = allThreads(this.machine).find((t) => t.pid === pid);
    return p === undefined || this.sources === null ? null : sourceView(p, this.sources);
  }

  snapshot(): Snapshot {
    const m = this.machine;
    const trace = m.kernel.trace;
    return {
      spec: this.spec,
      position: { step: this.steps, time: m.now },
      done: this.done,
      start: this.start,
      end: this.end,
      tasks: taskViews(m),
      requests: requestViews(m),
      completions: completionViews(m),
      runqueues: runQueueViews(m),
      slab: slabViews(m),
      ...traceViews(trace.records(), trace.cmdlines, m.now, trace.era),
      ...reportLines(m),
    };
  }
}
