/**
 * Replay files: a failing schedule written so that `tasklab replay FILE` runs exactly that
 * run again, with the trace on, and shows where it went wrong.
 *
 * The file is JSON: the target (scenario, CPUs, seed, mutant), the deviations from the
 * default run as [choice index, alternative] pairs, and the violation seen. A replay that
 * does not end in the same violation says so: the model changed since the file was written.
 */
import { formatReport, traceText } from "../run.js";
import { type Choice, type Outcome, picksScript, runSchedule, type Target, type Violation } from "./schedule.js";

export interface ReplayFile {
  tasklab: "replay";
  version: 1;
  target: Target;
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

export function makeReplay(t: Target, picks: [number, number][], o: Outcome, found: string): ReplayFile {
  if (o.violation === null) throw new Error("a replay file is for a failing run");
  return {
    tasklab: "replay",
    version: 1,
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

export function parseReplay(text: string): ReplayFile {
  const r = JSON.parse(text) as Partial<ReplayFile>;
  if (r.tasklab !== "replay" || r.version !== 1 || r.target === undefined || !Array.isArray(r.picks)) {
    throw new Error("not a tasklab replay file (version 1)");
  }
  return r as ReplayFile;
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
