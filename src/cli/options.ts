/** Parsing of the CLI's option values, with errors that say what was expected. */

import { resolve } from "node:path";
import { InvalidArgumentError, Option } from "commander";
import { findScenario, SCENARIOS } from "../scenarios/index.js";
import { loadScenarioFile, ScenarioFileError } from "../scenarios/load.js";
import type { Scenario } from "../scenarios/scenario.js";
import { InputError } from "../sim/suggest.js";

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

/** "10ms", "1.5s", "250us", "100ns" or a plain number of nanoseconds. */
export function parseTime(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s)?$/.exec(v.trim());
  if (m === null) throw new InvalidArgumentError(`expected a time such as 10ms, 1.5s, 250us or 5000 (ns), got '${v}'`);
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? "ns"] as number));
}

export function intIn(min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got '${v}'`);
    }
    return n;
  };
}

/** A mistake on the command line (an InputError: one line, exit status 2). */
export class UsageError extends InputError {}

/** A built-in name stays a name; a file path is made absolute for the worker. */
export function scenarioRef(ref: string): string {
  return findScenario(ref) === undefined && /\.(m?[jt]s)$/.test(ref) ? resolve(ref) : ref;
}

export function unknownScenario(ref: string): UsageError {
  return new UsageError(
    `unknown scenario '${ref}': built-in ones are ${SCENARIOS.map((s) => s.name).join(", ")} (see 'tasklab scenarios'), or give a .ts/.js file`,
  );
}

/** --watchdog: how long scenario code may run without yielding before the command ends it (watchdog.ts). */
export function watchdogOption(): Option {
  return new Option("--watchdog <seconds>", "end a scenario whose code runs this long without yielding")
    .argParser(intIn(1, 3600))
    .default(10);
}

/** A built-in scenario's name, or a path to a module whose default export is a scenario. */
export async function loadScenario(ref: string): Promise<Scenario> {
  const builtin = findScenario(ref);
  if (builtin !== undefined) return builtin;
  if (!/\.(m?[jt]s)$/.test(ref)) throw unknownScenario(ref);
  try {
    return await loadScenarioFile(ref);
  } catch (e) {
    if (e instanceof ScenarioFileError) throw new UsageError(e.message);
    throw e;
  }
}
