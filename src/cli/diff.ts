/**
 * `tasklab diff <scenario> --kernel A --kernel B`: runs the scenario on both releases (same
 * seed and CPUs) with the function_graph tracer and every event, and prints what differs:
 * call paths, events, return values (views/diff.ts). Runs in-process: two runs of a
 * scenario, deterministic; differences are not an error (exit 0).
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { ERA_NAMES, era, isEraName } from "../linux/eras/profiles.js";
import { runScenario } from "../run.js";
import { checkEra, type Scenario } from "../scenarios/scenario.js";
import { functionName } from "../sim/functions.js";
import { ALL_EVENTS } from "../trace/events.js";
import { type DiffInput, diffRuns, type EraDiff, formatDiff } from "../views/diff.js";
import { intIn, loadScenario, UsageError } from "./options.js";

interface DiffFlags {
  kernel: string[];
  cpus?: number;
  seed: number;
  json?: boolean;
  traceBoot?: boolean;
  output?: string;
}

/** One run of `s` on `kernel`, traced for the diff. */
function traced(s: Scenario, kernel: string, f: DiffFlags): DiffInput {
  const r = runScenario(s, {
    kernel,
    cpus: f.cpus,
    seed: f.seed,
    traceBoot: f.traceBoot,
    tracer: { tracer: "function_graph" },
    events: ALL_EVENTS,
  });
  const trace = r.machine.kernel.trace;
  return { kernel, era: era(kernel), records: trace.records(), cmdlines: trace.cmdlines, fnName: functionName };
}

/** The diff of scenario `ref` between two releases; usage errors as UsageError or EraMismatchError. */
export async function eraDiff(ref: string, f: DiffFlags): Promise<EraDiff> {
  if (f.kernel.length !== 2) throw new UsageError(`diff needs --kernel twice (A and B), got ${f.kernel.length}`);
  for (const k of f.kernel) {
    if (!isEraName(k)) throw new UsageError(`unknown kernel '${k}': one of ${ERA_NAMES.join(", ")}`);
  }
  const [a, b] = f.kernel as [string, string];
  const s = await loadScenario(ref);
  checkEra(s, era(a));
  checkEra(s, era(b));
  return diffRuns(s.name, traced(s, a, f), traced(s, b, f));
}

export function addDiffCommand(program: Command): void {
  program
    .command("diff")
    .description("run a scenario on two kernel releases and show the call paths, events and return values that differ")
    .argument("<scenario>", "a built-in scenario name or a .ts/.js file exporting one")
    .option(
      "--kernel <version>",
      "a release to compare (give it twice: A, then B)",
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option("--cpus <n>", "number of CPUs (default: the scenario's, else 2)", intIn(1, 1024))
    .option("--seed <n>", "seed of both runs", intIn(0, 2 ** 32 - 1), 1)
    .option("--trace-boot", "compare from the start of boot, not from when the scenario starts")
    .option("--json", "the difference as a JSON object")
    .option("-o, --output <file>", "write the output to FILE")
    .action(async (ref: string, f: DiffFlags) => {
      const d = await eraDiff(ref, f);
      const text = f.json ? `${JSON.stringify(d, null, 2)}\n` : formatDiff(d);
      if (f.output === undefined) process.stdout.write(text);
      else writeFileSync(f.output, text);
      process.exitCode = 0;
    });
}
