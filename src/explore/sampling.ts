/**
 * Randomized exploration: each run's choices come from a PRNG seeded by (seed, run index),
 * so any run can be repeated alone, and runs split into shards by index.
 *
 * - random: every scheduling choice uniformly at random.
 * - pct: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 *   ASPLOS 2010). Each task gets a random priority, distinct, all above `depth`; at every
 *   point where several CPUs could step, the one whose task has the highest priority steps.
 *   `depth - 1` change points are drawn uniformly among the first `k` such points (k: how many
 *   the default run has); at the i-th, the task that would step drops to priority i. A bug
 *   that needs `depth` ordering constraints among n tasks and k points is found by one run with
 *   probability at least 1 / (n k^(depth-1)).
 *
 * In both, an injected signal goes out at one step drawn uniformly among the signal choice
 * points of the default run (or never, one chance in that many plus one), an injectable
 * allocation failure likewise among the fault points, and the kernel's own ties take
 * alternative 0.
 */
import type { ChoiceKind } from "../sim/chooser.js";
import { activeEngine } from "../sim/engine.js";
import { createPrng, type Prng } from "../sim/prng.js";
import type { Script } from "./schedule.js";

export type Sampler = "random" | "pct";

/** What the default run looked like: how many points of each kind it met. */
export interface Shape {
  cpuOrderPoints: number;
  signalPoints: number;
  faultPoints: number;
}

/** The PRNG of run `index`: independent of every other run and of how runs are split. */
export function runPrng(seed: number, index: number): Prng {
  return createPrng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

/** The script of run `index`. */
export function samplingScript(kind: Sampler, seed: number, index: number, depth: number, shape: Shape): Script {
  const rng = runPrng(seed, index);
  const signalAt = rng.below(shape.signalPoints + 1);
  const faultAt = shape.faultPoints > 0 ? rng.below(shape.faultPoints + 1) : -1;
  let signals = 0;
  let faults = 0;
  const schedule = kind === "random" ? randomPick(rng) : pctPick(rng, depth, shape.cpuOrderPoints);
  return (_i: number, k: ChoiceKind, n: number) => {
    if (k === "signal") return signals++ === signalAt ? 1 : 0;
    if (k === "fault") return faults++ === faultAt ? 1 : 0;
    if (k === "cpu_order") return schedule(n);
    return k === "wake_cpu" ? 0 : kind === "random" ? rng.below(n) : 0;
  };
}

function randomPick(rng: Prng): (n: number) => number {
  return (n) => rng.below(n);
}

function pctPick(rng: Prng, depth: number, k: number): (n: number) => number {
  const prio = new Map<number, number>();
  const change: number[] = [];
  for (let i = 1; i < depth; i++) change.push(rng.below(Math.max(1, k)));
  let point = 0;
  const priority = (thread: number): number => {
    let p = prio.get(thread);
    if (p === undefined) {
      // Distinct and above every change-point priority: random high bits, the id below.
      p = depth + (rng.below(1 << 20) << 10) + (thread & 0x3ff);
      prio.set(thread, p);
    }
    return p;
  };
  return (n) => {
    const cands = activeEngine().candidates;
    const best = (): number => {
      let b = 0;
      for (let j = 1; j < n; j++) {
        if (priority(cands[j]?.curr?.id ?? -1) > priority(cands[b]?.curr?.id ?? -1)) b = j;
      }
      return b;
    };
    let pick = best();
    for (let i = 0; i < change.length; i++) {
      if (change[i] !== point) continue;
      prio.set(cands[pick]?.curr?.id ?? -1, i + 1); // the i-th change point: drop below everyone
      pick = best();
    }
    point++;
    return pick;
  };
}
