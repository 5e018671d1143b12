/**
 * The differential harness's cases: every built-in scenario and every example, on every era
 * it runs on, on 1, 2 and 4 CPUs, with tracing as by default (events) and with the
 * function_graph tracer. Each case prints one line: its stop reason, step count, and digests
 * of the trace text, the reports and the ps table. `main.mjs` prints them under the runtime
 * TASKLAB_RUNTIME names; differential.test.ts runs it under both and compares the lines.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ERA_NAMES } from "../../src/linux/eras/profiles.js";
import { ALL_EVENTS } from "../../src/linux/include/trace/events/records.js";
import { formatReport, psRows, type RunOptions, runScenario, traceText } from "../../src/run.js";
import { SCENARIOS } from "../../src/scenarios/index.js";
import { loadScenarioFile } from "../../src/scenarios/load.js";
import { EraMismatchError, type Scenario } from "../../src/scenarios/scenario.js";

const TRACINGS: Record<string, RunOptions> = {
  events: { events: ALL_EVENTS },
  graph: { tracer: { tracer: "function_graph" } },
};

function digest(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 16);
}

/** The scenarios: built-in ones, then the examples that are scenario files (not library scripts). */
export async function scenarios(): Promise<Scenario[]> {
  const dir = fileURLToPath(new URL("../../examples/", import.meta.url));
  const examples = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && readFileSync(dir + f, "utf8").includes("export default"))
    .sort();
  return [...SCENARIOS, ...(await Promise.all(examples.map((f) => loadScenarioFile(dir + f))))];
}

/** One line per case whose name matches `filter`: `name era cpus tracing: stop steps digests`. */
export function* caseLines(all: readonly Scenario[], filter = /^/): Generator<string> {
  for (const s of all)
    for (const kernel of ERA_NAMES)
      for (const cpus of [1, 2, 4])
        for (const [tracing, opts] of Object.entries(TRACINGS)) {
          const name = `${s.name} ${kernel} ${cpus}cpu ${tracing}`;
          if (!filter.test(name)) continue;
          let r: ReturnType<typeof runScenario>;
          try {
            r = runScenario(s, { ...opts, kernel, cpus, seed: 1 });
          } catch (err) {
            if (err instanceof EraMismatchError) continue;
            throw err;
          }
          const reports = r.reports.map(formatReport).join("\n");
          const ps = JSON.stringify(psRows(r, true));
          yield `${name}: ${r.stop} steps=${r.machine.engine.steps} trace=${digest(traceText(r))} reports=${digest(reports)} ps=${digest(ps)}`;
        }
}
