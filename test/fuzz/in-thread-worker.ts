/**
 * A stand-in for node:worker_threads' Worker that runs the CLI's worker modules
 * (src/cli/worker.ts, debug-worker.ts, explore-worker.ts) in the test's own thread. A real worker
 * thread loads the whole model through tsx again, about 2.5 s a command on this project's
 * machine; in-thread, a command costs what its run costs, so the fuzz test can afford
 * thousands of them. Everything else (main, commander, the watchdog's messages and timers)
 * is the real code. What only a real worker shows (the watchdog ending a JavaScript loop,
 * process.exit in scenario code) is tested through child processes instead.
 *
 * The worker modules read `parentPort` and `workerData` when they are evaluated, so each
 * Worker imports its module afresh (a query string makes it a new module instance) while
 * `workerThreads()` hands out this worker's port and data.
 */
import { EventEmitter } from "node:events";

type WorkerData = { entry?: string };

/** The worker module of each job entry (as src/cli/worker-entry.mjs picks it). */
const MODULES: Record<string, string> = { debug: "debug-worker", explore: "explore-worker" };

let current: { port: object; workerData: WorkerData } | null = null;
let instances = 0;
/** Exceptions that would have ended the process: thrown by an 'error' listener (or with none). */
const escaped: unknown[] = [];

/** The exceptions that escaped since the last call. */
export function takeEscaped(): unknown[] {
  return escaped.splice(0);
}

class InThreadWorker extends EventEmitter {
  private readonly inbox = new EventEmitter();
  private dead = false;

  constructor(_url: URL, opts: { workerData: WorkerData }) {
    super();
    const port = {
      postMessage: (m: unknown) => setImmediate(() => this.deliver("message", m)),
      on: (ev: string, fn: (m: unknown) => void) => this.inbox.on(ev, fn),
    };
    current = { port, workerData: opts.workerData };
    const module = MODULES[opts.workerData.entry ?? ""] ?? "worker";
    import(/* @vite-ignore */ `../../src/cli/${module}.ts?in-thread=${++instances}`).catch((e: unknown) =>
      this.fail(e),
    );
  }

  private deliver(event: string, m: unknown): void {
    if (!this.dead) this.emit(event, m);
  }

  /** What an exception uncaught in a worker does: the Worker emits 'error' (and the worker ends). */
  private fail(e: unknown): void {
    setImmediate(() => {
      if (this.dead) return;
      this.dead = true;
      try {
        this.emit("error", e);
      } catch (thrown) {
        escaped.push(thrown);
      }
    });
  }

  postMessage(m: unknown): void {
    setImmediate(() => {
      if (this.dead) return;
      try {
        this.inbox.emit("message", m);
      } catch (e) {
        this.fail(e);
      }
    });
  }

  terminate(): Promise<number> {
    this.dead = true;
    this.inbox.removeAllListeners();
    return Promise.resolve(0);
  }
}

/** node:worker_threads with Worker replaced; `parentPort` and `workerData` are the current in-thread worker's. */
export function workerThreads<T extends object>(real: T): T {
  return Object.defineProperties(
    { ...real, Worker: InThreadWorker },
    {
      parentPort: { get: () => current?.port ?? null, enumerable: true },
      workerData: { get: () => current?.workerData, enumerable: true },
    },
  ) as T;
}
