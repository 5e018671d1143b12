/** migration/N (kernel/stop_machine.c): the per-CPU stopper thread, made the CPU's stop-class task. */
import { kfunc } from "../../sim/functions.js";
import { sched_set_stop_task } from "./sched/core.js";
import { smpboot_register_percpu_thread } from "./smpboot.js";

/** cpu_stop_init (an early initcall). No stop work is queued in the model, so the threads sleep. */
export const cpu_stop_init = kfunc(function* cpu_stop_init() {
  return yield* smpboot_register_percpu_thread({
    thread_comm: "migration/%u",
    thread_should_run: () => false,
    *thread_fn() {},
    create: (cpu, tsk) => sched_set_stop_task(cpu, tsk),
    store: new Map(),
  });
});
