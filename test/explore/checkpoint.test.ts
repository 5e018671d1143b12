/**
 * Runs from the boot snapshot and from checkpoints are the runs from power-on: for random
 * scripts over the explorer's scenarios and mutants, the same choices (kinds, alternatives,
 * sites, locality), steps, terminal state and violation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Checkpoint, runFrom } from "../../src/explore/checkpoint.js";
import {
  type Choice,
  outcomeOf,
  runSchedule,
  type Script,
  scheduleOptions,
  type Target,
  targetScenario,
} from "../../src/explore/schedule.js";
import { runScenario } from "../../src/run.js";
import { createPrng } from "../../src/sim/prng.js";

const CASES: [string, string | null][] = [
  ["kthread-creator-killed-any", null],
  ["kthread-creator-killed-any-fault", null],
  ["kthread-creator-killed-any-enomem", "kthreadd-free-unchecked"],
  ["kthread-creator-killed-any", "split-xchg"],
  ["kthread-creator-killed-any", "wake-before-queue"],
  ["kthread-enomem", null],
];

/** A script that deviates at about one choice in `every`, drawn from `seed` (made afresh for each run). */
function randomScript(seed: number, every: number): () => Script {
  return () => {
    const rng = createPrng(seed);
    return (_i, _kind, n) => (rng.below(every) === 0 ? rng.below(n) : 0);
  };
}

function fromPowerOn(t: Target, script: Script) {
  const choices: Choice[] = [];
  return outcomeOf(runScenario(targetScenario(t), scheduleOptions(t, script, choices, false)), choices);
}

const arb = fc.record({
  c: fc.integer({ min: 0, max: CASES.length - 1 }),
  cpus: fc.integer({ min: 2, max: 4 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  every: fc.integer({ min: 2, max: 40 }),
});

describe("runs that start from snapshots", () => {
  it("from the boot snapshot: the run from power-on", () => {
    fc.assert(
      fc.property(arb, ({ c, cpus, seed, every }) => {
        const [scenario, mutant] = CASES[c] as [string, string | null];
        const t: Target = { scenario, cpus, seed: 1, mutant };
        const script = randomScript(seed, every);
        expect(runSchedule(t, script()).outcome).toEqual(fromPowerOn(t, script()));
      }),
      { numRuns: 30 },
    );
  }, 240_000);

  it("from a parent run's checkpoint: the run from power-on", () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 200 }), ({ c, cpus, seed, every }, at) => {
        const [scenario, mutant] = CASES[c] as [string, string | null];
        const t: Target = { scenario, cpus, seed: 1, mutant };
        // The parent: the default run, keeping checkpoints; the child deviates at choice `at`.
        const parent = runFrom(t, () => 0, [], 0);
        const n = parent.outcome.choices.length;
        const i = at % Math.max(n, 1);
        const rest = randomScript(seed, every);
        const child = (): Script => {
          const r = rest();
          return (k, kind, m) => (k < i ? 0 : k === i ? 1 : r(k, kind, m));
        };
        const from: readonly Checkpoint[] = parent.checkpoints.filter((p) => p.at <= i);
        expect(runFrom(t, child(), from, -1).outcome).toEqual(fromPowerOn(t, child()));
      }),
      { numRuns: 30 },
    );
  }, 240_000);
});
