/**
 * What a scenario is: a name, a one-line description, optional machine defaults, and the
 * code pid 1 runs once the kernel has booted (in kernel context, like a built-in module's
 * init function).
 */
import type { Machine } from "../machine.js";
import type { KGen } from "../sim/engine.js";
import type { UserMain } from "../user/runtime.js";

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
