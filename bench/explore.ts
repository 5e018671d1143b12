/**
 * explore-kthread: schedules per second of the explorer on the creator-killed scenario
 * (creator + kthreadd + new thread, a SIGKILL at every step), dfs with at most two
 * preemptions (~80,000 schedules), on this thread and on a pool of worker threads (their
 * start-up included, as in a `tasklab explore --workers N` run). explore-kthread stateful:
 * distinct states per second of the stateful search of the same scenario with no preemption
 * (2,173 states: every signal step and fork placement, each state copied and hashed).
 * explore-kthread schedules: how many schedules dfs (no reduction), dfs with its sleep sets
 * and DPOR run within one preemption (counts, the same on every machine; DPOR's time too).
 */
import { EXPLORE_DEFAULTS, explore } from "../src/explore/explore.js";
import { type Sample, sampleOf } from "./harness.js";

export async function exploreRate(workers: number, runs: number): Promise<Sample> {
  const target = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: null };
  const once = async () => {
    const t0 = performance.now();
    const r = await explore(target, { ...EXPLORE_DEFAULTS, preemptions: 2, workers });
    const ms = performance.now() - t0;
    if (r.stats.counterexample !== null) throw new Error("explore-kthread found a violation");
    return (r.stats.schedules * 1000) / ms;
  };
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) rates.push(await once());
  return sampleOf(`explore-kthread (${workers} worker${workers === 1 ? "" : "s"})`, "schedules/s", rates);
}

export async function statefulRate(runs: number): Promise<Sample> {
  const target = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: null };
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await explore(target, { ...EXPLORE_DEFAULTS, strategy: "stateful", preemptions: 0 });
    const ms = performance.now() - t0;
    const g = r.stats.graph;
    if (r.stats.counterexample !== null || g === null || !g.complete)
      throw new Error("explore-kthread stateful did not end cleanly");
    rates.push((g.visited.size * 1000) / ms);
  }
  return sampleOf("explore-kthread stateful", "states/s", rates);
}

/** The schedules of the same exploration within one preemption: plain dfs, dfs with sleep sets, DPOR. */
export async function scheduleCounts(): Promise<Sample[]> {
  const target = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: null };
  const rows: Sample[] = [];
  for (const [name, strategy, reduce] of [
    ["dfs, no reduction", "dfs", false],
    ["dfs, sleep sets", "dfs", true],
    ["dpor", "dpor", true],
  ] as const) {
    const t0 = performance.now();
    const r = await explore(target, { ...EXPLORE_DEFAULTS, strategy, reduce, preemptions: 1 });
    const ms = performance.now() - t0;
    if (r.stats.counterexample !== null) throw new Error("explore-kthread found a violation");
    rows.push(sampleOf(`explore-kthread schedules, 1 preemption: ${name}`, "schedules", [r.stats.schedules]));
    rows.push(
      sampleOf(`explore-kthread schedules, 1 preemption: ${name}`, "schedules/s", [(r.stats.schedules * 1000) / ms]),
    );
  }
  return rows;
}
