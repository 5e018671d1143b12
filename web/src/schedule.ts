/**
 * Explorer schedules in the main views: the run of a counterexample's replay file (its
 * target and picks, as `tasklab replay` runs it), what the scenario bar says about such a
 * run, and the plain scenario it came from. Pure: no DOM.
 */
import { DEFAULT_ERA, isEraName } from "../../src/linux/eras/profiles.js";
import type { RunSpec } from "../../src/web/types.js";

/** The run a replay file (src/explore/replay.ts, JSON text) describes. */
export function replaySpec(json: string): RunSpec {
  const r = JSON.parse(json) as {
    tasklab?: unknown;
    target?: { scenario?: unknown; cpus?: unknown; seed?: unknown; mutant?: unknown; kernel?: unknown };
    picks?: unknown;
  };
  const t = r.target;
  const pair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every(Number.isInteger);
  if (
    r.tasklab !== "replay" ||
    typeof t?.scenario !== "string" ||
    !Number.isInteger(t.cpus) ||
    !Number.isInteger(t.seed) ||
    !(t.mutant === null || typeof t.mutant === "string") ||
    !(t.kernel === undefined || (typeof t.kernel === "string" && isEraName(t.kernel))) ||
    !Array.isArray(r.picks) ||
    !r.picks.every(pair)
  )
    throw new Error("not a tasklab replay file");
  return {
    scenario: t.scenario,
    cpus: t.cpus as number,
    seed: t.seed as number,
    era: typeof t.kernel === "string" ? t.kernel : DEFAULT_ERA,
    mutant: t.mutant,
    picks: r.picks as [number, number][],
  };
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
