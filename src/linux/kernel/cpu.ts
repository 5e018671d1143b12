/**
 * CPU bring-up at boot (kernel/cpu.c, kernel/smp.c, arch/x86 smpboot): the idle task of
 * each secondary CPU (fork_idle), cpuhp/N, and for each CPU its hotplug states. The boot
 * CPU runs the "prepare" states (create the smpboot threads and the pool workers), starts
 * the CPU and waits until it has marked itself online; then it kicks cpuhp/N, which runs
 * the CPU's own states on that CPU (unpark its per-CPU threads, bind its pool workers)
 * while the boot CPU waits for it to finish. Before cpuhp/N (≤4.4) the boot CPU runs the
 * CPU's notifiers itself (cpu_notify).
 */
import { knownCode } from "../../sim/code.js";
import { activeEngine, type Cpu } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { local_clock, smp_processor_id } from "../include/current.js";
import { IS_ERR, PTR_ERR } from "../include/err.js";
import { EINVAL } from "../include/errno.js";
import type { completion, task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { fork_idle } from "./fork.js";
import { kthread_park, kthread_unpark } from "./kthread_control.js";
import { complete, init_completion, wait_for_completion } from "./sched/completion.js";
import { init_idle, migrate_tasks, wake_up_process } from "./sched/core.js";
import { cpu_startup_entry } from "./sched/idle.js";
import { cpu_rq } from "./sched/sched.js";
import {
  smpboot_create_threads,
  smpboot_park_threads,
  smpboot_register_percpu_thread,
  smpboot_unpark_threads,
} from "./smpboot.js";
import { msleep } from "./time/timer.js";
import { workqueue_offline_cpu, workqueue_online_cpu, workqueue_prepare_cpu, workqueueCpuOnline } from "./workqueue.js";

/** Per-CPU hotplug state (struct cpuhp_cpu_state), as far as bring-up needs it. */
export interface cpuhp_cpu_state {
  /** cpuhp/N. */
  thread: task_struct | null;
  /** Set when cpuhp/N has states to run. */
  should_run: boolean;
  /** Completed by the CPU when it is online, and by cpuhp/N when its states are done. */
  done_up: completion;
  /** The CPU has run start_secondary once. */
  booted: boolean;
  /** The way cpuhp/N has to go: up to online, or down to offline. */
  target: "up" | "down";
}

function cpuhp_state(cpu: number): cpuhp_cpu_state {
  let st = K.cpuhp_state[cpu];
  if (st === undefined) {
    st = { thread: null, should_run: false, done_up: init_completion(), booted: false, target: "up" };
    K.cpuhp_state[cpu] = st;
  }
  return st;
}

/** start_secondary: the first thing a CPU runs: it marks itself online, then idles. */
const start_secondary = kfunc(function* start_secondary(arg: unknown) {
  const cpu = arg as number;
  cpu_rq(cpu).last_switch = local_clock();
  set_cpu_online(cpu, true);
  yield* complete(cpuhp_state(cpu).done_up);
  return yield* cpu_startup_entry(cpu);
});

/** idle_threads_init: forks the idle task of every other possible CPU. */
export const idle_threads_init = kfunc(function* idle_threads_init() {
  for (let cpu = 1; cpu < K.nr_cpu_ids; cpu++) {
    const idle = yield* fork_idle(cpu, start_secondary);
    if (IS_ERR(idle)) return PTR_ERR(idle);
    idle.cpus_mask = cpumask.of(K.nr_cpu_ids, [cpu]);
    idle.nr_cpus_allowed = 1;
    init_idle(idle, cpu);
    K.idle_tasks[cpu] = idle;
  }
  return 0;
});

/**
 * cpuhp_thread_fun: runs the CPU's own hotplug states on that CPU: on the way up it unparks
 * the per-CPU threads and binds the pool workers; on the way down it unbinds the workers and
 * parks the per-CPU threads. Then it reports back.
 */
const cpuhp_thread_fun = kfunc(function* cpuhp_thread_fun(cpu: number) {
  const st = cpuhp_state(cpu);
  st.should_run = false;
  if (st.target === "up") {
    yield* smpboot_unpark_threads(cpu); // CPUHP_AP_SMPBOOT_THREADS
    workqueue_online_cpu(cpu); // CPUHP_AP_WORKQUEUE_ONLINE
  } else {
    workqueue_offline_cpu(cpu);
    yield* smpboot_park_threads(cpu);
  }
  yield* complete(st.done_up);
});

/**
 * cpu_notify (before cpuhp/N, ≤4.4: read kernel/cpu.c of 3.10 and 4.4; 2.6.32 calls the
 * notifier chain directly): the CPU's notifiers run on the CPU that brings it up or down.
 * CPU_ONLINE starts its per-CPU threads (unparks them; ≤2.6.32 wakes them) and binds its
 * workqueue threads; CPU_DOWN_PREPARE unbinds the workers and parks the per-CPU threads.
 */
const cpu_notify = kfunc(function* cpu_notify(action: "CPU_ONLINE" | "CPU_DOWN_PREPARE", cpu: number) {
  if (action === "CPU_ONLINE") {
    yield* smpboot_unpark_threads(cpu);
    if (K.era.workqueue_threads === "per_wq") yield* workqueueCpuOnline(cpu);
    else workqueue_online_cpu(cpu);
  } else {
    workqueue_offline_cpu(cpu);
    yield* smpboot_park_threads(cpu);
  }
});

/** cpuhp/N's thread_should_run and create (module-level: a saved state names them, src/sim/code.ts). */
function cpuhp_should_run(cpu: number): boolean {
  return cpuhp_state(cpu).should_run;
}
function cpuhp_create(cpu: number, tsk: task_struct): void {
  cpuhp_state(cpu).thread = tsk;
}
knownCode(cpuhp_should_run, cpuhp_create);

/**
 * cpuhp_threads_init: registers cpuhp/N, the thread that runs each CPU's hotplug states, and
 * unparks the boot CPU's (registration leaves a self-parking type's threads parked; every
 * other CPU's is unparked by bringup_cpu). Every release with cpuhp/N does this (4.6's
 * "cpu/hotplug: Create hotplug threads" on; read in 4.10 and 6.19 kernel/cpu.c), so cpuhp/0
 * sleeps in S after boot, as ps shows it on a real machine, not in P.
 */
export const cpuhp_threads_init = kfunc(function* cpuhp_threads_init() {
  const ret = yield* smpboot_register_percpu_thread({
    thread_comm: "cpuhp/%u",
    thread_should_run: cpuhp_should_run,
    thread_fn: cpuhp_thread_fun,
    selfparking: true,
    create: cpuhp_create,
    store: new Map(),
  });
  if (ret) return ret;
  const boot = cpuhp_state(smp_processor_id()).thread;
  if (boot !== null) yield* kthread_unpark(boot);
  return 0;
});

/**
 * bringup_cpu: starts the CPU on its idle task and waits until it is online. The first
 * time the idle task runs start_secondary, which reports back; a CPU coming back after
 * cpu_down resumes its idle loop where it halted (the model does not replay the AP's
 * low-level start), so the boot CPU marks it online itself.
 */
const bringup_cpu = kfunc(function* bringup_cpu(cpu: number) {
  const e = activeEngine();
  const idle = K.idle_tasks[cpu] as task_struct;
  const st = cpuhp_state(cpu);
  const again = st.booted;
  st.booted = true;
  if (again) set_cpu_online(cpu, true);
  e.online(e.cpus[cpu] as Cpu, idle.sim, local_clock() + e.costOfName("cpu_bringup"));
  if (!again) yield* wait_for_completion(st.done_up); // bringup_wait_for_ap_online
  if (st.thread !== null) yield* kthread_unpark(st.thread);
});

function set_cpu_online(cpu: number, online: boolean): void {
  K.cpu_online_mask = K.cpu_online_mask.with(cpu, online);
}

/** cpuhp_kick_ap: lets cpuhp/N run the CPU's states towards `target`, and waits for them. */
const cpuhp_kick_ap = kfunc(function* cpuhp_kick_ap(cpu: number, target: "up" | "down") {
  const st = cpuhp_state(cpu);
  if (st.thread === null) return;
  st.target = target;
  st.should_run = true;
  yield* wake_up_process(st.thread);
  yield* wait_for_completion(st.done_up);
});

/** cpu_up: walks `cpu` through its hotplug states up to online. Returns 0 (also if it is online), -EINVAL for a CPU that does not exist. */
export const cpu_up = kfunc(function* cpu_up(cpu: number) {
  if (!K.cpu_possible_mask.test(cpu)) return -EINVAL;
  if (K.cpu_online_mask.test(cpu)) return 0;
  const ret = yield* smpboot_create_threads(cpu); // CPUHP_CREATE_THREADS
  if (ret) return ret;
  yield* workqueue_prepare_cpu(cpu); // CPUHP_WORKQUEUE_PREP
  yield* bringup_cpu(cpu); // CPUHP_BRINGUP_CPU
  if (K.era.cpuhp_threads) yield* cpuhp_kick_ap(cpu, "up");
  else yield* cpu_notify("CPU_ONLINE", cpu);
  return 0;
});

/**
 * cpu_down: takes `cpu` offline: cpuhp/N parks the CPU's per-CPU threads and unbinds its
 * pool workers, cpuhp/N parks itself, then the CPU stops; its queued tasks and timers move
 * to a CPU that stays. Returns 0 (also if it is offline); -EINVAL for CPU 0 (the model keeps
 * the boot CPU) or a CPU that does not exist. May sleep.
 */
export const cpu_down = kfunc(function* cpu_down(cpu: number) {
  if (cpu === 0 || !K.cpu_possible_mask.test(cpu)) return -EINVAL;
  if (!K.cpu_online_mask.test(cpu)) return 0;
  if (K.era.cpuhp_threads) yield* cpuhp_kick_ap(cpu, "down");
  else yield* cpu_notify("CPU_DOWN_PREPARE", cpu);
  const st = cpuhp_state(cpu);
  if (st.thread !== null) yield* kthread_park(st.thread);
  set_cpu_online(cpu, false); // take_cpu_down: nothing new is placed there from now on
  const rq = cpu_rq(cpu);
  while (rq.curr !== rq.idle) yield* msleep(1); // let what runs there finish its slice
  const e = activeEngine();
  const to = [...K.cpu_online_mask][0] as number;
  migrate_tasks(rq, to);
  e.offline(e.cpus[cpu] as Cpu, e.cpus[to] as Cpu);
  return 0;
});

/** smp_init: idle tasks, cpuhp threads (not in a minimal boot), then every secondary CPU in order. */
export const smp_init = kfunc(function* smp_init(minimal: boolean) {
  yield* idle_threads_init();
  if (!minimal && K.era.cpuhp_threads) yield* cpuhp_threads_init();
  for (let cpu = 1; cpu < K.nr_cpu_ids; cpu++) yield* cpu_up(cpu);
});
