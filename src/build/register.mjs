// `node --import ./src/build/register.mjs script.ts`: the sources through tsx, then the runtime
// TASKLAB_RUNTIME names (the frames hook after tsx, so it receives JavaScript), for scripts
// started without bin/tasklab-src.js (the benchmarks). Worker threads inherit the flag.
import { registerRuntime, registerSources } from "./runtime.mjs";

await registerSources();
registerRuntime();
