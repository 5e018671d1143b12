/**
 * A single long kthread-cycle run to profile: `node --cpu-prof --import tsx bench/profile.ts
 * [cycles] [--traced]` (or bundle it first with esbuild for a profile without tsx's
 * module wrappers). Prints the rate and the engine steps per cycle.
 */
import { performance } from "node:perf_hooks";
import { IS_ERR } from "../src/linux/include/err.js";
import { TASK_INTERRUPTIBLE, TASK_RUNNING } from "../src/linux/include/sched.js";
import { kthread_run, kthread_should_stop } from "../src/linux/kernel/kthread.js";
import { kthread_stop } from "../src/linux/kernel/kthread_control.js";
import { schedule, set_current_state } from "../src/linux/kernel/sched/core.js";
import { Machine } from "../src/machine.js";

function* waiter(): Generator<number, number, unknown> {
  for (;;) {
    set_current_state(TASK_INTERRUPTIBLE);
    if (kthread_should_stop()) break;
    yield* schedule();
  }
  set_current_state(TASK_RUNNING);
  return 0;
}

const cycles = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 30_000);
const traced = process.argv.includes("--traced");
const m = new Machine({
  cpus: 2,
  events: traced ? undefined : [],
  bufferSize: 1 << 16,
  init: function* () {
    for (let i = 0; i < cycles; i++) {
      const t = yield* kthread_run(waiter, null, "bench/%d", i);
      if (IS_ERR(t)) throw new Error("kthread_run failed");
      yield* kthread_stop(t);
    }
  },
});
const t0 = performance.now();
m.run({ maxSteps: 1e9 });
const s = (performance.now() - t0) / 1000;
console.log(
  `${Math.round(cycles / s)} cycles/s, ${(m.engine.steps / cycles).toFixed(1)} steps/cycle${traced ? ", traced" : ""}`,
);
