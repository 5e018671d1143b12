/**
 * live-tasks: a machine holding N sleeping kernel threads. Measured at each N: the rate of
 * creating 1,000 more (host wall time, timed inside the scenario), and the heap bytes per
 * live task (heap after a full GC, against a machine with none). No super-linear cost anywhere
 * means the rate stays the same as N grows.
 */
import { IS_ERR } from "../src/linux/include/err.js";
import { kthread_create } from "../src/linux/kernel/kthread.js";
import { sleepUntilStopped } from "../src/linux/kernel/kthread_daemon.js";
import { Machine } from "../src/machine.js";

export interface LiveTasks {
  n: number;
  /** Creations per second of 1,000 tasks made after the first n. */
  rate: number;
  bytesPerTask: number;
}

const BATCH = 1_000;

/** A booted 2-CPU machine holding `n` + 1,000 sleeping kthreads; `timed.ms` gets the last 1,000's creation time. */
export function machineWith(n: number, timed: { ms: number }): Machine {
  const create = function* (i: number) {
    const t = yield* kthread_create(sleepUntilStopped, null, "live/%d", i);
    if (IS_ERR(t)) throw new Error("kthread_create failed");
  };
  const m = new Machine({
    cpus: 2,
    events: [],
    pid_max: 4_194_304,
    threads_max: 4_194_304, // the default (192,730) would stop creation below a million
    init: function* () {
      for (let i = 0; i < n; i++) yield* create(i);
      const t0 = performance.now();
      for (let i = 0; i < BATCH; i++) yield* create(n + i);
      timed.ms = performance.now() - t0;
    },
  });
  if (m.run({ maxSteps: 1e12 }) !== "idle") throw new Error("live-tasks machine did not finish");
  return m;
}

export function liveTasks(n: number): LiveTasks {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  const timed = { ms: 0 };
  // Both machines stay alive while the heap is read: the difference is the n tasks.
  gc();
  const base = machineWith(0, { ms: 0 });
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const big = machineWith(n, timed);
  gc();
  const h1 = process.memoryUsage().heapUsed;
  if (big.tasks().length !== base.tasks().length + n) throw new Error("live-tasks: tasks missing");
  return { n, rate: (BATCH * 1000) / timed.ms, bytesPerTask: (h1 - h0) / n };
}
