// Worker threads do not inherit the main thread's module hooks: this one registers what its
// code needs (tsx for the sources, the frames hook when TASKLAB_RUNTIME asks for frames and
// they are not compiled in), then runs the worker module the job names (the scenario runner
// by default, the debugger, or the explorer): src/cli/*.ts, or dist/cli/*.js once built.
import { workerData } from "node:worker_threads";
import { builtRuntime, registerRuntime, registerSources } from "../build/runtime.mjs";

const ext = builtRuntime() === null ? ".ts" : ".js";
if (ext === ".ts") await registerSources();
registerRuntime();
const entries = { debug: "./debug-worker", explore: "./explore-worker" };
await import(`${entries[workerData?.entry] ?? "./worker"}${ext}`);
