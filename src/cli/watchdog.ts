/**
 * The host-side watchdog: the CLI runs each scenario in a worker thread. The engine reports
 * progress every 4096 passes of its loop; a scenario whose JavaScript loops without ever giving control
 * back to the engine stops reporting, and after `seconds` of wall time the worker is ended
 * and a report names the last place it was seen. tasklab itself never hangs.
 */
import { Worker } from "node:worker_threads";
import type { WorkerJob, WorkerMessage } from "./worker.js";

export type JobResult =
  | { type: "done"; output: string; tty: string; reports: string[]; problems: number }
  | { type: "usage"; message: string }
  | { type: "hung"; report: string };

export function runJob(job: WorkerJob, seconds: number): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData: job });
    let last = "nowhere yet (it hung within its first 4096 steps)";
    let timer: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void w.terminate();
        resolve({
          type: "hung",
          report:
            `tasklab: watchdog: the scenario ran ${seconds} s of wall time without returning to the engine ` +
            `(a JavaScript loop in scenario code that never yields?). Last seen: ${last}`,
        });
      }, seconds * 1000);
    };
    arm();
    w.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") {
        last = `${m.where}, at ${(m.time / 1e9).toFixed(6)} s of virtual time, step ${m.steps}`;
        arm();
        return;
      }
      clearTimeout(timer);
      void w.terminate();
      resolve(m);
    });
    w.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
