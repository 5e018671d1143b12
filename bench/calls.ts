/**
 * modeled-call: what one call of a modeled function costs the host, by kind (a kfunc
 * generator with its frame, a kleaf plain function with its frame, a ksync inside a critical
 * section), each with an empty body, called in a loop by a task that has its CPU to itself
 * (so every cost is spent in place, the cheapest case). With the number of calls of each
 * kind in one kthread cycle, it gives the cycle's floor: what the calls alone cost, whatever
 * the model does besides.
 */

import { transformFrames } from "../src/build/frames-transform.mjs";
import { Machine } from "../src/machine.js";
import type { KGen } from "../src/sim/engine.js";
import { type FunctionKind, functionKind, kfunc, kleaf, ksync } from "../src/sim/functions.js";
import { kthreadCycleMachine } from "./cycle.js";
import { type Sample, sampleOf } from "./harness.js";

const bench_kfunc = kfunc(function* bench_kfunc(): KGen<number> {
  return 1;
});
const bench_kleaf = kleaf(function bench_kleaf(): number {
  return 1;
});
const bench_ksync = ksync(function bench_ksync(): number {
  return 1;
});

/** `n` calls of an empty function of each kind, from a task's code. */
const LOOPS: Record<FunctionKind, (n: number) => KGen<number>> = {
  *kfunc(n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* bench_kfunc();
    return sum;
  },
  *kleaf(n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* bench_kleaf();
    return sum;
  },
  *ksync(n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += bench_ksync();
    return sum;
  },
};

/** Nanoseconds per call of an empty modeled function of `kind`: median of `runs` loops of `n` calls. */
export function callCost(kind: FunctionKind, n: number, runs: number): Sample {
  return loopCost(`modeled call: ${kind}`, LOOPS[kind], n, runs);
}

/**
 * The kfunc loop again, compiled to frames by the frames transform here (whichever runtime
 * loaded this module), so one run measures both: an empty kfunc called from a kfunc.
 */
const FRAMES_LOOP = `function make(kfunc) {
  const bench_kfunc_frame = kfunc(function* bench_kfunc_frame() { return 1; });
  return kfunc(function* bench_kfunc_frame_loop(n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* bench_kfunc_frame();
    return sum;
  });
}`;

let framesLoop: ((n: number) => KGen<number>) | null = null;

export function framesCallCost(n: number, runs: number): Sample {
  // Compiled once, as the generator loop is defined once: new classes each time would be
  // measured cold.
  if (framesLoop === null) {
    const code = transformFrames(FRAMES_LOOP, "bench/calls.ts#frames")?.code as string;
    const make = new Function(`${code}\nreturn make;`)() as (k: typeof kfunc) => (n: number) => KGen<number>;
    framesLoop = make(kfunc);
  }
  return loopCost("modeled call: kfunc, compiled frames", framesLoop, n, runs);
}

function loopCost(name: string, loop: (n: number) => KGen<number>, n: number, runs: number): Sample {
  const once = () => {
    let ns = 0;
    const m = new Machine({
      cpus: 2,
      events: [],
      init: function* () {
        const t0 = performance.now();
        if ((yield* loop(n)) !== n) throw new Error("modeled-call: a call went missing");
        ns = ((performance.now() - t0) * 1e6) / n;
      },
    });
    if (m.run({ maxSteps: 1e12 }) !== "idle") throw new Error("modeled-call machine did not finish");
    return ns;
  };
  once();
  return sampleOf(name, "ns/call", Array.from({ length: runs }, once));
}

/** How many modeled calls of each kind one kthread cycle makes (the boot's taken out). */
export function cycleCalls(): Record<FunctionKind, number> {
  const count = (cycles: number) => {
    const n: Record<FunctionKind, number> = { kfunc: 0, kleaf: 0, ksync: 0 };
    const m = kthreadCycleMachine(cycles, false);
    m.engine.onEnter = (_t, id) => {
      const k = functionKind(id);
      if (k !== undefined) n[k]++;
    };
    if (m.run({ maxSteps: 1e9 }) !== "idle") throw new Error("kthread-cycle machine did not finish");
    return n;
  };
  const cycles = 1_000;
  const all = count(cycles);
  const boot = count(0);
  return {
    kfunc: (all.kfunc - boot.kfunc) / cycles,
    kleaf: (all.kleaf - boot.kleaf) / cycles,
    ksync: (all.ksync - boot.ksync) / cycles,
  };
}

/** The floor of a kthread cycle in ns: its calls at the measured cost of each kind. */
export function cycleFloorNs(calls: Record<FunctionKind, number>, costs: Record<FunctionKind, Sample>): number {
  return calls.kfunc * costs.kfunc.median + calls.kleaf * costs.kleaf.median + calls.ksync * costs.ksync.median;
}
