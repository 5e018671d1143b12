/**
 * A unit of exploration work, the same in the main thread and in a pool worker: a subtree
 * of the systematic search, or a batch of sampled runs. Plain data in, plain data out.
 */

import { type DfsBounds, exploreSubtree, type TreeNode } from "./dfs.js";
import { exploreDpor } from "./dpor.js";
import { type Sampler, type Shape, samplingScript } from "./sampling.js";
import { runSchedule, type Target } from "./schedule.js";
import { exploreStateful, type StatefulJob } from "./stateful.js";
import { addOutcome, emptyStats, type Stats } from "./stats.js";

export type Job =
  | { kind: "dfs"; target: Target; node: TreeNode; bounds: DfsBounds; order: number }
  | { kind: "dpor"; target: Target; bounds: DfsBounds }
  | ({ kind: "stateful" } & StatefulJob)
  | { kind: "sample"; target: Target; sampler: Sampler; seed: number; depth: number; shape: Shape; runs: number[] };

/** Runs a job; stops at its first violation. `onSchedule` reports progress. */
export function runJob(job: Job, onSchedule?: (s: Stats) => void): Stats {
  if (job.kind === "stateful") return exploreStateful(job, onSchedule);
  const stats = emptyStats();
  if (job.kind === "dpor") {
    exploreDpor(job.target, job.bounds, stats, {
      stopOnViolation: true,
      ...(onSchedule === undefined ? {} : { onSchedule }),
    });
    return stats;
  }
  if (job.kind === "dfs") {
    exploreSubtree(job.target, job.node, job.bounds, job.order, stats, {
      stopOnViolation: true,
      ...(onSchedule === undefined ? {} : { onSchedule }),
    });
    return stats;
  }
  for (const i of job.runs) {
    const { outcome } = runSchedule(job.target, samplingScript(job.sampler, job.seed, i, job.depth, job.shape));
    addOutcome(stats, outcome, -1);
    for (const c of outcome.choices) if (c.pick !== 0) stats.sitesTried.add(c.site);
    onSchedule?.(stats);
    if (outcome.violation !== null) {
      const picks = [...outcome.choices.entries()]
        .filter(([, c]) => c.pick !== 0)
        .map(([k, c]): [number, number] => [k, c.pick]);
      stats.counterexample = { picks, violation: outcome.violation, order: [i] };
      break;
    }
  }
  return stats;
}
