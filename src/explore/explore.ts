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
import { type Minimized, minimize } from "./minimize.js";
import {
  type ExploreOptions,
  type ExploreResult,
  explorePasses,
  type PassRunner,
  type Progress,
  runHere,
} from "./plan.js";
import type { Target } from "./schedule.js";
import { mergeStats, type Stats, type StatsJson, statsFromJson } from "./stats.js";
import type { Job } from "./task.js";

export {
  EXPLORE_DEFAULTS,
  type ExploreOptions,
  type ExploreResult,
  type Progress,
  planJobs,
  type Strategy,
} from "./plan.js";

/**
 * Explores `t`. With workers, each task and run in the pool adds one to `beat[0]`, which is
 * 0 while a pass's pool starts (a shared counter: the thread that waits for the pool can
 * tell a busy or starting pool from a hung one).
 */
export async function explore(
  t: Target,
  o: ExploreOptions,
  onProgress: (p: Progress) => void = () => {},
  beat?: Int32Array,
): Promise<ExploreResult> {
  const pass: PassRunner =
    o.workers <= 1 ? runHere : (jobs, stats, progress) => runPooled(jobs, stats, o.workers, progress, beat);
  return explorePasses(t, o, pass, onProgress);
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
  beat: Int32Array | undefined,
): Promise<void> {
  if (beat !== undefined) Atomics.store(beat, 0, 0); // 0 until a worker of this pass's pool has loaded
  const pool = new Piscina({
    filename: new URL("./task-entry.mjs", import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    workerData: beat,
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
