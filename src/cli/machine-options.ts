/**
 * The options every command that boots a machine takes (--cpus, --seed, --kernel, --fail,
 * --signal, the watchdog's, ...), what they become (RunOptions), --from-state's scenario
 * argument, and running such a command's job in a worker under the watchdog.
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_ERA, ERA_NAMES, type EraName } from "../linux/eras/profiles.js";
import { parseHotplug } from "../linux/kernel/hotplug_inject.js";
import { PID_MAX_LIMIT } from "../linux/kernel/pid.js";
import { parseFault, parseSignal } from "../linux/lib/inject.js";
import { DEFAULTS } from "../machine.js";
import type { RunOptions } from "../run.js";
import { MAX_CPUS } from "../sim/engine.js";
import { checkOutput, writeOutput } from "./files.js";
import { intIn, scenarioRef, UsageError, watchdogOption } from "./options.js";
import { MAX_HEAP_MB, runJob } from "./watchdog.js";
import type { WorkerJob } from "./worker.js";

export interface MachineFlags {
  cpus?: number;
  seed: number;
  hz: number;
  pidMax: number;
  threadsMax?: number;
  preempt: "none" | "full";
  kernel: EraName;
  traceBoot?: boolean;
  bufferSize: number;
  watchdog: number;
  maxHeap: number;
  output?: string;
  fail: string[];
  signal: string[];
  kill: string[];
  hotplug: string[];
}

/** --save-state-at and --from-state. */
export interface StateFlags {
  saveStateAt?: string[];
  fromState?: string;
}

/** Collects a repeatable option after checking it parses (a bad spec is a usage error). */
function spec(parse: (s: string) => unknown) {
  return (v: string, prev: string[]) => {
    try {
      parse(v);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
    return [...prev, v];
  };
}

export function withMachineOptions(cmd: Command): Command {
  return cmd
    .option("--cpus <n>", `number of CPUs (1-${MAX_CPUS}; default: the scenario's, else 2)`, intIn(1, MAX_CPUS))
    .option("--seed <n>", "seed of the run's random choices", intIn(0, 2 ** 32 - 1), DEFAULTS.seed)
    .option("--hz <n>", "timer frequency (CONFIG_HZ)", intIn(24, 10000), DEFAULTS.hz)
    .option("--pid-max <n>", "pid_max", intIn(301, PID_MAX_LIMIT), 32768)
    .option("--threads-max <n>", "kernel.threads-max (default 192730)", intIn(20, 0x3fffffff))
    .addOption(
      new Option("--kernel <version>", "the Linux release to model (see 'tasklab eras')")
        .choices(ERA_NAMES)
        .default(DEFAULT_ERA),
    )
    .addOption(new Option("--preempt <model>", "preemption model").choices(["none", "full"]).default("none"))
    .option("--trace-boot", "record events from the start of boot, not from when the scenario starts")
    .option(
      "--buffer-size <entries>",
      "the trace ring buffer's size in entries; older ones are overwritten, as ftrace's are",
      intIn(1, 1 << 26),
      DEFAULTS.bufferSize,
    )
    .addOption(watchdogOption())
    .option(
      "--max-heap <MB>",
      "end a scenario whose code uses more JavaScript heap than this",
      intIn(64, 1 << 20),
      MAX_HEAP_MB,
    )
    .option(
      "--fail <spec>",
      "inject a failure: kmalloc:TYPE|cache:NAME|slab|alloc_pid[,nth=N,times=N,probability=P,interval=N,after=TIME,caller=FUNC,task=COMM] (repeatable)",
      spec(parseFault),
      [],
    )
    .option(
      "--signal <spec>",
      "send a signal: [SIG:]TASK@TIME or [SIG:]TASK@[WHO:]FUNC[+N] (repeatable)",
      spec(parseSignal),
      [],
    )
    .option(
      "--kill <spec>",
      "send SIGKILL: TASK@TIME or TASK@[WHO:]FUNC[+N] (repeatable)",
      spec((v) => parseSignal(`KILL:${v}`)),
      [],
    )
    .option(
      "--hotplug <spec>",
      "take a CPU offline or online: down:CPU@TIME or up:CPU@TIME (repeatable)",
      spec(parseHotplug),
      [],
    )
    .option("-o, --output <file>", "write the output to FILE");
}

export function runOptions(f: MachineFlags, until?: number): RunOptions {
  return {
    cpus: f.cpus,
    seed: f.seed,
    hz: f.hz,
    pid_max: f.pidMax,
    threads_max: f.threadsMax,
    preempt: f.preempt,
    kernel: f.kernel,
    until,
    traceBoot: f.traceBoot,
    bufferSize: f.bufferSize,
    faults: f.fail,
    signals: [...f.signal, ...f.kill.map((k) => `KILL:${k}`)],
    hotplug: f.hotplug,
  };
}

/** The scenario argument, which --from-state replaces (the state names its scenario). */
export function scenarioOrState(ref: string | undefined, fromState: string | undefined): string {
  if (fromState !== undefined) {
    if (ref !== undefined)
      throw new UsageError(
        `--from-state continues the scenario the state was saved from: give no scenario (got '${ref}')`,
      );
    return "";
  }
  if (ref === undefined) throw new UsageError("missing argument 'scenario' (or --from-state FILE)");
  return scenarioRef(ref);
}

export const FROM_STATE =
  "continue from the machine state saved in FILE (tasklab run --save-state-at) instead of booting";

/**
 * Runs the job in a worker under the watchdog, writes its output and reports; returns the
 * exit code: 0 clean, 1 problems reported, 2 usage error (or the watchdog ended scenario
 * code that never yields).
 */
export async function execute(job: WorkerJob, f: MachineFlags): Promise<number> {
  if (f.output !== undefined) checkOutput(f.output);
  const r = await runJob(job, f.watchdog, f.maxHeap);
  if (r.type === "usage") throw new UsageError(r.message);
  if (r.type === "hung") {
    // Scenario code that never gives the engine control back: an input error, as in explore.
    process.stderr.write(`${r.report}\n`);
    return 2;
  }
  if (f.output === undefined) process.stdout.write(r.output);
  else writeOutput(f.output, r.output);
  // What the user programs wrote to their terminal goes to ours (stderr, so traces stay clean).
  process.stderr.write(r.tty);
  for (const rep of r.reports) process.stderr.write(`${rep}\n`);
  return r.problems > 0 ? 1 : 0;
}

/** Runs a scenario to its end (leaks checked) or to `--at`, and prints `view` of that moment. */
export function executeAt(
  ref: string | undefined,
  f: MachineFlags & { at?: number; fromState?: string },
  view: WorkerJob["view"],
): Promise<number> {
  const job: WorkerJob = {
    ref: scenarioOrState(ref, f.fromState),
    opts: { ...runOptions(f, f.at), checkLeaks: f.at === undefined },
    view,
    fromState: f.fromState === undefined ? undefined : resolve(f.fromState),
  };
  return execute(job, f);
}
