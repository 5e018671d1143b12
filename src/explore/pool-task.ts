/**
 * The pool worker's task (Node): a job in, its stats as JSON out. A scenario given as a
 * file is loaded once per worker and registered under its path, and so is a saved state. Each task and each run add
 * one to the pool's shared counter, if it has one (see explore()).
 */
import { workerData } from "piscina";
import { findScenario } from "../scenarios/index.js";
import { loadScenarioFile } from "../scenarios/load.js";
import { registerScenario, watchSchedules } from "./schedule.js";
import { readTargetState } from "./state-file.js";
import { type StatsJson, statsToJson } from "./stats.js";
import { type Job, runJob } from "./task.js";

const beat = workerData instanceof Int32Array ? workerData : undefined;
if (beat !== undefined) watchSchedules(() => Atomics.add(beat, 0, 1));

export default async function poolTask(job: Job): Promise<StatsJson> {
  if (beat !== undefined) Atomics.add(beat, 0, 1);
  const ref = job.target.scenario;
  if (findScenario(ref) === undefined && /\.(m?[jt]s)$/.test(ref)) registerScenario(ref, await loadScenarioFile(ref));
  readTargetState(job.target);
  return statsToJson(runJob(job));
}
