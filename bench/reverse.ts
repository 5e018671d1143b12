/**
 * reverse-step at 1e6 steps: ms per `reverse-step` (one modeled call back) of the debugger
 * stopped ~1,000,000 engine steps into a run of kthread_run + kthread_stop cycles (the
 * kthread-cycle workload under `tasklab debug`, breakpoint on kthread_stop), at the worst
 * position: the stop furthest past the snapshot before it (src/timetravel.ts), where a
 * reverse step replays the most. A reverse step restores the snapshot before the stop,
 * replays the stretch to find the call before, then restores and replays to it: K bounds
 * both. Each run goes back from that same stop (`restart` to a checkpoint there, untimed).
 * Needs every thread made of frames (TASKLAB_RUNTIME=frames); under generators the row is
 * left out, with a note.
 */
import { Debugger } from "../src/gdb/gdb.js";
import { IS_ERR } from "../src/linux/include/err.js";
import { kthread_run } from "../src/linux/kernel/kthread.js";
import { kthread_stop } from "../src/linux/kernel/kthread_control.js";
import { sleepUntilStopped } from "../src/linux/kernel/kthread_daemon.js";
import { defineScenario } from "../src/scenarios/scenario.js";
import { type Sample, sampleOf } from "./harness.js";

/** Engine steps a kthread_run + kthread_stop cycle takes (measured: ~83). */
const STEPS_PER_CYCLE = 83;

export const cycles = defineScenario({
  name: "kthread-cycles",
  description: "kthread_run + kthread_stop, over and over (the reverse-step bench's long run)",
  *main() {
    for (let i = 0; i < 14_000; i++) {
      const t = yield* kthread_run(sleepUntilStopped, null, "bench/%d", i);
      if (IS_ERR(t)) throw new Error("kthread_run failed");
      yield* kthread_stop(t);
    }
  },
});

/** A debugger stopped at the worst kthread_stop at or after step `at`: its position, and how far past its snapshot it is. */
export function worstStop(
  at = 1_000_000,
): { d: Debugger; checkpoint: number; steps: number; past: number; every: number } | string {
  const d = new Debugger(cycles, { cpus: 2, seed: 1 });
  d.execute("break kthread_stop");
  d.execute("run");
  const first = d.machineNow()?.engine.steps ?? 0;
  d.execute(`continue ${Math.max(1, Math.round((at - first) / STEPS_PER_CYCLE))}`);
  const tl = d.timelineNow();
  if (tl === null) return d.execute("reverse-step").split("\n")[1] ?? "no history";
  const every = tl.interval;
  const pos = () => d.machineNow()?.engine.steps ?? 0;
  const past = (p: number) => p - tl.snapshotAt(p - 1);
  // The stops of one K-step stretch: the last before the next snapshot mark is the furthest past one.
  const end = pos() + every;
  let best = { steps: pos(), past: past(pos()) };
  d.execute("checkpoint");
  let num = 1;
  while (pos() < end) {
    d.execute("continue");
    const p = pos();
    if (past(p) > best.past) {
      best = { steps: p, past: past(p) };
      d.execute("checkpoint");
      num++;
    }
  }
  d.execute(`restart ${num}`);
  return { d, checkpoint: num, steps: best.steps, past: best.past, every };
}

/** The worst position reached and the ms of each of `runs` reverse-steps from it (after four warm-up ones). */
export function reverseStepCost(
  runs: number,
  at = 1_000_000,
): { sample: Sample; steps: number; past: number } | string {
  const w = worstStop(at);
  if (typeof w === "string") return w;
  const { d, checkpoint: num } = w;
  const warm = d.execute("reverse-step");
  if (warm.startsWith("Target")) return warm.split("\n")[1] ?? warm;
  // Three more warm-up runs: the first steps of restored machines run 2-6x slower (the JIT).
  for (let i = 0; i < 3; i++) {
    d.execute(`restart ${num}`);
    d.execute("reverse-step");
  }
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    d.execute(`restart ${num}`);
    const t0 = performance.now();
    d.execute("reverse-step");
    ms.push(performance.now() - t0);
  }
  return { sample: sampleOf("reverse-step at 1e6 steps", "ms", ms), steps: w.steps, past: w.past };
}
