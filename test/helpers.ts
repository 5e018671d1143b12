/** Helpers shared by the tests: run code as a scenario and pick events out of the trace. */

import { type RunOptions, type RunResult, runScenario } from "../src/run.js";
import type { KGen } from "../src/sim/engine.js";
import type { TraceRecord } from "../src/trace/events.js";

export function runMain(main: () => KGen<unknown>, opts: RunOptions = {}): RunResult {
  return runScenario({ name: "test", description: "", main }, opts);
}

export function records(r: RunResult): TraceRecord[] {
  return r.machine.kernel.trace.records();
}

/** "event" or "event:key=value,…" summaries of a run's records, for order assertions. */
export function kinds(r: RunResult): string[] {
  return records(r).map((e) => e.type);
}

export function taskByName(r: RunResult, comm: string) {
  return r.machine.tasks().find((t) => t.comm === comm);
}
