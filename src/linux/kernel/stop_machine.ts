/** migration/N (kernel/stop_machine.c): the per-CPU stopper thread, made the CPU's stop-class task. */
import { knownCode } from "../../sim/code.js";
import { kfunc } from "../../sim/functions.js";
import type { task_struct } from "../include/task_struct.js";
import { sched_set_stop_task } from "./sched/core.js";
import { sleepingPercpuThread, smpboot_register_percpu_thread } from "./smpboot.js";

/** migration/N's create: the thread becomes its CPU's stop task (module-level: src/sim/code.ts). */
function cpu_stop_create(cpu: number, tsk: task_struct): void {
  sched_set_stop_task(cpu, tsk);
}
knownCode(cpu_stop_create);

const cpu_stop_threads = () => ({ ...sleepingPercpuThread("migration/%u"), create: cpu_stop_create });

/** cpu_stop_init (an early initcall). No stop work is queued in the model, so the threads sleep. */
export const cpu_stop_init = kfunc(function* cpu_stop_init() {
  return yield* smpboot_register_percpu_thread(cpu_stop_threads());
});

/**
 * migration_init (≤2.6.32, kernel/sched.c): migration_call's CPU_UP_PREPARE made
 * "migration/%d" (SCHED_FIFO; the stop class came later, the model uses it for every era).
 */
export const migration_init = kfunc(function* migration_init() {
  return yield* smpboot_register_percpu_thread(cpu_stop_threads());
});
