// A pool worker does not inherit the main thread's module hooks: register what its code needs
// (as cli/worker-entry.mjs does), then hand the pool the task function of pool-task.ts (or
// dist/explore/pool-task.js once built).
import { builtRuntime, registerRuntime, registerSources } from "../build/runtime.mjs";

const ext = builtRuntime() === null ? ".ts" : ".js";
if (ext === ".ts") await registerSources();
registerRuntime();
const { default: poolTask } = await import(`./pool-task${ext}`);
export default poolTask;
