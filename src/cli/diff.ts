/**
 * `tasklab diff <scenario> --kernel A --kernel B`: runs the scenario on both releases (same
 * seed and CPUs) with the function_graph tracer and every event, and prints what differs:
 * call paths, events, return values (views/diff.ts). The command runs both in the CLI's
 * worker under the watchdog; differences are not an error (exit 0).
 */
import type { Command } from "commander";
import { ERA_NAMES, isEraName } from "../linux/eras/profiles.js";
import { ALL_EVENTS } from "../linux/include/trace/events/records.js";
import { type RunOptions, runScenario } from "../run.js";
import type { Scenario } from "../scenarios/scenario.js";
import { functionName } from "../sim/functions.js";
import { type DiffInput, diffRuns, type EraDiff } from "../views/diff.js";
import { checkOutput, writeOutput } from "./files.js";
import { intIn, loadScenario, scenarioRef, UsageError } from "./options.js";
import { runJob } from "./watchdog.js";

interface DiffFlags {
  kernel: string[];
  cpus?: number;
  seed: number;
  json?: boolean;
  traceBoot?: boolean;
  watchdog: number;
  output?: string;
}

/** One run of `s` on `kernel`, traced for the diff (a release `s` does not apply to throws). */
function traced(s: Scenario, kernel: string, opts: RunOptions): DiffInput {
  const r = runScenario(s, { ...opts, kernel, tracer: { tracer: "function_graph" }, events: ALL_EVENTS });
  const trace = r.machine.kernel.trace;
  return { kernel, era: trace.era, records: trace.records(), cmdlines: trace.cmdlines, fnName: functionName };
}

/** The difference of `s` between releases `a` and `b`, both run with `opts` (CPUs, seed, …). */
export function diffScenario(s: Scenario, a: string, b: string, opts: RunOptions = {}): EraDiff {
  return diffRuns(s.name, traced(s, a, opts), traced(s, b, opts));
}

/** The two releases of `--kernel A --kernel B`, or a usage error. */
function releases(kernels: readonly string[]): [string, string] {
  if (kernels.length !== 2) throw new UsageError(`diff needs --kernel twice (A and B), got ${kernels.length}`);
  for (const k of kernels) {
    if (!isEraName(k)) throw new UsageError(`unknown kernel '${k}': one of ${ERA_NAMES.join(", ")}`);
  }
  return kernels as [string, string];
}

/** The diff of scenario `ref` between two releases, in this thread (the library's way). */
export async function eraDiff(ref: string, f: Omit<DiffFlags, "watchdog">): Promise<EraDiff> {
  const [a, b] = releases(f.kernel);
  return diffScenario(await loadScenario(ref), a, b, { cpus: f.cpus, seed: f.seed, traceBoot: f.traceBoot });
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
    .option("--watchdog <seconds>", "end a scenario whose code runs this long without yielding", intIn(1, 3600), 10)
    .option("--json", "the difference as a JSON object")
    .option("-o, --output <file>", "write the output to FILE")
    .action(async (ref: string, f: DiffFlags) => {
      const [a, b] = releases(f.kernel);
      // Both runs in the CLI's worker, under the watchdog, as every command that runs a scenario.
      const opts: RunOptions = { kernel: a, cpus: f.cpus, seed: f.seed, traceBoot: f.traceBoot };
      if (f.output !== undefined) checkOutput(f.output);
      const r = await runJob({ ref: scenarioRef(ref), opts, view: { diff: { b, json: f.json === true } } }, f.watchdog);
      if (r.type === "usage") throw new UsageError(r.message);
      if (r.type === "hung") {
        process.stderr.write(`${r.report}\n`);
        process.exitCode = 2;
        return;
      }
      if (f.output === undefined) process.stdout.write(r.output);
      else writeOutput(f.output, r.output);
      process.exitCode = 0;
    });
}
