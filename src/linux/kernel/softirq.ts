/** ksoftirqd/N (kernel/softirq.c): the per-CPU softirq thread. No softirq work is modeled, so it sleeps. */
import { kfunc } from "../../sim/functions.js";
import { sleepingPercpuThread, smpboot_register_percpu_thread } from "./smpboot.js";

/** spawn_ksoftirqd (an early initcall). */
export const spawn_ksoftirqd = kfunc(function* spawn_ksoftirqd() {
  return yield* smpboot_register_percpu_thread(sleepingPercpuThread("ksoftirqd/%u"));
});
