/**
 * The pool worker's task (Node): a job in, its stats as JSON out. A scenario given as a
 * file is loaded once per worker and registered under its path.
 */
import { findScenario } from "../scenarios/index.js";
import { loadScenarioFile } from "../scenarios/load.js";
import { registerScenario } from "./schedule.js";
import { type StatsJson, statsToJson } from "./stats.js";
import { type Job, runJob } from "./task.js";

export default async function poolTask(job: Job): Promise<StatsJson> {
  const ref = job.target.scenario;
  if (findScenario(ref) === undefined && /\.(m?[jt]s)$/.test(ref)) registerScenario(ref, await loadScenarioFile(ref));
  return statsToJson(runJob(job));
}
