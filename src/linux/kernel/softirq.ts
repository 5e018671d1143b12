/** ksoftirqd/N (kernel/softirq.c): the per-CPU softirq thread. No softirq work is modeled, so it sleeps. */
import { kfunc } from "../../sim/functions.js";
import { type smp_hotplug_thread, smpboot_register_percpu_thread } from "./smpboot.js";

const softirq_threads: () => smp_hotplug_thread = () => ({
  thread_comm: "ksoftirqd/%u",
  thread_should_run: () => false,
  *thread_fn() {},
  store: new Map(),
});

/** spawn_ksoftirqd (an early initcall). */
export const spawn_ksoftirqd = kfunc(function* spawn_ksoftirqd() {
  return yield* smpboot_register_percpu_thread(softirq_threads());
});
