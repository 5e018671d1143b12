/**
 * The debugger's worker thread: holds the machine and runs each command line the main
 * thread sends, replying with gdb's output. Progress goes out while a command runs, so the
 * main thread's watchdog can end a scenario that loops without yielding.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Debugger, debugCommand } from "../gdb/gdb.js";
import { formatReport, machineFor, type RunOptions, scenarioOf } from "../run.js";
import type { Scenario } from "../scenarios/scenario.js";
import { YieldError } from "../sim/engine.js";
import { InputError } from "../sim/suggest.js";
import { loadScenario, UsageError } from "./options.js";
import { scanSources } from "./sources.js";
import { openStateFile } from "./state-file.js";
import { heartbeat, type Progress } from "./watchdog.js";

export interface DebugJob {
  entry: "debug";
  ref: string;
  opts: RunOptions;
  /** Each `run` starts from the state in this file (docs/STATE-FORMAT.md): `ref` is unused. */
  fromState?: string;
}

export type DebugReply =
  | Progress
  | { type: "ready" }
  | { type: "out"; text: string; tty: string; reports: string[]; done: boolean }
  | { type: "usage"; message: string };

const port = parentPort;
if (port === null) throw new Error("cli/debug-worker.ts must run as a worker");
const job = workerData as DebugJob;
const post = (m: DebugReply) => port.postMessage(m);

// tasklab is loaded: the watchdog's time starts now.
post({ type: "progress", where: "loading the scenario" });
try {
  let scenario: Scenario;
  let opts = job.opts;
  if (job.fromState !== undefined) {
    // Every `run` (and restart) starts from the saved moment: a fresh machine loaded each time.
    const { first, load } = openStateFile(job.fromState);
    const s = scenarioOf(first);
    if (s === undefined) throw new UsageError(`--from-state ${job.fromState}: the state names no scenario to debug`);
    scenario = s;
    opts = { ...opts, fromState: { load } };
  } else {
    scenario = await loadScenario(job.ref);
    // The machine the session runs, built once first: what is wrong with the options or the
    // scenario (a spec naming no modeled function, say) is said now, not at the first `run`.
    machineFor(scenario, job.opts);
  }
  const d = new Debugger(
    scenario,
    {
      ...opts,
      onProgress: (e) => post(heartbeat(e)),
    },
    scanSources(),
  );
  let ttySeen = 0;
  let reportsSeen = 0;
  let shown = 0;
  port.on("message", (line: string) => {
    let text: string;
    try {
      text = debugCommand(d, line);
    } catch (e) {
      // Scenario code that broke tasklab's rules while it ran (a yield of a non-cost, say).
      if (!(e instanceof InputError)) throw e;
      post({ type: "usage", message: e instanceof YieldError ? `scenario ${scenario.name}: ${e.message}` : e.message });
      return;
    }
    const m = d.machineNow();
    if (d.runs !== shown) {
      // A new run: its terminal and reports start from the beginning.
      shown = d.runs;
      ttySeen = 0;
      reportsSeen = 0;
    } else if (m !== null) {
      // Gone back (reverse execution, a checkpoint): what is shown already is not shown again.
      ttySeen = Math.min(ttySeen, m.kernel.tty.length);
      reportsSeen = Math.min(reportsSeen, m.reports.length);
    }
    const tty = m === null ? [] : m.kernel.tty.slice(ttySeen).map((l) => l.text);
    const reports = m === null ? [] : m.reports.slice(reportsSeen).map(formatReport);
    ttySeen = m === null ? 0 : m.kernel.tty.length;
    reportsSeen = m === null ? 0 : m.reports.length;
    post({ type: "out", text, tty: tty.join(""), reports, done: d.done });
  });
  post({ type: "ready" });
} catch (e) {
  if (e instanceof InputError) post({ type: "usage", message: e.message });
  else throw e;
}
