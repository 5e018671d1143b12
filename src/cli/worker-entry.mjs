// Worker threads do not inherit the main thread's TypeScript loader (nor its frames hook): register them, then run
// the worker module the job names (the scenario runner by default, or the debugger).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";
import { registerRuntime } from "../build/runtime.mjs";

register();
registerRuntime();
await import(workerData?.entry === "debug" ? "./debug-worker.ts" : "./worker.ts");
