/**
 * A single long kthread-cycle run to profile: `node --cpu-prof --import tsx bench/profile.ts
 * [cycles] [--traced]` (or bundle it first with esbuild for a profile without tsx's
 * module wrappers). Prints the rate and the engine steps per cycle.
 */
import { performance } from "node:perf_hooks";
import { kthreadCycleMachine } from "./cycle.js";

const cycles = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 30_000);
const traced = process.argv.includes("--traced");
const m = kthreadCycleMachine(cycles, traced);
const t0 = performance.now();
m.run({ maxSteps: 1e9 });
const s = (performance.now() - t0) / 1000;
console.log(
  `${Math.round(cycles / s)} cycles/s, ${(m.engine.steps / cycles).toFixed(1)} steps/cycle${traced ? ", traced" : ""}`,
);
