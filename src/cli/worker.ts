/**
 * Runs a scenario for the CLI in a worker thread, so that the main thread can end it if
 * the scenario's own JavaScript never gives control back (see watchdog.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { task_struct } from "../linux/include/task_struct.js";
import { formatReport, problems, psRows, type RunOptions, runScenario, traceText } from "../run.js";
import { formatPsEf, formatPsEo } from "../views/ps.js";
import { loadScenario, UsageError } from "./options.js";

export type WorkerJob = { ref: string; opts: RunOptions; view: "trace" | "ps-eo" | "ps-ef" | "ps-json" };

export type WorkerMessage =
  | { type: "progress"; steps: number; time: number; where: string }
  | { type: "done"; output: string; reports: string[]; problems: number }
  | { type: "usage"; message: string };

const port = parentPort;
if (port === null) throw new Error("cli/worker.ts must run as a worker");
const job = workerData as WorkerJob;

function post(m: WorkerMessage): void {
  port?.postMessage(m);
}

try {
  const scenario = await loadScenario(job.ref);
  const r = runScenario(scenario, {
    ...job.opts,
    onProgress: (e) => {
      const t = e.running?.owner as task_struct | undefined;
      const where = t ? `${t.comm}/${t.pid} on CPU ${e.runningCpu.id}: ${e.running.backtrace().join(" <- ")}` : "boot";
      post({ type: "progress", steps: e.steps, time: e.now(), where });
    },
  });
  const rows = job.view === "trace" ? [] : psRows(r);
  const output =
    job.view === "trace"
      ? traceText(r)
      : job.view === "ps-json"
        ? `${JSON.stringify(rows, null, 2)}\n`
        : job.view === "ps-ef"
          ? formatPsEf(rows)
          : formatPsEo(rows);
  post({ type: "done", output, reports: r.reports.map(formatReport), problems: problems(r.reports).length });
} catch (e) {
  if (e instanceof UsageError) post({ type: "usage", message: e.message });
  else throw e;
}
