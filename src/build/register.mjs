// `node --import tsx --import ./src/build/register.mjs script.ts`: the runtime TASKLAB_RUNTIME
// names, for scripts started without bin/tasklab.js (the benchmarks).
import { registerRuntime } from "./runtime.mjs";

registerRuntime();
