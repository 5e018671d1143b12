// Worker threads do not inherit the main thread's TypeScript loader (nor its frames hook):
// register them, then run the worker module the job names (the scenario runner by default,
// the debugger, or the explorer).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";
import { registerRuntime } from "../build/runtime.mjs";

register();
registerRuntime();
const entries = { debug: "./debug-worker.ts", explore: "./explore-worker.ts" };
await import(entries[workerData?.entry] ?? "./worker.ts");
