/**
 * `tasklab explore` and `tasklab replay` in a worker thread, under the same watchdog as
 * `tasklab run` (watchdog.ts): a scenario file is loaded here, not in the main thread, and
 * every run of a schedule, here or in the explorer's pool, tells the watchdog it is alive.
 * The main thread does all the output.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type ExploreOptions, explore, minimizeResult, type Progress } from "../explore/explore.js";
import type { Minimized } from "../explore/minimize.js";
import { type Replayed, type ReplayFile, replay } from "../explore/replay.js";
import { registerScenario, type Target, targetScenario, watchSchedules } from "../explore/schedule.js";
import { readTargetState } from "../explore/state-file.js";
import { type StatsJson, statsToJson } from "../explore/stats.js";
import { DEFAULT_ERA, era } from "../linux/eras/profiles.js";
import { checkEra } from "../scenarios/scenario.js";
import { InputError } from "../sim/suggest.js";
import { loadScenario } from "./options.js";
import { type Heartbeat, heartbeat } from "./watchdog.js";

/** A scenario file to load first (absolute `path`), registered under the name the target gives it. */
type ScenarioFile = { path: string; name: string } | null;

export type ExploreJob = { entry: "explore"; file: ScenarioFile } & (
  | { kind: "explore"; target: Target; options: ExploreOptions }
  | { kind: "replay"; replay: ReplayFile }
);

export type ExploreReply =
  | Heartbeat
  | { type: "usage"; message: string }
  | { type: "explore-progress"; progress: Progress }
  | { type: "explored"; stats: StatsJson; minimized: Minimized | null; elapsedMs: number }
  | { type: "replayed"; replayed: Replayed };

const port = parentPort;
if (port === null) throw new Error("cli/explore-worker.ts must run as a worker");
const job = workerData as ExploreJob;
const post = (m: ExploreReply) => port.postMessage(m);

/** Heartbeats at most every 100 ms of wall time: the explorer ends thousands of runs a second. */
let beatAt = 0;
watchSchedules((e) => {
  const now = Date.now();
  if (now - beatAt < 100) return;
  beatAt = now;
  post(heartbeat(e));
});

async function run(): Promise<ExploreReply> {
  if (job.file !== null) registerScenario(job.file.name, await loadScenario(job.file.path));
  readTargetState(job.kind === "replay" ? job.replay.target : job.target);
  if (job.kind === "replay") return { type: "replayed", replayed: replay(job.replay) };
  const { target, options } = job;
  checkEra(targetScenario(target), era(target.kernel ?? DEFAULT_ERA));
  // The pool's tasks and runs count on a shared counter: its moving is a heartbeat too, and
  // so is its staying at 0 (the pool's workers are still loading the model).
  const beat = new Int32Array(new SharedArrayBuffer(4));
  let seen = 0;
  const poll =
    options.workers > 1
      ? setInterval(() => {
          const n = Atomics.load(beat, 0);
          if (n !== seen || n === 0) post({ type: "progress", where: `a run in the explorer's pool (${n} so far)` });
          seen = n;
        }, 250)
      : undefined;
  const start = performance.now();
  try {
    const r = await explore(target, options, (progress) => post({ type: "explore-progress", progress }), beat);
    const elapsedMs = performance.now() - start;
    return { type: "explored", stats: statsToJson(r.stats), minimized: minimizeResult(r), elapsedMs };
  } finally {
    clearInterval(poll);
  }
}

post({ type: "started" });
try {
  post(await run());
} catch (e) {
  // Options, specs, scenario code: what the user gave is wrong (one line, exit 2).
  if (e instanceof InputError) post({ type: "usage", message: e.message });
  else throw e;
}
