/**
 * watchdog/N: the per-CPU soft-lockup watchdog thread, from 2.6.24 (kernel/softlockup.c,
 * "watchdog/%d", started by do_pre_smp_initcalls; 2.6.32: an early initcall) to 4.14
 * (kernel/watchdog.c, a smpboot thread "watchdog/%u" registered by lockup_detector_init just
 * before smp_init). 4.19's watchdog uses the stopper threads instead and has no thread of its
 * own (read: kernel/watchdog.c of 4.14 and 4.19). The model's soft-lockup check runs from the
 * tick (sched/core.ts), so the thread only sleeps. Linux runs it SCHED_FIFO; the model has no
 * real-time class outside the stop class and leaves it SCHED_NORMAL.
 */
import { kfunc } from "../../sim/functions.js";
import { sleepingPercpuThread, smpboot_register_percpu_thread } from "./smpboot.js";

const watchdog_threads = () => sleepingPercpuThread("watchdog/%u");

/** spawn_softlockup_task (≤2.6.32): the boot CPU's thread now, the others' from the CPU notifier. */
export const spawn_softlockup_task = kfunc(function* spawn_softlockup_task() {
  return yield* smpboot_register_percpu_thread(watchdog_threads());
});

/** lockup_detector_init (3.10–4.14): registers the per-CPU watchdog threads. */
export const lockup_detector_init = kfunc(function* lockup_detector_init() {
  return yield* smpboot_register_percpu_thread(watchdog_threads());
});
