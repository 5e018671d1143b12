/**
 * The host-side watchdog: the CLI runs each scenario in a worker thread. The engine reports
 * progress every 4096 passes of its loop; a scenario whose JavaScript loops without ever giving control
 * back to the engine stops reporting, and after `seconds` of wall time the worker is ended
 * and a report names the last place it was seen. tasklab itself never hangs. The time counts
 * from the worker's first message (tasklab loaded, the scenario about to load).
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

/** What the watchdog says when it ends a worker that gave no sign for `seconds`, last seen at `last`. */
export function hung(seconds: number, last: string): Hung {
  return {
    type: "hung",
    report:
      `tasklab: watchdog: the scenario ran ${seconds} s of wall time without returning to the engine ` +
      `(a JavaScript loop in scenario code that never yields?). Last seen: ${last}`,
  };
}

export type JobResult =
  | { type: "done"; output: string; tty: string; reports: string[]; problems: number }
  | { type: "usage"; message: string };

/** The default of --max-heap: the JavaScript heap a scenario's worker may use, in MB. */
export const MAX_HEAP_MB = 4096;

/** A worker for a scenario (the runner, the explorer's, the debugger's), its heap bounded so that a scenario that exhausts it ends only the worker. */
export function scenarioWorker(workerData: unknown, heapMb: number): Worker {
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

/**
 * Runs a worker (worker-entry.mjs with `data`, about scenario `ref`) under the watchdog:
 * resolves with its first message that is neither a heartbeat nor one `note` takes
 * (returning true), or `Hung`; a scenario that exhausts the heap or calls process.exit is a
 * usage error.
 */
export function runWatched<R extends { type: string }>(
  data: unknown,
  ref: string,
  seconds: number,
  heapMb = MAX_HEAP_MB,
  note: (m: R) => boolean = () => false,
): Promise<R | Hung | { type: "usage"; message: string }> {
  return new Promise((resolve, reject) => {
    const w = scenarioWorker(data, heapMb);
    let last = "nowhere yet (it hung loading the scenario, or within its first 4096 steps)";
    let timer: NodeJS.Timeout;
    let settled = false;
    const settle = (r: R | Hung | { type: "usage"; message: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      resolve(r);
    };
    const arm = (limit = seconds) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        settle(hung(seconds, last));
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
      settle(m as R);
    });
    w.on("error", (error) => {
      const message = outOfMemory(ref, heapMb, error);
      if (message !== null) settle({ type: "usage", message });
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    // Before an answer, only the scenario's own process.exit ends the worker.
    w.on("exit", (code) => settle({ type: "usage", message: exitedMessage(ref, code) }));
  });
}

export function runJob(job: WorkerJob, seconds: number, heapMb = MAX_HEAP_MB): Promise<JobResult | Hung> {
  return runWatched<JobResult>(job, job.ref, seconds, heapMb);
}
