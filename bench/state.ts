/**
 * Loading a saved state (src/state/): ms to read the file of a booted 2-CPU machine (full
 * boot, the machine the snapshot rows copy), load it and run it on to its end, median of a
 * few after a warm-up. The file is written once by saveState. Needs every thread made of
 * frames (TASKLAB_RUNTIME=frames); under generators the row is left out, with a note.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../src/machine.js";
import { SnapshotError } from "../src/snapshot.js";
import { loadState, saveState } from "../src/state/file.js";
import { type Sample, sampleOf } from "./harness.js";

export function loadStateCost(runs: number): Sample | string {
  const m = new Machine({ cpus: 2, events: [] });
  if (m.run({ maxSteps: 1e9 }) !== "idle") throw new Error("load-state bench machine did not boot");
  const dir = mkdtempSync(join(tmpdir(), "tasklab-bench-state-"));
  try {
    const file = join(dir, "booted.state");
    try {
      writeFileSync(file, saveState(m));
    } catch (e) {
      if (e instanceof SnapshotError) return e.message;
      throw e;
    }
    const once = () => {
      const t0 = performance.now();
      const b = loadState(readFileSync(file, "utf8"));
      if (b.run({ maxSteps: 1e9 }) !== "idle") throw new Error("a loaded state did not run on to idle");
      return performance.now() - t0;
    };
    once(); // warm-up
    const values: number[] = [];
    for (let r = 0; r < runs; r++) values.push(once());
    return sampleOf("load state: booted 2-CPU machine", "ms", values);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
