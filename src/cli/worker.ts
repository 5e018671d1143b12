/**
 * Runs a scenario for the CLI in a worker thread, so that the main thread can end it if
 * the scenario's own JavaScript never gives control back (see watchdog.ts).
 */

import { parentPort, workerData } from "node:worker_threads";
import type { task_struct } from "../linux/include/task_struct.js";
import { find_task_by_pid_ns } from "../linux/kernel/pid.js";
import type { RunOptions, RunResult, TraceFormat } from "../run.js";
import { formatReport, problems, psRows, runMachine, runScenario, scenarioOf, traceText } from "../run.js";
import type { Scenario } from "../scenarios/scenario.js";
import { InputError } from "../sim/suggest.js";
import type { GraphOptions } from "../trace/function-graph.js";
import { formatDiff } from "../views/diff.js";
import { PROC_FILES, type ProcFile } from "../views/proc.js";
import { formatPsColumns, formatPsEf, formatPsEo, formatPsL } from "../views/ps.js";
import { formatPstree, type PstreeOptions } from "../views/pstree.js";
import { formatTop } from "../views/top.js";
import { diffScenario } from "./diff.js";
import { loadScenario, UsageError } from "./options.js";
import { openStateFile, writeStateFile } from "./state-file.js";
import { type Heartbeat, heartbeat, type JobResult } from "./watchdog.js";

export type WorkerJob = {
  ref: string;
  /** Continue from the state in this file (docs/STATE-FORMAT.md) instead of booting: `ref` is unused. */
  fromState?: string;
  /** Save the state at this virtual time into this file (written atomically), then run on. */
  saveStateAt?: { time: number; file: string };
  opts: RunOptions;
  /** function_graph display options. */
  graph?: GraphOptions;
  format?: TraceFormat;
  view:
    | "trace"
    | "ps-eo"
    | "ps-ef"
    | "ps-L"
    | "ps-json"
    | "top"
    | { pid: number; file: ProcFile }
    | { ps: string[]; threads: boolean }
    | { pstree: PstreeOptions }
    /** `tasklab diff`: opts.kernel is release A; this is release B. */
    | { diff: { b: string; json: boolean } };
};

export type WorkerMessage = Heartbeat | JobResult;

const port = parentPort;
if (port === null) throw new Error("cli/worker.ts must run as a worker");
const job = workerData as WorkerJob;

function post(m: WorkerMessage): void {
  port?.postMessage(m);
}

/** The task with this pid at the end of the run, or a usage error naming it. */
function taskOrUsage(r: RunResult, pid: number): task_struct {
  const t = find_task_by_pid_ns(pid, r.machine.kernel.init_pid_ns);
  if (t === null) throw new UsageError(`no task with pid ${pid} at that time (see 'tasklab ps')`);
  return t;
}

function render(r: RunResult, job: WorkerJob): string {
  const view = job.view;
  if (view === "trace") return traceText(r, job.graph, job.format);
  if (typeof view === "object" && "pstree" in view) {
    if (view.pstree.root !== undefined) taskOrUsage(r, view.pstree.root);
    return formatPstree(psRows(r, true), view.pstree);
  }
  if (typeof view === "object" && "ps" in view) return formatPsColumns(psRows(r, view.threads), view.ps);
  if (typeof view === "object" && "pid" in view)
    return PROC_FILES[view.file](taskOrUsage(r, view.pid), r.machine.kernel);
  const rows = psRows(r, view === "ps-L");
  if (view === "ps-L") return formatPsL(rows);
  if (view === "top") return formatTop(rows, r.machine.now);
  if (view === "ps-json") return `${JSON.stringify(rows, null, 2)}\n`;
  return view === "ps-ef" ? formatPsEf(rows) : formatPsEo(rows);
}

/** The run's options: the watchdog's progress, and --save-state-at's save. */
function runOpts(): RunOptions {
  const at = job.saveStateAt;
  if (at === undefined) return { ...job.opts, onProgress };
  return { ...job.opts, onProgress, saveStateAt: { time: at.time, save: (m) => writeStateFile(at.file, m) } };
}

/** Runs on from a saved state to the end (the scenario's checks included). */
function runFromState(file: string): RunResult {
  const { first } = openStateFile(file);
  const s = scenarioOf(first);
  if (s === undefined) throw new UsageError(`--from-state ${file}: the state names no scenario to run on`);
  const until = job.opts.until;
  if (until !== undefined && until < first.now)
    throw new UsageError(
      `--from-state ${file}: the state is at ${first.now} ns of virtual time, after the ${until} ns asked for (--at/--until)`,
    );
  return runMachine(s, first, { until: job.opts.until, checkLeaks: job.opts.checkLeaks, onProgress });
}

/** Tells the watchdog the engine is still taking turns, and where it was. */
const onProgress: RunOptions["onProgress"] = (e) => post(heartbeat(e));

post({ type: "started" });
try {
  const scenario = job.fromState !== undefined ? null : await loadScenario(job.ref);
  const view = job.view;
  if (typeof view === "object" && "diff" in view) {
    const d = diffScenario(scenario as Scenario, job.opts.kernel as string, view.diff.b, { ...job.opts, onProgress });
    const output = view.diff.json ? `${JSON.stringify(d, null, 2)}\n` : formatDiff(d);
    post({ type: "done", output, tty: "", reports: [], problems: 0 });
  } else {
    const r = job.fromState !== undefined ? runFromState(job.fromState) : runScenario(scenario as Scenario, runOpts());
    post({
      type: "done",
      output: render(r, job),
      tty: r.machine.kernel.tty.map((l) => l.text).join(""),
      reports: r.reports.map(formatReport),
      problems: problems(r.reports).length,
    });
  }
} catch (e) {
  if (e instanceof InputError) post({ type: "usage", message: e.message });
  else throw e;
}
