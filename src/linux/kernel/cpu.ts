/**
 * CPU bring-up at boot (kernel/cpu.c, kernel/smp.c): the idle task of each secondary CPU
 * (fork_idle), cpuhp/N, and for each CPU the hotplug states that create threads
 * (CPUHP_CREATE_THREADS, CPUHP_WORKQUEUE_PREP), start the CPU, and unpark its per-CPU
 * threads (CPUHP_AP_SMPBOOT_THREADS).
 */
import { activeEngine, type Cpu } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { local_clock } from "../include/current.js";
import type { task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { fork_idle } from "./fork.js";
import { cpu_rq, init_idle } from "./sched/core.js";
import { cpu_startup_entry } from "./sched/idle.js";
import { smpboot_create_threads, smpboot_register_percpu_thread, smpboot_unpark_threads } from "./smpboot.js";
import { workqueue_online_cpu, workqueue_prepare_cpu } from "./workqueue.js";

/** idle_threads_init: forks the idle task of every other possible CPU. */
export const idle_threads_init = kfunc(function* idle_threads_init() {
  for (let cpu = 1; cpu < K.nr_cpu_ids; cpu++) {
    const idle = yield* fork_idle(cpu, cpu_startup_entry);
    if (typeof idle === "number") return idle;
    idle.cpus_mask = cpumask.of(K.nr_cpu_ids, [cpu]);
    idle.nr_cpus_allowed = 1;
    init_idle(idle, cpu);
    K.idle_tasks[cpu] = idle;
  }
  return 0;
});

/** cpuhp_threads_init: registers cpuhp/N (no hotplug work is modeled, so it sleeps). */
export const cpuhp_threads_init = kfunc(function* cpuhp_threads_init() {
  return yield* smpboot_register_percpu_thread({
    thread_comm: "cpuhp/%u",
    thread_should_run: () => false,
    *thread_fn() {},
    store: new Map(),
  });
});

/** bringup_cpu: the AP starts running its idle task; it is online from then on. */
function bringup_cpu(cpu: number): void {
  const e = activeEngine();
  const idle = K.idle_tasks[cpu] as task_struct;
  cpu_rq(cpu).last_switch = local_clock();
  K.cpu_online_mask = cpumask.of(K.nr_cpu_ids, [...K.cpu_online_mask, cpu]);
  e.online(e.cpus[cpu] as Cpu, idle.sim, local_clock() + e.costOfName("cpu_bringup"));
}

/** cpu_up: walks `cpu` through the hotplug states that matter for task creation. */
export const cpu_up = kfunc(function* cpu_up(cpu: number) {
  const ret = yield* smpboot_create_threads(cpu);
  if (ret) return ret;
  yield* workqueue_prepare_cpu(cpu);
  bringup_cpu(cpu);
  yield* smpboot_unpark_threads(cpu);
  workqueue_online_cpu(cpu);
  return 0;
});

/** smp_init: idle tasks, cpuhp threads, then every secondary CPU in order. */
export const smp_init = kfunc(function* smp_init() {
  yield* idle_threads_init();
  yield* cpuhp_threads_init();
  for (let cpu = 1; cpu < K.nr_cpu_ids; cpu++) yield* cpu_up(cpu);
});
