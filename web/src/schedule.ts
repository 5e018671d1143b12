/**
 * Explorer schedules in the main views: the run of a counterexample's replay file (its
 * target and picks, as `tasklab replay` runs it), what the scenario bar says about such a
 * run, and the plain scenario it came from. Pure: no DOM.
 */
import { parseReplay } from "../../src/explore/replay.js";
import { DEFAULT_ERA } from "../../src/linux/eras/profiles.js";
import type { RunSpec } from "../../src/web/types.js";

/**
 * The run a replay file (src/explore/replay.ts, JSON text) describes, checked as `tasklab
 * replay` checks it (an error names the first field that does not fit).
 */
export function replaySpec(json: string): RunSpec {
  const { target: t, picks } = parseReplay(json);
  return { scenario: t.scenario, cpus: t.cpus, seed: t.seed, era: t.kernel ?? DEFAULT_ERA, mutant: t.mutant, picks };
}

/** Whether the run is an explorer schedule (a mutant, or chosen picks) rather than the plain scenario. */
export function isSchedule(spec: RunSpec): boolean {
  return (spec.mutant ?? null) !== null || spec.picks !== undefined;
}

/** The same scenario, machine and seed, without the explorer's mutant and picks. */
export function plainSpec(spec: RunSpec): RunSpec {
  const { mutant: _mutant, picks: _picks, ...plain } = spec;
  return plain;
}

/** "explorer schedule: mutant split-xchg, 2 deviations", or null for a plain run. */
export function scheduleNote(spec: RunSpec): string | null {
  if (!isSchedule(spec)) return null;
  const n = spec.picks?.length ?? 0;
  const mutant = spec.mutant ?? null;
  return `explorer schedule: ${mutant === null ? "" : `mutant ${mutant}, `}${n === 0 ? "no" : n} deviation${n === 1 ? "" : "s"}`;
}
