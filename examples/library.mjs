// tasklab as a library, from plain Node: run a built-in scenario on 4 CPUs and look at the result.
import { findScenario, problems, psRows, runScenario, traceText } from "tasklab";

const scenario = findScenario("kthread-run");
if (scenario === undefined) throw new Error("no such scenario");
const result = runScenario(scenario, { cpus: 4, seed: 3 });
const trace = traceText(result);
const kthreads = psRows(result).filter((row) => row.ppid === 2);
console.log(`${trace.split("\n").length} trace lines, ${kthreads.length} kernel threads, ${problems(result.reports).length} problems`);
