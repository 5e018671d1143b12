/**
 * snapshot, restore and hash of a booted 2-CPU machine (full boot, 40 tasks, what the
 * visualizer starts from) and of the explorer's machine (2 CPUs, minimal boot: pid 1,
 * kthreadd and the idle tasks, as `tasklab explore` targets boot): µs per
 * `machine.snapshot()`, per `MachineSnapshot.restore()` and per `machine.hash()`, median of a
 * few timed batches after a warm-up one. Needs every thread made of frames
 * (TASKLAB_RUNTIME=frames); under generators the rows are left out, with a note.
 */
import { Machine } from "../src/machine.js";
import { MachineSnapshot, SnapshotError } from "../src/snapshot.js";
import { type Sample, sampleOf } from "./harness.js";

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

/** The rows of one machine: snapshot, restore, hash (the hash of the machine itself, not a kept one). */
function machineRows(label: string, m: Machine, runs: number, calls: number): Sample[] | string {
  if (m.run({ maxSteps: 1e9 }) !== "idle") throw new Error(`snapshot bench machine (${label}) did not boot`);
  let kept: MachineSnapshot;
  try {
    kept = MachineSnapshot.of(m);
  } catch (e) {
    if (e instanceof SnapshotError) return e.message;
    throw e;
  }
  return [
    sampleOf(
      `snapshot: ${label}`,
      "us",
      perCallUs(() => m.snapshot(), calls, runs),
    ),
    sampleOf(
      `restore: ${label}`,
      "us",
      perCallUs(() => kept.restore(), calls, runs),
    ),
    sampleOf(
      `hash: ${label}`,
      "us",
      perCallUs(() => m.hash(), calls, runs),
    ),
  ];
}

/** The rows, or why there are none. */
export function snapshotCost(runs: number, calls: number): Sample[] | string {
  const full = machineRows("booted 2-CPU machine", new Machine({ cpus: 2, events: [] }), runs, calls);
  if (typeof full === "string") return full;
  const small = machineRows(
    "explorer's 2-CPU machine",
    new Machine({ cpus: 2, events: [], boot: "minimal" }),
    runs,
    calls * 4,
  );
  return typeof small === "string" ? small : [...full, ...small];
}
