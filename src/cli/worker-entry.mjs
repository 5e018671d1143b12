// Worker threads do not inherit the main thread's TypeScript loader: register it, then run
// the worker module the job names (the scenario runner by default, the debugger, or the explorer).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const entries = { debug: "./debug-worker.ts", explore: "./explore-worker.ts" };
await import(entries[workerData?.entry] ?? "./worker.ts");
