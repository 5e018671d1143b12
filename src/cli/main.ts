/** The `tasklab` command. */

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Argument, Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_ERA, ERA_NAMES, type EraName } from "../linux/eras/profiles.js";
import { type EventType, parseEvents } from "../linux/include/trace/events/records.js";
import { parseHotplug } from "../linux/kernel/hotplug_inject.js";
import { PID_MAX_LIMIT } from "../linux/kernel/pid.js";
import { parseFault, parseSignal } from "../linux/lib/inject.js";
import { DEFAULTS, type DetectorOptions } from "../machine.js";
import type { RunOptions, TraceFormat } from "../run.js";
import { SCENARIOS } from "../scenarios/index.js";
import { MAX_CPUS } from "../sim/engine.js";
import { InputError } from "../sim/suggest.js";
import { formatEras, formatErasJson } from "../views/eras.js";
import { PROC_FILES, type ProcFile } from "../views/proc.js";
import { parsePsColumns } from "../views/ps.js";
import { batchCommands, debugSession } from "./debug.js";
import type { DebugJob } from "./debug-worker.js";
import { addDiffCommand } from "./diff.js";
import { addExplainCommand } from "./explain.js";
import { addExploreCommands } from "./explore.js";
import { checkOutput, writeOutput } from "./files.js";
import { intIn, parseTime, scenarioRef, UsageError, watchdogOption } from "./options.js";
import { addServeCommand } from "./serve.js";
import { MAX_HEAP_MB, runJob } from "./watchdog.js";
import type { WorkerJob } from "./worker.js";

interface TraceFlags {
  tracer: "nop" | "function" | "function_graph";
  events?: EventType[];
  pid?: number;
  comm?: string;
  maxDepth?: number;
  setGraphFunction?: string;
  funcgraphProc?: boolean;
  funcgraphRetval?: boolean;
  funcgraphTail?: boolean;
}

function eventList(v: string): EventType[] {
  try {
    return parseEvents(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

interface MachineFlags {
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
interface StateFlags {
  saveStateAt?: string[];
  fromState?: string;
}

/** `tasklab run`'s own options, the detectors' switches among them (see scenarios/detectors.ts). */
interface RunFlags {
  until?: number;
  format: TraceFormat;
  lockdep: boolean;
  hungTaskTimeout?: number;
  deadlockCheck: boolean;
  invariants: boolean;
}

function detectorOptions(f: RunFlags): DetectorOptions {
  return { lockdep: f.lockdep, hungTask: f.hungTaskTimeout, deadlock: f.deadlockCheck, invariants: f.invariants };
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

function withMachineOptions(cmd: Command): Command {
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

function runOptions(f: MachineFlags, until?: number): RunOptions {
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

/** A --eo column list, checked (an unknown column is a usage error). */
function cols(v: string): string[] {
  try {
    return parsePsColumns(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

/** Runs a scenario to its end (leaks checked) or to `--at`, and prints `view` of that moment. */
function executeAt(
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

/** The scenario argument, which --from-state replaces (the state names its scenario). */
function scenarioOrState(ref: string | undefined, fromState: string | undefined): string {
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

/** --save-state-at TIME FILE, checked. */
function saveStateAt(v: string[] | undefined): WorkerJob["saveStateAt"] {
  if (v === undefined) return undefined;
  if (v.length !== 2)
    throw new UsageError(`--save-state-at expects TIME FILE, got ${v.length} value(s): ${v.join(" ")}`);
  let time: number;
  try {
    time = parseTime(v[0] as string);
  } catch (e) {
    throw new UsageError(`--save-state-at: ${(e as Error).message}`);
  }
  const file = resolve(v[1] as string);
  checkOutput(file);
  return { time, file };
}

const FROM_STATE = "continue from the machine state saved in FILE (tasklab run --save-state-at) instead of booting";

/**
 * Runs the job in a worker under the watchdog, writes its output and reports; returns the
 * exit code: 0 clean, 1 problems reported, 2 usage error (or the watchdog ended scenario
 * code that never yields).
 */
async function execute(job: WorkerJob, f: MachineFlags): Promise<number> {
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

/** The version in package.json. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("tasklab")
    .description("An executable, deterministic model of how Linux creates tasks: run it, trace it, read it.")
    .version(packageVersion(), "-V, --version", "print tasklab's version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();

  program
    .command("scenarios")
    .description("list the built-in scenarios")
    .action(() => {
      const w = Math.max(...SCENARIOS.map((s) => s.name.length));
      for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(w)}  ${s.description}\n`);
    });

  program
    .command("eras")
    .description("list the kernel releases the model can run (--kernel), with what each changed")
    .option("--json", "the profiles as JSON (every field of each)")
    .action((f: { json?: boolean }) => {
      process.stdout.write(f.json ? formatErasJson() : formatEras());
    });

  withMachineOptions(
    program
      .command("run")
      .description("boot a machine, run a scenario, print its trace in ftrace's format")
      .argument("[scenario]", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--until <time>", "stop at this virtual time (e.g. 50ms)", parseTime)
      .option("--save-state-at <time file...>", "at virtual time TIME, save the machine's state into FILE, then run on")
      .option("--from-state <file>", FROM_STATE)
      .addOption(
        new Option("--tracer <name>", "the tracer, as current_tracer")
          .choices(["nop", "function", "function_graph"])
          .default("nop"),
      )
      .option(
        "--events <list>",
        "events to record: sched:*, task:task_newtask, sched_switch, all, none (default: all with nop, none with a function tracer)",
        eventList,
      )
      .option("--pid <pid>", "trace only this task (set_ftrace_pid)", intIn(0, PID_MAX_LIMIT))
      .option("--comm <name>", "trace only tasks of this name")
      .option("--max-depth <n>", "function_graph: deepest call level shown (max_graph_depth)", intIn(1, 1000))
      .option("--set-graph-function <fn>", "function_graph: only calls inside this function")
      .option("--funcgraph-proc", "function_graph: show the TASK/PID column")
      .option("--funcgraph-retval", "function_graph: show return values")
      .option("--funcgraph-tail", "function_graph: name the function at each closing brace")
      .addOption(
        new Option(
          "--format <format>",
          "text: the ftrace trace file; jsonl: one JSON event per line; perfetto: Chrome JSON for ui.perfetto.dev",
        )
          .choices(["text", "jsonl", "perfetto"])
          .default("text"),
      )
      .option("--no-lockdep", "do not check the order spinlocks are taken in (lockdep)")
      .option("--hung-task-timeout <secs>", "report a task in D this long (default 120; 0: never)", intIn(0, 1e6))
      .option("--no-deadlock-check", "do not report a run that ends with tasks blocked for good")
      .option("--no-invariants", "do not check the scenario's invariants"),
  ).action(async (ref: string | undefined, f: MachineFlags & TraceFlags & RunFlags & StateFlags) => {
    const opts: RunOptions = {
      ...runOptions(f, f.until),
      detectors: detectorOptions(f),
      events: f.events,
      tracer: {
        tracer: f.tracer,
        pid: f.pid,
        comm: f.comm,
        maxDepth: f.maxDepth,
        graphFunction: f.setGraphFunction,
      },
    };
    const graph = { proc: f.funcgraphProc, retval: f.funcgraphRetval, tail: f.funcgraphTail };
    const job: WorkerJob = {
      ref: scenarioOrState(ref, f.fromState),
      opts,
      view: "trace",
      graph,
      format: f.format,
      fromState: f.fromState === undefined ? undefined : resolve(f.fromState),
      saveStateAt: saveStateAt(f.saveStateAt),
    };
    if (job.fromState !== undefined && job.saveStateAt !== undefined)
      throw new UsageError("--save-state-at and --from-state: use one at a time");
    if (job.saveStateAt !== undefined && f.until !== undefined && job.saveStateAt.time >= f.until)
      throw new UsageError(`--save-state-at ${f.saveStateAt?.[0]}: the run stops first (--until is earlier)`);
    process.exitCode = await execute(job, f);
  });

  withMachineOptions(
    program
      .command("ps")
      .description("run a scenario and print the task table at its end (or at --at)")
      .argument("[scenario]", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--from-state <file>", FROM_STATE)
      .option("--at <time>", "show the table at this virtual time", parseTime)
      .option("-f, --full", "ps -ef format (kernel threads in brackets)")
      .option("-L, --threads", "one row per thread, with its LWP (thread id) and NLWP (ps -eLo)")
      .option("--eo <columns>", "these columns, as ps -eo does (e.g. pid,lwp,stat,cls,rtprio,wchan,vsz,rss,comm)", cols)
      .option("--json", "an array of objects instead of a table"),
  ).action(
    async (
      ref: string | undefined,
      f: MachineFlags & StateFlags & { at?: number; full?: boolean; json?: boolean; threads?: boolean; eo?: string[] },
    ) => {
      const plain = f.json ? "ps-json" : f.full ? "ps-ef" : f.threads ? "ps-L" : "ps-eo";
      const view: WorkerJob["view"] = f.eo ? { ps: f.eo, threads: f.threads === true } : plain;
      process.exitCode = await executeAt(ref, f, view);
    },
  );

  withMachineOptions(
    program
      .command("pstree")
      .description("run a scenario and draw its process tree as pstree -p does, at its end (or at --at)")
      .argument("[scenario]", "a built-in scenario name or a .ts/.js file exporting one (or --from-state)")
      .argument("[pid]", "draw only this task's tree (default: init's and kthreadd's)", intIn(1, PID_MAX_LIMIT))
      .option("-n, --numeric-sort", "sort siblings by pid, not by name")
      .option("--at <time>", "draw it at this virtual time", parseTime)
      .option("--from-state <file>", FROM_STATE),
  ).action(
    async (
      ref: string | undefined,
      pid: number | undefined,
      f: MachineFlags & StateFlags & { at?: number; numericSort?: boolean },
    ) => {
      const view = { pstree: { root: pid, numeric: f.numericSort } };
      process.exitCode = await executeAt(ref, f, view);
    },
  );

  withMachineOptions(
    program
      .command("top")
      .description("run a scenario and print a top-style table of CPU use per task at its end (or at --at)")
      .argument("<scenario>", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--at <time>", "at this virtual time", parseTime),
  ).action(async (ref: string, f: MachineFlags & { at?: number }) => {
    process.exitCode = await executeAt(ref, f, "top");
  });

  withMachineOptions(
    program
      .command("proc")
      .description("run a scenario and print /proc/<pid>/comm, stat, status or stack at its end (or at --at)")
      .argument("<scenario>", "a built-in scenario name or a .ts/.js file exporting one")
      .argument("<pid>", "the task")
      .addArgument(new Argument("[file]", "which file").choices(Object.keys(PROC_FILES)).default("status"))
      .option("--at <time>", "read it at this virtual time", parseTime)
      .option("--from-state <file>", `${FROM_STATE} (then the arguments are PID [FILE])`),
  ).action(async (ref: string, pid: string, file: ProcFile, f: MachineFlags & StateFlags & { at?: number }) => {
    const pidOf = (v: string) => {
      try {
        return intIn(0, PID_MAX_LIMIT)(v);
      } catch (e) {
        throw new UsageError(`proc: pid: ${(e as Error).message}`);
      }
    };
    if (f.fromState !== undefined) {
      // proc --from-state FILE PID [WHICH]: the arguments move one place left.
      const which = pid as ProcFile;
      if (!Object.hasOwn(PROC_FILES, which))
        throw new UsageError(`proc: no file '${which}': choose from ${Object.keys(PROC_FILES).join(", ")}`);
      process.exitCode = await executeAt(undefined, f, { pid: pidOf(ref), file: which });
      return;
    }
    process.exitCode = await executeAt(ref, f, { pid: pidOf(pid), file });
  });

  withMachineOptions(
    program
      .command("debug")
      .description(
        "debug a scenario as gdb debugs a kernel: break, step, next, finish, bt, info tasks, print, watch, list",
      )
      .argument("[scenario]", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--from-state <file>", `${FROM_STATE}: each run starts at the saved moment`)
      .option(
        "-x, --command <file>",
        "read commands from FILE, then exit (repeatable)",
        (v: string, p: string[]) => [...p, v],
        [],
      )
      .option("--batch <file>", "the same as -x FILE", (v: string, p: string[]) => [...p, v], [])
      .option(
        "--ex <command>",
        "run COMMAND, then exit unless -i (repeatable)",
        (v: string, p: string[]) => [...p, v],
        [],
      )
      .option("-i, --interactive", "after the -x and --ex commands, go on reading commands")
      .option("--until <time>", "a run stops at this virtual time at the latest", parseTime),
  ).action(
    async (
      ref: string | undefined,
      f: MachineFlags &
        StateFlags & { command: string[]; batch: string[]; ex: string[]; interactive?: boolean; until?: number },
    ) => {
      const commands = batchCommands([...f.command, ...f.batch], f.ex);
      const job: DebugJob = {
        entry: "debug",
        ref: scenarioOrState(ref, f.fromState),
        opts: runOptions(f, f.until),
        fromState: f.fromState === undefined ? undefined : resolve(f.fromState),
      };
      process.exitCode = await debugSession(
        job,
        { commands, batch: commands.length > 0 && f.interactive !== true },
        f.watchdog,
        f.maxHeap,
      );
    },
  );

  addExploreCommands(program);
  addServeCommand(program);
  addDiffCommand(program);
  addExplainCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof InputError) {
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
