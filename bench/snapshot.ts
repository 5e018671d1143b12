/**
 * snapshot and restore of a booted 2-CPU machine (full boot, 40 tasks, what the visualizer
 * starts from): µs per `machine.snapshot()` and per `MachineSnapshot.restore()`, median of
 * a few timed batches after a warm-up one. Needs every thread made of frames
 * (TASKLAB_RUNTIME=frames); under generators the rows are left out, with a note.
 */
import { Machine } from "../src/machine.js";
import { MachineSnapshot, SnapshotError } from "../src/snapshot.js";
import { type Sample, sampleOf } from "./harness.js";

export interface SnapshotBench {
  snapshot: Sample;
  restore: Sample;
}

function perCallUs(fn: () => void, calls: number, runs: number): number[] {
  fn(); // warm-up
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    out.push(((performance.now() - t0) * 1000) / calls);
  }
  return out;
}

export function snapshotCost(runs: number, calls: number): SnapshotBench | string {
  const m = new Machine({ cpus: 2, events: [] });
  if (m.run({ maxSteps: 1e9 }) !== "idle") throw new Error("snapshot bench machine did not boot");
  let kept: MachineSnapshot;
  try {
    kept = MachineSnapshot.of(m);
  } catch (e) {
    if (e instanceof SnapshotError) return e.message;
    throw e;
  }
  return {
    snapshot: sampleOf(
      "snapshot: booted 2-CPU machine",
      "us",
      perCallUs(() => m.snapshot(), calls, runs),
    ),
    restore: sampleOf(
      "restore: booted 2-CPU machine",
      "us",
      perCallUs(() => kept.restore(), calls, runs),
    ),
  };
}
