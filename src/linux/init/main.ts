/**
 * Boot (init/main.c, 6.19): start_kernel → rest_init creates pid 1 (kernel_init, a user
 * mode thread since 6.1) first, then pid 2 (kthreadd), lets kernel_init go, and becomes
 * CPU 0's idle loop. kernel_init creates the boot's kernel threads through kthreadd, brings
 * up the other CPUs, and then runs the scenario's main function, as an init program would.
 */
import type { KGen } from "../../sim/engine.js";
import { kcall, kfunc } from "../../sim/functions.js";
import { set_task_comm } from "../fs/exec.js";
import { current, smp_processor_id } from "../include/current.js";
import { EXIT_ZOMBIE, PF_NO_SETAFFINITY, TASK_INTERRUPTIBLE } from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { CLONE_FILES, CLONE_FS } from "../include/uapi/sched.js";
import { __WALL, WNOHANG } from "../include/uapi/wait.js";
import { smp_init } from "../kernel/cpu.js";
import { kernel_wait4 } from "../kernel/exit_wait.js";
import { kernel_thread, user_mode_thread } from "../kernel/fork.js";
import { kthreadd } from "../kernel/kthread.js";
import { kthread_run_worker } from "../kernel/kthread_worker.js";
import { find_task_by_pid_ns } from "../kernel/pid.js";
import { rcu_spawn_gp_kthread } from "../kernel/rcu/tree.js";
import { complete, wait_for_completion } from "../kernel/sched/completion.js";
import { do_set_cpus_allowed, schedule, schedule_preempt_disabled } from "../kernel/sched/core.js";
import { cpu_startup_entry } from "../kernel/sched/idle.js";
import { finish_wait, init_wait_entry, prepare_to_wait } from "../kernel/sched/wait.js";
import { spawn_ksoftirqd } from "../kernel/softirq.js";
import { cpu_stop_init } from "../kernel/stop_machine.js";
import { init_rescuer, workqueue_init } from "../kernel/workqueue.js";
import { K } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { do_initcalls } from "./initcalls.js";

/** What pid 1 runs once the kernel is up: the scenario (null: just boot). */
export type InitMain = (() => KGen<unknown>) | null;

/** Hook run at the moment boot is over and the scenario starts (e.g. to start tracing). */
export interface BootHooks {
  init_main: InitMain;
  /**
   * Boot only what task creation needs: pid 1, kthreadd and the other CPUs (their idle
   * tasks), none of the boot's kernel threads. The explorer runs a scenario thousands of
   * times; this keeps each run to the tasks the scenario is about.
   */
  minimal: boolean;
  on_booted: () => void;
}

/** do_pre_smp_initcalls: the early initcalls that start per-CPU and RCU threads. */
const do_pre_smp_initcalls = kfunc(function* do_pre_smp_initcalls() {
  yield* spawn_ksoftirqd();
  yield* rcu_spawn_gp_kthread();
  yield* cpu_stop_init();
});

const kernel_init_freeable = kfunc(function* kernel_init_freeable(minimal: boolean) {
  if (!minimal) {
    yield* kthread_run_worker(0, "pool_workqueue_release"); // workqueue_init's pwq_release_worker
    yield* workqueue_init();
    yield* init_rescuer("mm_percpu_wq"); // init_mm_internals
    yield* do_pre_smp_initcalls();
  }
  yield* smp_init(minimal);
  // sched_init_smp: init may now run anywhere.
  const init = current();
  init.flags &= ~PF_NO_SETAFFINITY;
  do_set_cpus_allowed(init, K.cpu_possible_mask);
  if (!minimal) yield* do_initcalls();
});

/** Whether p has a child that exited and waits to be reaped. */
function has_zombie_child(p: task_struct): boolean {
  for (const c of p.children) if (c.exit_state === EXIT_ZOMBIE && c.signal.nr_threads <= 1) return true;
  return false;
}

/** What /sbin/init does forever: wait for children (orphans are reparented to it) and reap them. */
function* init_reap_loop(): KGen<never> {
  const me = current();
  const w = init_wait_entry(me, false);
  for (;;) {
    prepare_to_wait(me.signal.wait_chldexit, w, TASK_INTERRUPTIBLE);
    if (has_zombie_child(me)) {
      finish_wait(me.signal.wait_chldexit, w);
      yield* kernel_wait4(-1, 0, WNOHANG | __WALL, null);
      continue;
    }
    yield* schedule();
  }
}

function make_kernel_init(hooks: BootHooks) {
  return kfunc(function* kernel_init(_unused: unknown) {
    yield* wait_for_completion(K.kthreadd_done);
    yield* kernel_init_freeable(hooks.minimal);
    K.system_state = "running";
    // run_init_process: exec of the init program renames pid 1 (it was "swapper/0").
    set_task_comm(current(), "init");
    hooks.on_booted();
    if (hooks.init_main !== null) yield* kcall(hooks.init_main, undefined, "main");
    // An init with nothing left to do reaps the orphans given to it, and otherwise sleeps.
    yield* init_reap_loop();
    return 0;
  });
}

const rest_init = kfunc(function* rest_init(hooks: BootHooks) {
  // pid 1 first, so that it gets pid 1; pinned to the boot CPU until SMP is up.
  const pid = yield* user_mode_thread(make_kernel_init(hooks), null, CLONE_FS);
  const init = find_task_by_pid_ns(pid, K.init_pid_ns);
  K.child_reaper = init;
  if (init !== null) {
    init.flags |= PF_NO_SETAFFINITY;
    do_set_cpus_allowed(init, cpumask.of(K.nr_cpu_ids, [smp_processor_id()]));
  }
  const kpid = yield* kernel_thread(kthreadd, null, null, CLONE_FS | CLONE_FILES);
  K.kthreadd_task = find_task_by_pid_ns(kpid, K.init_pid_ns);
  K.system_state = "scheduling";
  yield* complete(K.kthreadd_done);
  yield* schedule_preempt_disabled();
  yield* cpu_startup_entry(0);
});

/** start_kernel: what CPU 0's init_task runs (the early set-up was done when the machine was built). */
export const start_kernel = kfunc(function* start_kernel(hooks: BootHooks) {
  yield* rest_init(hooks);
  return 0;
});
