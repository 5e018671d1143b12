/**
 * `npm run bench`: tasklab's benchmarks, with the real kernel's equivalent measured in the
 * same run where one exists. `--json` prints the samples as JSON; `--quick` does fewer runs.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IS_ERR } from "../src/linux/include/err.js";
import { kthread_create } from "../src/linux/kernel/kthread.js";
import { sleep_until_stopped } from "../src/linux/kernel/kthread_daemon.js";
import {
  kthread_destroy_worker,
  kthread_flush_work,
  kthread_init_work,
  kthread_queue_work,
  kthread_run_worker,
} from "../src/linux/kernel/kthread_worker.js";
import { Machine } from "../src/machine.js";
import { kthreadCycleMachine } from "./cycle.js";
import { formatTable, measureRate, type Sample, sampleOf } from "./harness.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const runs = quick ? 3 : 7;

/** Boots a machine and runs `cycles` kthread_run + kthread_stop cycles after boot. */
function kthreadCycles(cycles: number, events: boolean): number {
  if (kthreadCycleMachine(cycles, events).run({ maxSteps: 1e9 }) !== "idle")
    throw new Error("bench machine did not finish");
  return cycles;
}

/** Cycles per second of the cycles alone: the boot's time is measured apart and removed. */
function kthreadCycleRate(name: string, events: boolean): Sample {
  const n = quick ? 2_000 : 10_000;
  const boot = measureRate("boot", () => kthreadCycles(0, events) || 1, runs);
  const bootSeconds = 1 / boot.median;
  const s = measureRate(name, () => kthreadCycles(n, events), runs);
  const perRun = (r: number) => n / (n / r - bootSeconds);
  return { ...s, median: perRun(s.median), min: perRun(s.min), max: perRun(s.max) };
}

/** Works executed per second by a kthread worker: queue one, wait for it, repeat. */
function workerQueueRate(): Sample {
  const n = quick ? 5_000 : 20_000;
  const machine = (works: number) =>
    new Machine({
      cpus: 2,
      events: [],
      init: function* () {
        const worker = yield* kthread_run_worker(0, "bench_worker");
        if (IS_ERR(worker)) throw new Error("kthread_run_worker failed");
        const work = kthread_init_work(function* bench_work() {});
        for (let i = 0; i < works; i++) {
          yield* kthread_queue_work(worker, work);
          yield* kthread_flush_work(work);
        }
        yield* kthread_destroy_worker(worker);
      },
    });
  const runFor = (works: number) => {
    machine(works).run({ maxSteps: 1e9 });
    return Math.max(works, 1);
  };
  const boot = measureRate("boot", () => runFor(0), runs);
  const bootSeconds = 1 / boot.median;
  const s = measureRate("kthread-worker-queue", () => runFor(n), runs);
  const perRun = (r: number) => n / (n / r - bootSeconds);
  return { ...s, median: perRun(s.median), min: perRun(s.min), max: perRun(s.max) };
}

/** Heap bytes per live kernel thread: N sleeping kthreads, heap measured after a full GC. */
function heapPerTask(n: number): Sample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  const machineWith = (count: number) => {
    const m = new Machine({
      cpus: 2,
      events: [],
      init: function* () {
        for (let i = 0; i < count; i++) {
          const t = yield* kthread_create(sleep_until_stopped, null, "live/%d", i);
          if (IS_ERR(t)) throw new Error("kthread_create failed");
        }
      },
      pid_max: 4_194_304,
    });
    m.run({ maxSteps: 1e9 });
    return m;
  };
  const sizes: number[] = [];
  // Held here, and dropped before each baseline, so that no earlier machine is counted.
  let base: Machine | null = null;
  let big: Machine | null = null;
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    base = null;
    big = null;
    gc();
    base = machineWith(0);
    gc();
    const h0 = process.memoryUsage().heapUsed;
    big = machineWith(n);
    gc();
    const h1 = process.memoryUsage().heapUsed;
    if (big.tasks().length !== base.tasks().length + n) throw new Error("heap bench: tasks missing");
    sizes.push((h1 - h0) / n);
  }
  return sampleOf(`heap per live kthread (${n})`, "bytes", sizes);
}

/** The real kernel: pthread_create + pthread_join on this machine (bench/native). */
function nativePthread(): Sample | null {
  try {
    const dir = mkdtempSync(join(tmpdir(), "tasklab-bench-"));
    const exe = join(dir, "pthread_cycle");
    execFileSync("gcc", ["-O2", "-pthread", "-o", exe, new URL("native/pthread_cycle.c", import.meta.url).pathname]);
    // The rate by the program's own clock, so that its start-up is not counted.
    const once = () => {
      const [n, secs] = execFileSync(exe, [quick ? "5000" : "20000"], { encoding: "utf8" })
        .trim()
        .split(" ")
        .map(Number);
      return (n as number) / (secs as number);
    };
    once();
    return sampleOf("real pthread_create+join", "ops/s", Array.from({ length: runs }, once));
  } catch (e) {
    process.stderr.write(`bench: native pthread benchmark skipped (${e instanceof Error ? e.message : String(e)})\n`);
    return null;
  }
}

const samples: Sample[] = [];
const progress = (s: string) => process.stderr.isTTY && process.stderr.write(`bench: ${s}…\n`);
progress("kthread-cycle, tracing off");
samples.push(kthreadCycleRate("kthread-cycle", false));
progress("kthread-cycle, every event into the ring buffer");
samples.push(kthreadCycleRate("kthread-cycle-traced", true));
progress("kthread-worker-queue");
samples.push(workerQueueRate());
progress("real pthread");
const native = nativePthread();
if (native) samples.push({ ...native, median: native.median, unit: "ops/s" });
progress("heap per task");
samples.push(heapPerTask(quick ? 2_000 : 10_000));

if (args.has("--json")) {
  process.stdout.write(`${JSON.stringify(samples, null, 2)}\n`);
} else {
  process.stdout.write(`${formatTable(samples)}\n`);
  if (native) {
    const off = (samples[0] as Sample).median / native.median;
    const on = (samples[1] as Sample).median / native.median;
    process.stdout.write(
      `\nmodel / real pthread_create+join: kthread-cycle ${off.toFixed(2)}×, kthread-cycle-traced ${on.toFixed(2)}×\n`,
    );
  }
}
