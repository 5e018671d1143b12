/** The built-in scenarios, by name. */
import boot from "./boot.js";
import { creatorKilled } from "./kthread-creator-killed.js";
import kthreadEnomem from "./kthread-enomem.js";
import kthreadLongName from "./kthread-long-name.js";
import kthreadPark from "./kthread-park.js";
import kthreadRun from "./kthread-run.js";
import kthreadStopUnwoken from "./kthread-stop-unwoken.js";
import kthreadWorker from "./kthread-worker.js";
import type { Scenario } from "./scenario.js";

export const SCENARIOS: readonly Scenario[] = [
  boot,
  kthreadRun,
  kthreadStopUnwoken,
  ...creatorKilled,
  kthreadPark,
  kthreadWorker,
  kthreadLongName,
  kthreadEnomem,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
