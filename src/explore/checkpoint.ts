/**
 * Runs that start from a snapshot instead of power-on. Each target is booted once per
 * thread (up to the moment its scenario starts: boot makes no recorded choice, so it is
 * the same in every run) and kept as a MachineSnapshot; a schedule restores it, sets the
 * explorer's host hooks again on the copy (a snapshot drops them: they are closures) and
 * runs on. What the explorer keeps outside the machine is only that: the hooks, which are
 * set again from data the machine holds (the injection's state, the chooser's fields, the
 * scenario's invariants), and the watcher.
 */

import { K } from "../linux/kernel.js";
import type { Machine } from "../machine.js";
import { DEFAULT_UNTIL, machineFor, runMachine } from "../run.js";
import { installInvariants } from "../scenarios/detectors.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { Engine } from "../sim/engine.js";
import { type MachineSnapshot, SnapshotError, snapshot } from "../snapshot.js";
import { stateStart } from "./from-state.js";
import {
  type Choice,
  type Outcome,
  outcomeOf,
  progressWatcher,
  runSchedule,
  type Script,
  ScriptedChooser,
  scheduleOptions,
  type Target,
  targetScenario,
} from "./schedule.js";

/** The booted snapshot of each target (null: it cannot be taken; runs start from power-on). */
const booted = new Map<string, MachineSnapshot | null>();

function targetKey(t: Target): string {
  return `${t.scenario}\u0000${t.cpus}\u0000${t.seed}\u0000${t.mutant}\u0000${t.kernel ?? ""}`;
}

const NO_SCRIPT: Script = () => 0;

let enabled = true;

/** Turns starting from boot snapshots on or off (off: every run from power-on, as a measure to compare with). */
export function useBootSnapshots(on: boolean): void {
  enabled = on;
  booted.clear();
}

/** The target's machine built to run under the explorer's chooser (nothing has run yet). */
function built(t: Target): Machine {
  return machineFor(targetScenario(t), scheduleOptions(t, NO_SCRIPT, [], false));
}

/**
 * The target's machine just before the step of the run loop in which its scenario starts
 * (the first step that may record a choice), made the first time; null when it cannot be kept.
 */
export function bootSnapshot(t: Target): MachineSnapshot | null {
  // A saved state is the start point itself (from power-on there is no other).
  if (t.state !== undefined) return stateStart(t, false);
  if (!enabled) return null;
  const key = targetKey(t);
  let snap = booted.get(key);
  if (snap !== undefined) return snap;
  snap = null;
  const m = atScenarioStart(() => built(t));
  if (m !== null) {
    try {
      snap = snapshot(m, { hooks: "drop" });
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err;
    }
  }
  booted.set(key, snap);
  return snap;
}

/**
 * A machine `make` gives, run to just before the step of the run loop in which its scenario
 * starts; null when it never does. Boot is the same in every run (it makes no recorded
 * choice): counted once on a first machine, then run again up to the step before.
 */
export function atScenarioStart(make: () => Machine): Machine | null {
  const first = make();
  let steps = 0;
  const e = first.engine;
  const track = e.afterStep;
  e.afterStep = (cpu) => {
    track?.(cpu);
    steps++;
    if (K.system_state === "running") e.stop();
  };
  if (first.run({ until: DEFAULT_UNTIL, maxSteps: 50_000_000 }) !== "stopped") return null;
  const m = make();
  runIterations(m, steps - 1);
  return m;
}

/**
 * Sets the explorer's host hooks on `m` (a copy of a machine the explorer built, whose hooks
 * the copy dropped; injection's the copy set again) in the order the machine's build set
 * them: the scenario's invariants, shared-state tracking; its chooser answers with `script` into `log`.
 */
export function arm(
  m: Machine,
  s: Scenario,
  script: Script,
  log: Choice[],
  watcher: ((e: Engine) => void) | undefined,
): void {
  installInvariants(m, s.invariants ?? []);
  const ch = m.engine.chooser;
  if (!(ch instanceof ScriptedChooser)) throw new Error("the explorer's machine has another chooser");
  ch.script = script;
  ch.log = log;
  ch.track(m.engine);
  if (watcher !== undefined) m.engine.onProgress = watcher;
}

/** A copy of `snap` armed to run on under `script`, its choices recorded after `log`'s. */
export function resume(
  snap: MachineSnapshot,
  s: Scenario,
  script: Script,
  log: Choice[],
  watcher: ((e: Engine) => void) | undefined,
): Machine {
  const m = snap.restore();
  arm(m, s, script, log, watcher);
  return m;
}

/**
 * Runs `m` for `n` passes of the run loop, as a run that goes on would make them (a step
 * limit would not: it also counts the time a thread spends without going back to the loop).
 */
export function runIterations(m: Machine, n: number): void {
  if (n <= 0) return;
  const e = m.engine;
  const track = e.afterStep;
  let done = 0;
  e.afterStep = (cpu) => {
    track?.(cpu);
    if (++done === n) e.stop();
  };
  try {
    m.run({ until: DEFAULT_UNTIL, maxSteps: 50_000_000 });
  } finally {
    e.afterStep = track;
  }
}

/** A run's state kept at a moment between two passes of its run loop: its first `at` choices made. */
export interface Checkpoint {
  at: number;
  snap: MachineSnapshot;
  /** The choices made up to it. */
  prefix: readonly Choice[];
}

/**
 * Choices between two checkpoints of a run: a checkpoint costs about what 30–60 passes of
 * the run loop do (docs/PERFORMANCE.md), a sibling run started from one replays at most
 * this many choices' worth of the gap.
 */
export const CHECKPOINT_EVERY = 12;
/** The most checkpoints one run keeps (the memory cap: ~560 objects each for the kthread scenarios). */
export const CHECKPOINTS_PER_RUN = 24;

/**
 * Runs the target under `script`, from the latest of `from` (checkpoints of a run whose
 * choices up to theirs are this one's) or else from the booted snapshot; with `keepFrom`
 * ≥ 0, keeps checkpoints of its own from its choice `keepFrom` on, one every
 * CHECKPOINT_EVERY choices. Returns the outcome and `from` followed by the new checkpoints.
 */
export function runFrom(
  t: Target,
  script: Script,
  from: readonly Checkpoint[],
  keepFrom: number,
): { outcome: Outcome; checkpoints: readonly Checkpoint[] } {
  const start = from[from.length - 1];
  const boot = start === undefined ? bootSnapshot(t) : start.snap;
  if (boot === null) return { outcome: runSchedule(t, script).outcome, checkpoints: from };
  const s = targetScenario(t);
  const choices: Choice[] = start === undefined ? [] : start.prefix.slice();
  const m = resume(boot, s, script, choices, progressWatcher());
  const checkpoints = from.slice();
  if (keepFrom >= 0) {
    const e = m.engine;
    const ch = e.chooser as ScriptedChooser;
    const track = e.afterStep;
    let next = Math.max(keepFrom, (start?.at ?? -1) + 1);
    let kept = 0;
    e.afterStep = (cpu) => {
      track?.(cpu);
      if (choices.length < next || kept >= CHECKPOINTS_PER_RUN) return;
      // The log is the run's, not the state's: left out of the copy.
      ch.log = [];
      try {
        checkpoints.push({ at: choices.length, snap: snapshot(m, { hooks: "drop" }), prefix: choices.slice() });
        kept++;
      } catch (err) {
        // The scenario's own code is not data now (a generator the frames transform never
        // saw: a user's file run by a built package): this run keeps no checkpoint, and
        // its children start from the booted snapshot, as they would without checkpoints.
        if (!(err instanceof SnapshotError)) throw err;
        kept = CHECKPOINTS_PER_RUN;
      } finally {
        ch.log = choices;
      }
      next = choices.length + CHECKPOINT_EVERY;
    };
  }
  const result = runMachine(s, m, scheduleOptions(t, script, choices, false));
  return { outcome: outcomeOf(result, choices), checkpoints };
}
