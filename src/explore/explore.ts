/**
 * The explorer: runs a scenario again and again under the chooser, systematically (dfs) or
 * by sampling (random, pct), on this thread or a pool of worker threads, over all of the
 * work or one shard of it; stops at the first violation and minimizes it.
 *
 * Work is cut into jobs in a fixed order: for dfs, the subtrees under each child of the
 * default run; for sampling, batches of run indices. A shard I/N takes the jobs (dfs) or
 * runs (sampling) whose index is I modulo N, so shards are disjoint and together are the
 * whole; shard 0 also counts the default run. Which violation is reported does not depend
 * on the number of workers: the one first in job order.
 */
import { Piscina } from "piscina";
import { childrenOf, type DfsBounds, ROOT } from "./dfs.js";
import { type Minimized, minimize } from "./minimize.js";
import type { Sampler, Shape } from "./sampling.js";
import { type Outcome, picksScript, runSchedule, type Target } from "./schedule.js";
import { addOutcome, emptyStats, mergeStats, type Stats, type StatsJson, statsFromJson } from "./stats.js";
import { type Job, runJob } from "./task.js";

export type Strategy = "dfs" | Sampler;

export interface ExploreOptions {
  strategy: Strategy;
  /** Sampling: how many runs (over all shards). */
  runs: number;
  /** pct: the bug depth d; dfs: deviate only within the first `depth` choice points. */
  depth: number;
  /** dfs: at most this many preemptions per schedule. */
  preemptions: number;
  /** Sampling: the seed of the runs' PRNGs. */
  seed: number;
  /** dfs: skip schedules equivalent by commuting a step that touches no shared state. */
  reduce: boolean;
  /** Worker threads (1: this thread). */
  workers: number;
  shard: { index: number; count: number };
}

export const EXPLORE_DEFAULTS: ExploreOptions = {
  strategy: "dfs",
  runs: 1000,
  depth: Number.POSITIVE_INFINITY,
  preemptions: 2,
  seed: 1,
  reduce: true,
  workers: 1,
  shard: { index: 0, count: 1 },
};

export interface Progress {
  schedules: number;
  jobsDone: number;
  jobs: number;
  elapsedMs: number;
}

export interface ExploreResult {
  target: Target;
  options: ExploreOptions;
  stats: Stats;
  elapsedMs: number;
}

/** Jobs for sampling: batches of run indices of this shard. */
function sampleJobs(t: Target, o: ExploreOptions, shape: Shape): Job[] {
  const mine: number[] = [];
  for (let i = o.shard.index; i < o.runs; i += o.shard.count) mine.push(i);
  const batch = 25;
  const jobs: Job[] = [];
  for (let i = 0; i < mine.length; i += batch) {
    const depth = Number.isFinite(o.depth) ? o.depth : 3;
    jobs.push({
      kind: "sample",
      target: t,
      sampler: o.strategy as Sampler,
      seed: o.seed,
      depth,
      shape,
      runs: mine.slice(i, i + batch),
    });
  }
  return jobs;
}

/**
 * The work of this shard, in job order, and the default run (the dfs root, counted by
 * shard 0; the shape the samplers draw from). For dfs, pass `pass` of iterative context
 * bounding: the schedules with exactly `pass` preemptions.
 */
export function planJobs(
  t: Target,
  o: ExploreOptions,
  pass = o.preemptions,
  root?: Outcome,
): { root: Outcome; jobs: Job[] } {
  const def = root ?? runSchedule(t, picksScript(new Map())).outcome;
  if (o.strategy !== "dfs") {
    const shape: Shape = {
      cpuOrderPoints: def.choices.filter((c) => c.kind === "cpu_order").length,
      signalPoints: def.choices.filter((c) => c.kind === "signal").length,
      faultPoints: def.choices.filter((c) => c.kind === "fault").length,
    };
    return { root: def, jobs: sampleJobs(t, o, shape) };
  }
  const bounds: DfsBounds = { preemptions: pass, depth: o.depth, reduce: o.reduce };
  const jobs = childrenOf(ROOT, def, bounds)
    .map((node, order): Job => ({ kind: "dfs", target: t, node, bounds, order }))
    .filter((_, j) => j % o.shard.count === o.shard.index);
  return { root: def, jobs };
}

export async function explore(
  t: Target,
  o: ExploreOptions,
  onProgress: (p: Progress) => void = () => {},
): Promise<ExploreResult> {
  const start = performance.now();
  const stats = emptyStats();
  const plan = planJobs(t, o, 0);
  const passes: Job[][] = [plan.jobs];
  if (o.strategy === "dfs") {
    if (o.shard.index === 0) {
      addOutcome(stats, plan.root, -1);
      if (plan.root.violation !== null)
        stats.counterexample = { picks: [], violation: plan.root.violation, order: [-1] };
    }
    for (let k = 1; k <= o.preemptions; k++) passes.push(planJobs(t, o, k, plan.root).jobs);
  }
  const jobs = passes.flat();
  const progress = (done: number, extra: number) =>
    onProgress({
      schedules: stats.schedules + extra,
      jobsDone: done,
      jobs: jobs.length,
      elapsedMs: performance.now() - start,
    });
  // One pass after the other: a violation with fewer preemptions is found first.
  let done = 0;
  for (const pass of passes) {
    if (stats.counterexample !== null) break;
    if (o.workers <= 1) runHere(pass, stats, (d, extra) => progress(done + d, extra));
    else await runPooled(pass, stats, o.workers, (d, extra) => progress(done + d, extra));
    done += pass.length;
  }
  return { target: t, options: o, stats, elapsedMs: performance.now() - start };
}

function runHere(jobs: readonly Job[], stats: Stats, progress: (done: number, extra: number) => void): void {
  let last = 0;
  for (let j = 0; j < jobs.length; j++) {
    const s = runJob(jobs[j] as Job, (partial) => {
      const now = performance.now();
      if (now - last > 200) {
        last = now;
        progress(j, partial.schedules);
      }
    });
    mergeStats(stats, s);
    progress(j + 1, 0);
    if (stats.counterexample !== null) return;
  }
}

/**
 * The same jobs on a pool of worker threads (piscina). Once a job finds a violation, jobs
 * after it that have not started are cancelled; jobs before it still finish, so the
 * violation kept is the first in job order, as on one thread.
 */
async function runPooled(
  jobs: readonly Job[],
  stats: Stats,
  workers: number,
  progress: (done: number, extra: number) => void,
): Promise<void> {
  const pool = new Piscina({
    filename: new URL("./task-entry.mjs", import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  let firstBad = Number.POSITIVE_INFINITY;
  let done = 0;
  const aborts = jobs.map(() => new AbortController());
  try {
    await Promise.all(
      jobs.map(async (job, j) => {
        let json: StatsJson;
        try {
          json = (await pool.run(job, { signal: (aborts[j] as AbortController).signal })) as StatsJson;
        } catch (e) {
          if (j > firstBad) return; // cancelled: after the violation
          throw e;
        }
        if (j > firstBad) return;
        const s = statsFromJson(json);
        mergeStats(stats, s);
        if (s.counterexample !== null && j < firstBad) {
          firstBad = j;
          for (let k = j + 1; k < jobs.length; k++) (aborts[k] as AbortController).abort();
        }
        progress(++done, 0);
      }),
    );
  } finally {
    await pool.destroy();
  }
}

/** Minimizes the exploration's counterexample (if any). */
export function minimizeResult(r: ExploreResult): Minimized | null {
  const c = r.stats.counterexample;
  return c === null ? null : minimize(r.target, c.picks, c.violation.kind);
}
