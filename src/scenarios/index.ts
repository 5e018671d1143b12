/** The built-in scenarios, by name. */
import boot from "./boot.js";
import cloneFlags from "./clone-flags.js";
import clone3 from "./clone3.js";
import fork from "./fork.js";
import forkVsThread from "./fork-vs-thread.js";
import jobControl from "./job-control.js";
import { creatorKilled } from "./kthread-creator-killed.js";
import kthreadEnomem from "./kthread-enomem.js";
import kthreadLongName from "./kthread-long-name.js";
import kthreadPark from "./kthread-park.js";
import kthreadRun from "./kthread-run.js";
import kthreadStopUnwoken from "./kthread-stop-unwoken.js";
import kthreadWorker from "./kthread-worker.js";
import orphans from "./orphans.js";
import pidNamespace from "./pid-namespace.js";
import posixSpawn from "./posix-spawn.js";
import pthreadCreate from "./pthread-create.js";
import type { Scenario } from "./scenario.js";
import sigchldReaper from "./sigchld-reaper.js";
import vfork from "./vfork.js";

export const SCENARIOS: readonly Scenario[] = [
  boot,
  kthreadRun,
  kthreadStopUnwoken,
  ...creatorKilled,
  kthreadPark,
  kthreadWorker,
  kthreadLongName,
  kthreadEnomem,
  fork,
  vfork,
  pthreadCreate,
  posixSpawn,
  cloneFlags,
  clone3,
  forkVsThread,
  pidNamespace,
  orphans,
  jobControl,
  sigchldReaper,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
