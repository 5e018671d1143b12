// A pool worker does not inherit the main thread's TypeScript loader (nor its frames hook): register them, then
// hand the pool the task function of pool-task.ts.
import { register } from "tsx/esm/api";
import { registerRuntime } from "../build/runtime.mjs";

register();
registerRuntime();
const { default: poolTask } = await import("./pool-task.ts");
export default poolTask;
