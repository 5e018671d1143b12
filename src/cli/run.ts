/** `tasklab run`: a scenario's trace (or its saved state). */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { type EventType, parseEvents } from "../linux/include/trace/events/records.js";
import { PID_MAX_LIMIT } from "../linux/kernel/pid.js";
import type { DetectorOptions } from "../machine.js";
import type { RunOptions, TraceFormat } from "../run.js";
import { checkOutput } from "./files.js";
import {
  execute,
  FROM_STATE,
  type MachineFlags,
  runOptions,
  type StateFlags,
  scenarioOrState,
  withMachineOptions,
} from "./machine-options.js";
import { intIn, parseTime, UsageError } from "./options.js";
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

export function addRunCommand(program: Command): void {
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
}
