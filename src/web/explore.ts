/**
 * The explorer in the visualizer's worker: the same exploration as `tasklab explore` on
 * one thread (no worker pool in a browser), with progress, the minimized counterexample and
 * its replay file.
 */

import { minimize } from "../explore/minimize.js";
import { EXPLORE_DEFAULTS, type ExploreOptions, explorePasses, runHere } from "../explore/plan.js";
import { formatReplay, makeReplay } from "../explore/replay.js";
import type { Target } from "../explore/schedule.js";
import type { FromWorker, RunSpec } from "./types.js";

export type ExploreRequest = {
  strategy: ExploreOptions["strategy"];
  preemptions: number;
  runs: number;
  /** A broken variant of the protocol to explore instead of the real one. */
  mutant?: string | null;
};

/** Explores the built-in scenario of `spec`; `post` gets progress and the result. */
export async function exploreSpec(spec: RunSpec, req: ExploreRequest, post: (m: FromWorker) => void): Promise<void> {
  if (spec.scenario === "custom") throw new RangeError("the explorer runs built-in scenarios only");
  const target: Target = {
    scenario: spec.scenario,
    cpus: spec.cpus,
    seed: spec.seed,
    mutant: req.mutant ?? null,
    kernel: spec.era,
  };
  const o: ExploreOptions = {
    ...EXPLORE_DEFAULTS,
    strategy: req.strategy,
    preemptions: req.preemptions,
    runs: req.runs,
    seed: spec.seed,
  };
  const r = await explorePasses(target, o, runHere, (p) =>
    post({ type: "explore-progress", schedules: p.schedules, done: p.jobsDone, total: p.jobs }),
  );
  const c = r.stats.counterexample;
  let replay: string | null = null;
  if (c !== null) {
    const m = minimize(target, c.picks, c.violation.kind);
    replay = formatReplay(makeReplay(target, m.picks, m.outcome, `the visualizer's explorer (${o.strategy})`));
  }
  post({
    type: "explore-done",
    schedules: r.stats.schedules,
    states: r.stats.states.size,
    distinct: r.stats.graph?.visited.size ?? null,
    violation: c?.violation.title ?? null,
    replay,
  });
}
