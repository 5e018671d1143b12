/**
 * Replay files: a failing schedule written so that `tasklab replay FILE` runs exactly that
 * run again, with the trace on, and shows where it went wrong.
 *
 * The file is JSON: the target (scenario, CPUs, seed, mutant), the deviations from the
 * default run as [choice index, alternative] pairs, and the violation seen. A replay that
 * does not end in the same violation says so: the model changed since the file was written.
 *
 * A replay file cannot make tasklab run code it was not meant to: its scenario is a built-in
 * one, or a scenario file named by a path relative to the replay file's directory and within
 * it, with the sha256 of the file's bytes, which `tasklab replay` checks before loading it.
 * A run explored from a saved state names the state file the same way (`target.state`: path
 * and sha256; the file is not copied in): the replay loads it and runs that schedule from it.
 */
import { ERA_NAMES } from "../linux/eras/profiles.js";
import { MUTANTS } from "../linux/kernel/mutants.js";
import { formatReport, traceText } from "../run.js";
import { findScenario } from "../scenarios/index.js";
import {
  type Check,
  int,
  list,
  nullable,
  oneOf,
  optional,
  pair,
  parseTasklabJson,
  record,
  SchemaError,
  text,
} from "../schema.js";
import { type Choice, type Outcome, picksScript, runSchedule, type Target, type Violation } from "./schedule.js";

/** The format version replay files are written in (2: scenario files by relative path and sha256). */
export const REPLAY_VERSION = 2;

/** A target as a file records it: a scenario file (and a state file) by a relative path, with the sha256 of its bytes. */
export interface FileTarget extends Target {
  sha256?: string;
}

export interface ReplayFile {
  tasklab: "replay";
  version: typeof REPLAY_VERSION;
  target: FileTarget;
  /** Deviations from the default run: [choice index, alternative]. */
  picks: [number, number][];
  /** The same, for a reader: each deviation's choice point and what was picked there. */
  deviations: string[];
  /** Choice points the run met, and its engine steps. */
  choices: number;
  steps: number;
  violation: Violation;
  /** How it was found (strategy and bounds), for the reader. */
  found: string;
}

export function makeReplay(t: FileTarget, picks: [number, number][], o: Outcome, found: string): ReplayFile {
  if (o.violation === null) throw new Error("a replay file is for a failing run");
  return {
    tasklab: "replay",
    version: REPLAY_VERSION,
    target: t,
    picks,
    deviations: picks.map(([i, alt]) => describeDeviation(o.choices[i], i, alt)),
    choices: o.choices.length,
    steps: o.steps,
    violation: o.violation,
    found,
  };
}

/** "choice 52, signal before a step of kthreadd in create_kthread: sent". */
function describeDeviation(c: Choice | undefined, i: number, alt: number): string {
  if (c === undefined) return `choice ${i}: alternative ${alt}`;
  const [kind, where = ""] = c.site.split(/:(.*)/s);
  if (kind === "signal") return `choice ${i}: the signal is sent before a step in ${where}`;
  if (kind === "cpu_order") {
    const cpus = where.split("|");
    return `choice ${i}: preemption: the CPU in ${cpus[alt]} runs instead of the one in ${cpus[0]}`;
  }
  return `choice ${i}: ${kind} alternative ${alt} of ${c.n} (in ${where})`;
}

/** The file's text: JSON, with each pair of `picks` on one line. */
export function formatReplay(r: ReplayFile): string {
  return `${JSON.stringify(r, null, 2).replace(/\[\n\s+(\d+),\n\s+(\d+)\n\s+\]/g, "[$1, $2]")}\n`;
}

const SCENARIO_FILE = /\.(m?[jt]s)$/;

/**
 * Why `path` is not a path a replay file may name its scenario file by (relative, with "/"
 * between the parts, within the replay file's directory: no "..", "." or empty part), or null.
 */
export function badScenarioPath(path: string): string | null {
  if (!SCENARIO_FILE.test(path)) return "not a built-in scenario, nor a .ts or .js file";
  return badRelativePath(path, "scenario file");
}

/** Why `path` is not a path within a file's directory that the file may name another by (see badScenarioPath), or null. */
export function badRelativePath(path: string, what: string): string | null {
  if (path === "") return "an empty path is refused";
  if (/^([/\\]|[A-Za-z]:)/.test(path))
    return `an absolute path is refused (a replay file names its ${what} relative to its own directory)`;
  if (path.includes("\\") || path.includes("\0")) return "a path with a backslash or NUL in it is refused";
  if (path.split("/").some((p) => p === ".." || p === "." || p === ""))
    return "a path with a '..', '.' or empty part is refused (it must stay within the replay file's directory)";
  return null;
}

const SHA256 = /^[0-9a-f]{64}$/;

function sha256Check(what: string): Check<string> {
  return (v, at) => {
    if (typeof v === "string" && SHA256.test(v)) return v;
    throw new SchemaError(`${at}: expected 64 lowercase hex digits (the sha256 of the ${what})`);
  };
}

/** The largest count (steps, choices, schedules) a file may give. */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** The target of a replay file or a shard result. */
export const targetCheck = record({
  scenario: text(4096),
  sha256: optional(sha256Check("scenario file")),
  cpus: int(1, 64),
  seed: int(0, 2 ** 32 - 1),
  mutant: nullable(oneOf(Object.keys(MUTANTS))),
  kernel: optional(oneOf(ERA_NAMES)),
  state: optional(record({ path: text(4096), sha256: sha256Check("state file") })),
});

export const picksCheck: Check<[number, number][]> = list(pair(int(0, MAX_COUNT), int(0, 2 ** 31 - 1)), 1_000_000);

export const violationCheck: Check<Violation> = record({
  kind: text(100),
  title: text(10_000),
  step: int(0, MAX_COUNT),
});

const replayCheck = record({
  target: targetCheck,
  picks: picksCheck,
  deviations: list(text(10_000), 1_000_000),
  choices: int(0, MAX_COUNT),
  steps: int(0, MAX_COUNT),
  violation: violationCheck,
  found: text(10_000),
});

/**
 * A replay file's content, checked field by field (SchemaError names the first that does not
 * fit); its scenario is a built-in one, or a file by a path `badScenarioPath` accepts, with
 * its sha256.
 */
export function parseReplay(json: string): ReplayFile {
  const r = parseTasklabJson(json, "replay", REPLAY_VERSION, replayCheck);
  const { scenario, sha256 } = r.target;
  if (findScenario(scenario) === undefined) {
    const bad = badScenarioPath(scenario);
    if (bad !== null) throw new SchemaError(`target.scenario: '${scenario}': ${bad}`);
    if (sha256 === undefined) throw new SchemaError("target.sha256: missing (the sha256 of the scenario file)");
  }
  const state = r.target.state;
  const bad = state === undefined ? null : badRelativePath(state.path, "state file");
  if (bad !== null) throw new SchemaError(`target.state.path: '${state?.path}': ${bad}`);
  return { tasklab: "replay", version: REPLAY_VERSION, ...r };
}

export interface Replayed {
  outcome: Outcome;
  /** The ftrace text with a marker line where the violation was found. */
  trace: string;
  /** The reports of the run, as dmesg prints them. */
  reports: string[];
  /** Whether the run ended in the recorded violation. */
  reproduced: boolean;
}

const STAMP = /\s(\d+)\.(\d{6}):\s/;

/** Runs a replay file with the trace on. */
export function replay(r: ReplayFile): Replayed {
  const { outcome, result } = runSchedule(r.target, picksScript(new Map(r.picks)), true);
  const v = outcome.violation;
  const reproduced =
    v !== null && v.kind === r.violation.kind && v.title === r.violation.title && v.step === r.violation.step;
  const lines = traceText(result).split("\n");
  const found = result.reports.find((x) => x.step === v?.step && x.kind === v?.kind);
  if (found !== undefined) {
    // After the last event at or before the moment it was found.
    const us = Math.floor(found.time / 1000);
    let at = lines.length;
    while (at > 0 && lines[at - 1] === "") at--;
    for (let i = 0; i < lines.length; i++) {
      const m = STAMP.exec(lines[i] as string);
      if (m !== null && Number(m[1]) * 1e6 + Number(m[2]) > us) {
        at = i;
        break;
      }
    }
    lines.splice(at, 0, `>>>>> step ${found.step}, CPU ${found.cpu}: ${found.title}`);
  }
  return {
    outcome,
    trace: lines.join("\n"),
    reports: result.reports.filter((x) => x.kind !== "printk").map(formatReport),
    reproduced,
  };
}
