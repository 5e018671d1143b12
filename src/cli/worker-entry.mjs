// Worker threads do not inherit the main thread's TypeScript loader: register it, then run
// the worker module the job names (the scenario runner by default, or the debugger).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData?.entry === "debug" ? "./debug-worker.ts" : "./worker.ts");
