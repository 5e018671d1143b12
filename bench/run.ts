/**
 * `npm run bench`: tasklab's benchmarks, with the real kernel's equivalent measured in the
 * same run where one exists (bench/native, built with gcc at bench time); model rows that
 * have one carry the ratio model / real. `--json` prints the samples as JSON; `--quick` does
 * fewer runs and shorter loops.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeName } from "../src/build/runtime.mjs";
import { IS_ERR } from "../src/linux/include/err.js";
import {
  kthread_destroy_worker,
  kthread_flush_work,
  kthread_init_work,
  kthread_queue_work,
  kthread_run_worker,
} from "../src/linux/kernel/kthread_worker.js";
import { Machine } from "../src/machine.js";
import { bootTime } from "./boot.js";
import { browserHeapPerTask } from "./browser-heap.js";
import { callCost, cycleCalls, cycleFloorNs, framesCallCost } from "./calls.js";
import { kthreadCycleMachine } from "./cycle.js";
import { exploreRate, scheduleCounts, statefulRate } from "./explore.js";
import { compared, formatTable, measureRate, type Sample, sampleOf } from "./harness.js";
import { liveTasks } from "./live.js";
import { reverseStepCost } from "./reverse.js";
import { snapshotCost } from "./snapshot.js";
import { cliStart } from "./start.js";
import { loadStateCost } from "./state.js";
import { runUserBench, type UserBench } from "./user.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const runs = quick ? 3 : 7;
/** The loop lengths of the fork-wait and vfork-exec rows (with replay, their cost per iteration grows with the length). */
const REPLAY_LENGTHS = [200, 1_000, 3_000];

/** A rate sample of `n` operations per run, with `bootSeconds` of each run taken out. */
function lessBoot(s: Sample, n: number, bootSeconds: number): Sample {
  const perRun = (r: number) => n / (n / r - bootSeconds);
  return { ...s, median: perRun(s.median), min: perRun(s.min), max: perRun(s.max) };
}

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
  return lessBoot(
    measureRate(name, () => kthreadCycles(n, events), runs),
    n,
    1 / boot.median,
  );
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
  return lessBoot(
    measureRate("kthread-worker-queue", () => runFor(n), runs),
    n,
    1 / boot.median,
  );
}

/** Where the native programs are built, once per run; removed when the run ends. */
let nativeDir: string | null = null;

/** Builds bench/native/<program>.c with gcc -O2 (and `flags`); returns the executable's path. */
function buildNative(program: string, flags: readonly string[]): string {
  if (nativeDir === null) {
    const dir = mkdtempSync(join(tmpdir(), "tasklab-bench-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    nativeDir = dir;
  }
  const exe = join(nativeDir, program);
  execFileSync("gcc", ["-O2", ...flags, "-o", exe, new URL(`native/${program}.c`, import.meta.url).pathname]);
  return exe;
}

/**
 * The real kernel on this machine: bench/native/<program>.c doing `n` iterations, run once
 * to warm up and then `runs` times; each rate by the program's own clock, so that its
 * start-up is not counted. Null (and a note on stderr) if it cannot be built or run.
 */
function native(name: string, program: string, n: number, flags: readonly string[] = []): Sample | null {
  try {
    const exe = buildNative(program, flags);
    const once = () => {
      const [ops, secs] = execFileSync(exe, [String(n)], { encoding: "utf8" })
        .trim()
        .split(" ")
        .map(Number);
      return (ops as number) / (secs as number);
    };
    once();
    return sampleOf(name, "ops/s", Array.from({ length: runs }, once));
  } catch (e) {
    process.stderr.write(`bench: native ${program} skipped (${e instanceof Error ? e.message : String(e)})\n`);
    return null;
  }
}

/**
 * Iterations per second of a user program's loop (bench/user.ts), in host wall time: the
 * machine with a 0-iteration program (boot, the program's spawn, exec, start-up and exit)
 * is measured apart and its time removed. Compared with `real`, measured in the same run.
 * Also the modeled time per iteration (the machine's clock, the same removal; deterministic).
 */
function userRate(bench: UserBench, n: number, real: Sample | null, name: string = bench): Sample {
  let modeled = 0;
  const runFor = (k: number) => {
    modeled = runUserBench(bench, k).engine.now();
    return Math.max(k, 1);
  };
  const boot = measureRate("boot", () => runFor(0), runs);
  const modeledBoot = modeled;
  const s = lessBoot(
    measureRate(name, () => runFor(n), runs),
    n,
    1 / boot.median,
  );
  return compared({ ...s, modeledNsPerOp: (modeled - modeledBoot) / n }, real);
}

const samples: Sample[] = [];
const progress = (s: string) => process.stderr.isTTY && process.stderr.write(`bench: ${s}…\n`);
progress("kthread-cycle, tracing off");
samples.push(kthreadCycleRate("kthread-cycle", false));
progress("kthread-cycle, every event into the ring buffer");
samples.push(kthreadCycleRate("kthread-cycle-traced", true));
progress("modeled calls");
const callLoop = quick ? 200_000 : 1_000_000;
const callCosts = {
  kfunc: callCost("kfunc", callLoop, runs),
  kleaf: callCost("kleaf", callLoop, runs),
  ksync: callCost("ksync", callLoop, runs),
};
const framesCall = framesCallCost(callLoop, runs);
samples.push(callCosts.kfunc, framesCall, callCosts.kleaf, callCosts.ksync);
const perCycle = cycleCalls();
progress("kthread-worker-queue");
samples.push(workerQueueRate());
progress("real pthread_create+join");
const realPthread = native("real pthread_create+join", "pthread_cycle", quick ? 5_000 : 20_000, ["-pthread"]);
if (realPthread) {
  samples.push(realPthread);
  // The kthread cycle's nearest real equivalent is the thread cycle too.
  for (const i of [0, 1]) samples[i] = compared(samples[i] as Sample, realPthread);
}
progress("pthread-cycle (user program)");
samples.push(userRate("pthread-cycle", quick ? 2_000 : 10_000, realPthread));
// fork and vfork children continue a copy of the parent's program frames (frame runtime), or
// under TASKLAB_RUNTIME=generators are rebuilt by replaying it up to the clone, so the i-th
// child costs O(i): the loop is measured at several lengths to show which.
progress("real fork+_exit+waitpid");
const realFork = native("real fork+_exit+waitpid", "fork_wait", quick ? 2_000 : 5_000);
if (realFork) samples.push(realFork);
for (const n of REPLAY_LENGTHS) {
  progress(`fork-wait, ${n} iterations (user program)`);
  samples.push(userRate("fork-wait", n, realFork, `fork-wait (n=${n})`));
}
progress("real vfork+execve+waitpid");
const realVfork = native("real vfork+execve(/bin/true)+waitpid", "vfork_exec", quick ? 500 : 2_000);
if (realVfork) samples.push(realVfork);
for (const n of REPLAY_LENGTHS) {
  progress(`vfork-exec, ${n} iterations (user program)`);
  samples.push(userRate("vfork-exec", n, realVfork, `vfork-exec (n=${n})`));
}
// live-tasks: N sleeping kthreads (1e6 with --full: a ~5 GB heap, so --max-old-space-size=12000).
liveTasks(1_000); // warm-up
for (const n of [1_000, 10_000, 100_000, ...(args.has("--full") ? [1_000_000] : [])]) {
  if (quick && n > 10_000) break;
  progress(`live-tasks, ${n}`);
  const r = liveTasks(n);
  samples.push(sampleOf(`live-tasks (${n}): creation rate`, "tasks/s", [r.rate]));
  samples.push(sampleOf(`live-tasks (${n}): heap per task`, "bytes", [r.bytesPerTask]));
}
// The same figure under a pointer-compressed V8: the model as the visualizer's worker runs it.
progress("live-tasks, 10000, in Chromium");
const inBrowser = await browserHeapPerTask(10_000);
if (typeof inBrowser === "string") process.stderr.write(`bench: no Chromium heap row: ${inBrowser}\n`);
else samples.push(sampleOf("live-tasks (10000): heap per task, Chromium", "bytes", [inBrowser]));
progress("snapshot, restore and hash: booted and explorer's 2-CPU machines");
const snap = snapshotCost(runs, quick ? 50 : 200);
if (typeof snap === "string") process.stderr.write(`bench: no snapshot rows: ${snap}\n`);
else samples.push(...snap);
progress("load state, booted 2-CPU machine");
const loaded = loadStateCost(quick ? 10 : 30);
if (typeof loaded === "string") process.stderr.write(`bench: no load-state row: ${loaded}\n`);
else samples.push(loaded);
const back = reverseStepCost(runs);
if (typeof back === "string") process.stderr.write(`bench: no reverse-step row: ${back}\n`);
else samples.push(back.sample);
for (const cpus of [2, 64, 256, 1024]) {
  progress(`boot-${cpus}`);
  samples.push(bootTime(cpus, quick || cpus >= 256 ? 3 : 5));
}
for (const workers of [1, 2]) {
  progress(`explore-kthread, ${workers} worker(s)`);
  samples.push(await exploreRate(workers, quick ? 1 : 3));
}
progress("explore-kthread stateful");
samples.push(await statefulRate(quick ? 1 : 3));
progress("explore-kthread schedules: dfs, sleep sets, dpor");
samples.push(...(await scheduleCounts()));
progress("cli-start");
samples.push(...(cliStart(quick ? 3 : 7) ?? []));

if (args.has("--json")) {
  process.stdout.write(`${JSON.stringify(samples, null, 2)}\n`);
} else {
  process.stdout.write(`${formatTable(samples)}\n`);
  if (realPthread) {
    const off = (samples[0] as Sample).median / realPthread.median;
    const on = (samples[1] as Sample).median / realPthread.median;
    process.stdout.write(
      `\nmodel / real pthread_create+join: kthread-cycle ${off.toFixed(2)}×, kthread-cycle-traced ${on.toFixed(2)}×\n`,
    );
    // The floor: a cycle's modeled calls alone, at the cost of an empty call of each kind.
    const floor = cycleFloorNs(perCycle, callCosts);
    const f = (x: number) => x.toFixed(1);
    process.stdout.write(
      `kthread-cycle's floor: ${f(perCycle.kfunc)} kfunc + ${f(perCycle.kleaf)} kleaf + ${f(perCycle.ksync)} ksync calls a cycle = ` +
        `${(floor / 1000).toFixed(2)} µs, at most ${Math.round(1e9 / floor).toLocaleString("en-US")} cycles/s = ` +
        `${(1e9 / floor / realPthread.median).toFixed(2)}× the real pthread cycle with nothing else done\n`,
    );
  }
  process.stdout.write(
    `modeled call, kfunc compiled to frames / kfunc as loaded (${runtimeName()}): ` +
      `${(framesCall.median / callCosts.kfunc.median).toFixed(2)}× the time\n`,
  );
  // What the model says these operations take, by its own clock and cost table, next to the
  // real time: the same at every loop length (replay costs the machine no modeled time).
  const us = (ns: number) => (ns / 1000).toFixed(ns < 10_000 ? 1 : 0);
  const lines = new Set<string>();
  for (const s of samples) {
    if (s.modeledNsPerOp === undefined) continue;
    const real = s.vs === undefined ? "" : ` (real ${us(1e9 / s.vs.median)} µs)`;
    lines.add(`  ${s.name.replace(/ \(n=\d+\)$/, "")}: ${us(s.modeledNsPerOp)} µs${real}`);
  }
  process.stdout.write(
    `\nmodeled time per iteration (the machine's own clock, boot removed; real: 1 / the real row's median):\n${[...lines].join("\n")}\n`,
  );
}
