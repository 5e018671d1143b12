// A pool worker does not inherit the main thread's TypeScript loader: register it, then
// hand the pool the task function of pool-task.ts.
import { register } from "tsx/esm/api";

register();
const { default: poolTask } = await import("./pool-task.ts");
export default poolTask;
