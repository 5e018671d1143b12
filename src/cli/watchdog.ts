/**
 * The host-side watchdog: the CLI runs each scenario in a worker thread. The engine reports
 * progress every 4096 passes of its loop; a scenario whose JavaScript loops without ever giving control
 * back to the engine stops reporting, and after `seconds` of wall time the worker is ended
 * and a report names the last place it was seen. tasklab itself never hangs. The time counts
 * from the worker's first message (tasklab loaded, the scenario about to load).
 */
import { Worker } from "node:worker_threads";
import type { WorkerJob, WorkerMessage } from "./worker.js";

export type JobResult =
  | { type: "done"; output: string; tty: string; reports: string[]; problems: number }
  | { type: "usage"; message: string }
  | { type: "hung"; report: string };

/** The default of --max-heap: the JavaScript heap a scenario's worker may use, in MB. */
export const MAX_HEAP_MB = 4096;

/** A worker for a scenario (the runner, or the debugger's), its heap bounded so that a scenario that exhausts it ends only the worker. */
export function scenarioWorker(workerData: { ref: string }, heapMb: number): Worker {
  return new Worker(new URL("./worker-entry.mjs", import.meta.url), {
    workerData,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
  });
}

/** A scenario's worker ended before it answered: its code called process.exit (which, in a worker, ends the worker). */
export function exitedMessage(ref: string, code: number): string {
  return `scenario ${ref} called process.exit(${code}): scenario code ends by returning from main, never by exiting tasklab`;
}

/** The message for a worker whose scenario exhausted its heap, or null for another error (one of tasklab itself). */
export function outOfMemory(ref: string, heapMb: number, error: unknown): string | null {
  if ((error as { code?: string }).code !== "ERR_WORKER_OUT_OF_MEMORY") return null;
  return `scenario ${ref} ran out of memory: its code used more than --max-heap ${heapMb} MB of JavaScript heap (a structure that grows without end?)`;
}

export function runJob(job: WorkerJob, seconds: number, heapMb = MAX_HEAP_MB): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const w = scenarioWorker(job, heapMb);
    let last = "nowhere yet (it hung loading, or within its first 4096 steps)";
    let timer: NodeJS.Timeout;
    let settled = false;
    const settle = (r: JobResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      resolve(r);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        settle({
          type: "hung",
          report:
            `tasklab: watchdog: the scenario ran ${seconds} s of wall time without returning to the engine ` +
            `(a JavaScript loop in scenario code that never yields?). Last seen: ${last}`,
        });
      }, seconds * 1000);
    };
    // Armed by the worker's first message, sent once tasklab's own modules are loaded: their
    // loading, slow on a busy machine, is not the scenario's time.
    w.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") {
        if (m.steps > 0) last = `${m.where}, at ${(m.time / 1e9).toFixed(6)} s of virtual time, step ${m.steps}`;
        arm();
        return;
      }
      settle(m);
    });
    w.on("error", (error) => {
      const message = outOfMemory(job.ref, heapMb, error);
      if (message !== null) settle({ type: "usage", message });
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    // Before an answer, only the scenario's own process.exit ends the worker.
    w.on("exit", (code) => settle({ type: "usage", message: exitedMessage(job.ref, code) }));
  });
}
