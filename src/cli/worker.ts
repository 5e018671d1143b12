/**
 * Runs a scenario for the CLI in a worker thread, so that the main thread can end it if
 * the scenario's own JavaScript never gives control back (see watchdog.ts).
 */

import { parentPort, workerData } from "node:worker_threads";
import type { task_struct } from "../linux/include/task_struct.js";
import { find_task_by_pid_ns } from "../linux/kernel/pid.js";
import type { RunOptions, RunResult, TraceFormat } from "../run.js";
import { formatReport, problems, psRows, runScenario, traceText } from "../run.js";
import { InputError } from "../sim/suggest.js";
import type { GraphOptions } from "../trace/function-graph.js";
import { formatDiff } from "../views/diff.js";
import { PROC_FILES, type ProcFile } from "../views/proc.js";
import { formatPsColumns, formatPsEf, formatPsEo, formatPsL } from "../views/ps.js";
import { formatPstree, type PstreeOptions } from "../views/pstree.js";
import { formatTop } from "../views/top.js";
import { diffScenario } from "./diff.js";
import { loadScenario, UsageError } from "./options.js";
import { type Heartbeat, heartbeat, type JobResult } from "./watchdog.js";

export type WorkerJob = {
  ref: string;
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

/** Tells the watchdog the engine is still taking turns, and where it was. */
const onProgress: RunOptions["onProgress"] = (e) => post(heartbeat(e));

post({ type: "started" });
try {
  const scenario = await loadScenario(job.ref);
  const view = job.view;
  if (typeof view === "object" && "diff" in view) {
    const d = diffScenario(scenario, job.opts.kernel as string, view.diff.b, { ...job.opts, onProgress });
    const output = view.diff.json ? `${JSON.stringify(d, null, 2)}\n` : formatDiff(d);
    post({ type: "done", output, tty: "", reports: [], problems: 0 });
  } else {
    const r = runScenario(scenario, { ...job.opts, onProgress });
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
