/**
 * The host-side watchdog: the CLI runs each scenario in a worker thread. The engine reports
 * progress every 4096 passes of its loop; a scenario whose JavaScript loops without ever giving control
 * back to the engine stops reporting, and after `seconds` of wall time the worker is ended
 * and a report names the last place it was seen. tasklab itself never hangs.
 */
import { Worker } from "node:worker_threads";
import type { task_struct } from "../linux/include/task_struct.js";
import type { Engine } from "../sim/engine.js";
import type { WorkerJob } from "./worker.js";

/**
 * What a worker posts to say it is still taking turns, and where it was; "started" once its
 * modules are loaded (until then the watchdog gives it STARTUP_SECONDS: a busy machine can
 * take seconds to load the model).
 */
export type Heartbeat = Progress | { type: "started" };
export type Progress = { type: "progress"; where: string };

const STARTUP_SECONDS = 60;

export function heartbeat(e: Engine): Progress {
  const t = e.running?.owner as task_struct | undefined;
  const where = t ? `${t.comm}/${t.pid} on CPU ${e.runningCpu.id}: ${e.running.backtrace().join(" <- ")}` : "boot";
  return { type: "progress", where: `${where}, at ${(e.now() / 1e9).toFixed(6)} s of virtual time, step ${e.steps}` };
}

export type Hung = { type: "hung"; report: string };

export type JobResult =
  | { type: "done"; output: string; tty: string; reports: string[]; problems: number }
  | { type: "usage"; message: string };

/**
 * Runs a worker (worker-entry.mjs with `data`) under the watchdog: resolves with its first
 * message that is neither a heartbeat nor one `note` takes (returning true), or `Hung`.
 */
export function runWatched<R extends { type: string }>(
  data: unknown,
  seconds: number,
  note: (m: R) => boolean = () => false,
): Promise<R | Hung> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData: data });
    let last = "nowhere yet (it hung loading the scenario, or within its first 4096 steps)";
    let timer: NodeJS.Timeout;
    const arm = (limit = seconds) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void w.terminate();
        resolve({
          type: "hung",
          report:
            `tasklab: watchdog: the scenario ran ${seconds} s of wall time without returning to the engine ` +
            `(a JavaScript loop in scenario code that never yields?). Last seen: ${last}`,
        });
      }, limit * 1000);
    };
    arm(Math.max(seconds, STARTUP_SECONDS));
    w.on("message", (m: R | Heartbeat) => {
      if (m.type === "progress" || m.type === "started") {
        if (m.type === "progress") last = (m as Progress).where;
        arm();
        return;
      }
      if (note(m as R)) {
        arm();
        return;
      }
      clearTimeout(timer);
      void w.terminate();
      resolve(m as R);
    });
    w.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export function runJob(job: WorkerJob, seconds: number): Promise<JobResult | Hung> {
  return runWatched<JobResult>(job, seconds);
}
