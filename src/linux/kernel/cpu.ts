/**
 * CPU bring-up at boot (kernel/cpu.c, kernel/smp.c, arch/x86 smpboot): the idle task of
 * each secondary CPU (fork_idle), cpuhp/N, and for each CPU its hotplug states. The boot
 * CPU runs the "prepare" states (create the smpboot threads and the pool workers), starts
 * the CPU and waits until it has marked itself online; then it kicks cpuhp/N, which runs
 * the CPU's own states on that CPU (unpark its per-CPU threads, bind its pool workers)
 * while the boot CPU waits for it to finish.
 */
import { activeEngine, type Cpu } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { local_clock } from "../include/current.js";
import type { completion, task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { fork_idle } from "./fork.js";
import { kthread_unpark } from "./kthread_control.js";
import { complete, init_completion, wait_for_completion } from "./sched/completion.js";
import { cpu_rq, init_idle, wake_up_process } from "./sched/core.js";
import { cpu_startup_entry } from "./sched/idle.js";
import { smpboot_create_threads, smpboot_register_percpu_thread, smpboot_unpark_threads } from "./smpboot.js";
import { workqueue_online_cpu, workqueue_prepare_cpu } from "./workqueue.js";

/** Per-CPU hotplug state (struct cpuhp_cpu_state), as far as bring-up needs it. */
export interface cpuhp_cpu_state {
  /** cpuhp/N. */
  thread: task_struct | null;
  /** Set when cpuhp/N has states to run. */
  should_run: boolean;
  /** Completed by the CPU when it is online, and by cpuhp/N when its states are done. */
  done_up: completion;
}

function cpuhp_state(cpu: number): cpuhp_cpu_state {
  let st = K.cpuhp_state[cpu];
  if (st === undefined) {
    st = { thread: null, should_run: false, done_up: init_completion() };
    K.cpuhp_state[cpu] = st;
  }
  return st;
}

/** start_secondary: the first thing a CPU runs: it marks itself online, then idles. */
const start_secondary = kfunc(function* start_secondary(arg: unknown) {
  const cpu = arg as number;
  cpu_rq(cpu).last_switch = local_clock();
  K.cpu_online_mask = cpumask.of(K.nr_cpu_ids, [...K.cpu_online_mask, cpu]);
  yield* complete(cpuhp_state(cpu).done_up);
  return yield* cpu_startup_entry(cpu);
});

/** idle_threads_init: forks the idle task of every other possible CPU. */
export const idle_threads_init = kfunc(function* idle_threads_init() {
  for (let cpu = 1; cpu < K.nr_cpu_ids; cpu++) {
    const idle = yield* fork_idle(cpu, start_secondary);
    if (typeof idle === "number") return idle;
    idle.cpus_mask = cpumask.of(K.nr_cpu_ids, [cpu]);
    idle.nr_cpus_allowed = 1;
    init_idle(idle, cpu);
    K.idle_tasks[cpu] = idle;
  }
  return 0;
});

/** cpuhp_thread_fun: runs the CPU's own bring-up states on that CPU, then reports back. */
const cpuhp_thread_fun = kfunc(function* cpuhp_thread_fun(cpu: number) {
  const st = cpuhp_state(cpu);
  st.should_run = false;
  yield* smpboot_unpark_threads(cpu); // CPUHP_AP_SMPBOOT_THREADS
  workqueue_online_cpu(cpu); // CPUHP_AP_WORKQUEUE_ONLINE
  yield* complete(st.done_up);
});

/** cpuhp_threads_init: registers cpuhp/N, the thread that runs each CPU's hotplug states. */
export const cpuhp_threads_init = kfunc(function* cpuhp_threads_init() {
  return yield* smpboot_register_percpu_thread({
    thread_comm: "cpuhp/%u",
    thread_should_run: (cpu) => cpuhp_state(cpu).should_run,
    thread_fn: cpuhp_thread_fun,
    create: (cpu, tsk) => {
      cpuhp_state(cpu).thread = tsk;
    },
    store: new Map(),
  });
});

/** bringup_cpu: starts the CPU on its idle task and waits until it is online. */
const bringup_cpu = kfunc(function* bringup_cpu(cpu: number) {
  const e = activeEngine();
  const idle = K.idle_tasks[cpu] as task_struct;
  e.online(e.cpus[cpu] as Cpu, idle.sim, local_clock() + e.costOfName("cpu_bringup"));
  const st = cpuhp_state(cpu);
  yield* wait_for_completion(st.done_up); // bringup_wait_for_ap_online
  if (st.thread !== null) yield* kthread_unpark(st.thread);
});

/** cpuhp_kick_ap: lets cpuhp/N run the CPU's states, and waits for them. */
const cpuhp_kick_ap = kfunc(function* cpuhp_kick_ap(cpu: number) {
  const st = cpuhp_state(cpu);
  if (st.thread === null) return;
  st.should_run = true;
  yield* wake_up_process(st.thread);
  yield* wait_for_completion(st.done_up);
});

/** cpu_up: walks `cpu` through its hotplug states up to online. */
export const cpu_up = kfunc(function* cpu_up(cpu: number) {
  const ret = yield* smpboot_create_threads(cpu); // CPUHP_CREATE_THREADS
  if (ret) return ret;
  yield* workqueue_prepare_cpu(cpu); // CPUHP_WORKQUEUE_PREP
  yield* bringup_cpu(cpu); // CPUHP_BRINGUP_CPU
  yield* cpuhp_kick_ap(cpu);
  return 0;
});

/** smp_init: idle tasks, cpuhp threads, then every secondary CPU in order. */
export const smp_init = kfunc(function* smp_init() {
  yield* idle_threads_init();
  yield* cpuhp_threads_init();
  for (let cpu = 1; cpu < K.nr_cpu_ids; cpu++) yield* cpu_up(cpu);
});
