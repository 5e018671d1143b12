// tasklab as a library, from TypeScript: the same run, typed by the package's declarations.
import { findScenario, type PsRow, problems, psRows, type RunResult, runScenario, traceText } from "tasklab";

const scenario = findScenario("kthread-run");
if (scenario === undefined) throw new Error("no such scenario");
const result: RunResult = runScenario(scenario, { cpus: 4, seed: 3 });
const trace: string = traceText(result);
const kthreads: PsRow[] = psRows(result).filter((row) => row.ppid === 2);
console.log(`${trace.split("\n").length} trace lines, ${kthreads.length} kernel threads, ${problems(result.reports).length} problems`);
