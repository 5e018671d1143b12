/**
 * The idle loop (kernel/sched/idle.c): with nothing to run, the CPU halts until an
 * interrupt (a timer, or the IPI of a wakeup) sets need_resched; then it schedules.
 */
import { HALT } from "../../../sim/engine.js";
import { kfunc } from "../../../sim/functions.js";
import { current } from "../../include/current.js";
import { TIF_NEED_RESCHED } from "../../include/sched.js";
import { sched_ttwu_pending, schedule_idle } from "./core.js";

const do_idle = kfunc(function* do_idle() {
  const me = current();
  for (;;) {
    sched_ttwu_pending(); // flush_smp_call_function_queue
    if (me.ti_flags & TIF_NEED_RESCHED) break;
    yield HALT;
  }
  yield* schedule_idle();
});

/** cpu_startup_entry: what a CPU's idle task runs forever. */
export const cpu_startup_entry = kfunc(function* cpu_startup_entry(_state: unknown) {
  for (;;) yield* do_idle();
  // biome-ignore lint/correctness/noUnreachable: the idle loop never ends
  return 0;
});
