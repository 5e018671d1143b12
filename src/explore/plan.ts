/**
 * The explorer's plan: its options, and the work of one shard cut into jobs in a fixed
 * order. For dfs, one pass per number of preemptions (iterative context bounding), each
 * the subtrees under the children of the default run; for sampling, batches of run
 * indices. A shard I/N takes the jobs (dfs) or runs (sampling) whose index is I modulo N.
 * Also the exploration itself, pass by pass, with the jobs run by a `PassRunner`: on this
 * thread (`runHere`) or on a pool (explore.ts). No Node API: the visualizer's worker uses it.
 */
import { childrenOf, type DfsBounds, ROOT } from "./dfs.js";
import type { Sampler, Shape } from "./sampling.js";
import { type Outcome, picksScript, runSchedule, type Target } from "./schedule.js";
import { addOutcome, emptyStats, mergeStats, type Stats } from "./stats.js";
import { type Job, runJob } from "./task.js";

export type Strategy = "dfs" | "dpor" | "stateful" | Sampler;

export interface ExploreOptions {
  strategy: Strategy;
  /** Sampling: how many runs (over all shards). */
  runs: number;
  /** pct: the bug depth d; dfs: deviate only within the first `depth` choice points. */
  depth: number;
  /** dfs, stateful: at most this many preemptions per schedule (stateful: Infinity, unbounded). */
  preemptions: number;
  /** Sampling: the seed of the runs' PRNGs. */
  seed: number;
  /** dfs, dpor: skip schedules equivalent by commuting a step that touches no shared state. */
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
  if (o.strategy === "stateful") {
    // One job a shard: its states share one visited set (the shard's split is made inside).
    return { root: def, jobs: [{ kind: "stateful", target: t, preemptions: o.preemptions, shard: o.shard }] };
  }
  if (o.strategy === "dpor") {
    // One job: a race found in one schedule adds schedules under any node of the walk (dpor.ts).
    const bounds: DfsBounds = { preemptions: o.preemptions, depth: o.depth, reduce: o.reduce };
    return { root: def, jobs: [{ kind: "dpor", target: t, bounds }] };
  }
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

/** How far an exploration is (the caller, which owns a clock, adds the time). */
export interface Progress {
  schedules: number;
  jobsDone: number;
  jobs: number;
}

export interface ExploreResult {
  target: Target;
  options: ExploreOptions;
  stats: Stats;
}

/** Runs one pass's jobs into `stats`: here (runHere) or on a pool (explore.ts). */
export type PassRunner = (
  jobs: readonly Job[],
  stats: Stats,
  progress: (done: number, extra: number) => void,
) => void | Promise<void>;

/** The exploration: pass after pass, fewest preemptions first, until a violation. */
export async function explorePasses(
  t: Target,
  o: ExploreOptions,
  runPass: PassRunner,
  onProgress: (p: Progress) => void = () => {},
): Promise<ExploreResult> {
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
    onProgress({ schedules: stats.schedules + extra, jobsDone: done, jobs: jobs.length });
  // One pass after the other: a violation with fewer preemptions is found first.
  let done = 0;
  for (const pass of passes) {
    if (stats.counterexample !== null) break;
    await runPass(pass, stats, (d, extra) => progress(done + d, extra));
    done += pass.length;
  }
  return { target: t, options: o, stats };
}

/** Within a job, progress is reported every this many schedules. */
const PROGRESS_EVERY = 100;

/** Runs a pass's jobs one after the other on this thread, stopping at a violation. */
export function runHere(jobs: readonly Job[], stats: Stats, progress: (done: number, extra: number) => void): void {
  for (let j = 0; j < jobs.length; j++) {
    const s = runJob(jobs[j] as Job, (partial) => {
      if (partial.schedules % PROGRESS_EVERY === 0) progress(j, partial.schedules);
    });
    mergeStats(stats, s);
    progress(j + 1, 0);
    if (stats.counterexample !== null) return;
  }
}
