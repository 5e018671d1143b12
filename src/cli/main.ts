/** The `tasklab` command. */
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { PID_MAX_LIMIT } from "../linux/kernel/pid.js";
import { DEFAULTS } from "../machine.js";
import { formatReport, problems, psRows, type RunOptions, type RunResult, runScenario, traceText } from "../run.js";
import { SCENARIOS } from "../scenarios/index.js";
import { formatPsEf, formatPsEo } from "../views/ps.js";
import { intIn, loadScenario, parseTime, UsageError } from "./options.js";

interface MachineFlags {
  cpus?: number;
  seed: number;
  hz: number;
  pidMax: number;
  preempt: "none" | "full";
  until?: number;
  traceBoot?: boolean;
}

function withMachineOptions(cmd: Command): Command {
  return cmd
    .option("--cpus <n>", "number of CPUs (1-1024; default: the scenario's, else 2)", intIn(1, 1024))
    .option("--seed <n>", "seed of the run's random choices", intIn(0, 2 ** 32 - 1), DEFAULTS.seed)
    .option("--hz <n>", "timer frequency (CONFIG_HZ)", intIn(24, 10000), DEFAULTS.hz)
    .option("--pid-max <n>", "pid_max", intIn(301, PID_MAX_LIMIT), 32768)
    .addOption(new Option("--preempt <model>", "preemption model").choices(["none", "full"]).default("none"))
    .option("--trace-boot", "record events from the start of boot, not from when the scenario starts");
}

function runOptions(f: MachineFlags, until?: number): RunOptions {
  return { cpus: f.cpus, seed: f.seed, hz: f.hz, pid_max: f.pidMax, preempt: f.preempt, until, traceBoot: f.traceBoot };
}

/** Prints the run's reports to stderr; returns the exit code (1 if any problem was found). */
function finish(r: RunResult): number {
  for (const rep of r.reports) process.stderr.write(`${formatReport(rep)}\n`);
  return problems(r.reports).length > 0 ? 1 : 0;
}

function output(text: string, file?: string): void {
  if (file === undefined) process.stdout.write(text);
  else writeFileSync(file, text);
}

export function buildProgram(): Command {
  const program = new Command("tasklab")
    .description("An executable, deterministic model of how Linux creates tasks: run it, trace it, read it.")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();

  program
    .command("scenarios")
    .description("list the built-in scenarios")
    .action(() => {
      const w = Math.max(...SCENARIOS.map((s) => s.name.length));
      for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(w)}  ${s.description}\n`);
    });

  withMachineOptions(
    program
      .command("run")
      .description("boot a machine, run a scenario, print its trace in ftrace's format")
      .argument("<scenario>", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--until <time>", "stop at this virtual time (e.g. 50ms)", parseTime)
      .option("-o, --output <file>", "write the trace to FILE"),
  ).action(async (ref: string, f: MachineFlags & { output?: string }) => {
    const s = await loadScenario(ref);
    const r = runScenario(s, runOptions(f, f.until));
    output(traceText(r), f.output);
    process.exitCode = finish(r);
  });

  withMachineOptions(
    program
      .command("ps")
      .description("run a scenario and print the task table at its end (or at --at)")
      .argument("<scenario>", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--at <time>", "show the table at this virtual time", parseTime)
      .option("-f, --full", "ps -ef format (kernel threads in brackets)")
      .option("--json", "an array of objects instead of a table")
      .option("-o, --output <file>", "write the table to FILE"),
  ).action(async (ref: string, f: MachineFlags & { at?: number; full?: boolean; json?: boolean; output?: string }) => {
    const s = await loadScenario(ref);
    const r = runScenario(s, { ...runOptions(f, f.at), checkLeaks: f.at === undefined });
    const rows = psRows(r);
    const text = f.json ? `${JSON.stringify(rows, null, 2)}\n` : f.full ? formatPsEf(rows) : formatPsEo(rows);
    output(text, f.output);
    process.exitCode = finish(r);
  });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tasklab: ${e.message}\n`);
      return 2;
    }
    const code = (e as { exitCode?: number; code?: string }).exitCode;
    if (code !== undefined) {
      const c = (e as { code?: string }).code;
      return c === "commander.helpDisplayed" || c === "commander.version" || c === "commander.help" ? 0 : 2;
    }
    throw e;
  }
}
