/**
 * boot-N: the wall time of booting a machine of N CPUs to idle (every boot kthread created,
 * every CPU brought up; tracing off), median of a few boots after a warm-up one.
 */
import { Machine } from "../src/machine.js";
import { type Sample, sampleOf } from "./harness.js";

export function bootTime(cpus: number, runs: number): Sample {
  const once = () => {
    const t0 = performance.now();
    const m = new Machine({ cpus, events: [] });
    if (m.run({ maxSteps: 1e9 }) !== "idle") throw new Error(`boot-${cpus} did not finish`);
    return performance.now() - t0;
  };
  once();
  return sampleOf(`boot-${cpus}`, "ms", Array.from({ length: runs }, once));
}
