/**
 * What a scenario is: a name, a one-line description, optional machine defaults, and the
 * code pid 1 runs once the kernel has booted (in kernel context, like a built-in module's
 * init function).
 */
import { type Era, type EraName, within } from "../linux/eras/profiles.js";
import type { Machine } from "../machine.js";
import { type KGen, MAX_CPUS } from "../sim/engine.js";
import { InputError } from "../sim/suggest.js";
import type { UserMain } from "../user/user.js";

export interface Scenario {
  name: string;
  description: string;
  /** Machine defaults the scenario was written for (overridden by the caller's options). */
  cpus?: number;
  main?: () => KGen<unknown>;
  /** Failures to inject, in the `--fail` syntax (added to the caller's). */
  faults?: readonly string[];
  /** Signals to deliver, in the `--signal` syntax (added to the caller's). */
  signals?: readonly string[];
  /** User programs the scenario installs in the file system (absolute path → program). */
  programs?: Readonly<Record<string, UserMain>>;
  /** What must hold of the machine: checked when the run ends idle, or all along (`always`). */
  invariants?: readonly Invariant[];
  /** The releases the scenario applies to (default: every modeled one). */
  eras?: EraRange;
}

/** A range of releases, with why the scenario needs it. */
export interface EraRange {
  /** The first release that has what the scenario uses. */
  since?: EraName;
  /** The last release that has it. */
  until?: EraName;
  /** What the scenario needs, e.g. "clone3 (5.3+)". */
  why: string;
}

/** Thrown when a scenario is run on a release it does not apply to. */
export class EraMismatchError extends InputError {}

/** Thrown for a scenario that asks for what the model cannot give (its message names the scenario). */
export class ScenarioError extends InputError {}

/** Refuses a scenario whose machine defaults are out of range. */
export function checkScenario(s: Scenario): void {
  const n = s.cpus;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= MAX_CPUS))
    throw new ScenarioError(`scenario ${s.name}: cpus must be an integer from 1 to ${MAX_CPUS}, got ${String(n)}`);
}

/** Whether scenario `s` applies to release `e`. */
export function appliesTo(s: Scenario, e: Era): boolean {
  return s.eras === undefined || within(e, s.eras.since, s.eras.until);
}

/** Refuses, with a message that says why and where it applies, to run `s` on `e`. */
export function checkEra(s: Scenario, e: Era): void {
  if (appliesTo(s, e)) return;
  const r = s.eras as EraRange;
  const range = r.since && r.until ? `${r.since} to ${r.until}` : r.since ? `${r.since} and later` : `up to ${r.until}`;
  throw new EraMismatchError(
    `scenario ${s.name} does not apply to Linux ${e.name}: it needs ${r.why}, so it runs on ${range} (see tasklab eras)`,
  );
}

/** A property of the machine; a failure is reported as "tasklab: invariant NAME violated: …". */
export interface Invariant {
  name: string;
  /** null when it holds, else what is wrong. */
  check(m: Machine): string | null;
  /** Also check while the machine runs, at every modeled call and return (default: at the end only). */
  always?: boolean;
}

/** Identity, for type checking a scenario module's default export. */
export function defineScenario(s: Scenario): Scenario {
  return s;
}
