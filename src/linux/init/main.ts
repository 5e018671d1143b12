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
import { EXIT_ZOMBIE, PF_KTHREAD, PF_NO_SETAFFINITY, TASK_INTERRUPTIBLE } from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { CLONE_FILES, CLONE_FS, CLONE_SIGHAND } from "../include/uapi/sched.js";
import { __WALL, WNOHANG } from "../include/uapi/wait.js";
import { smp_init } from "../kernel/cpu.js";
import { kernel_wait4 } from "../kernel/exit_wait.js";
import { kernel_thread, user_mode_thread } from "../kernel/fork.js";
import { free_kthread_struct, kthreadd } from "../kernel/kthread.js";
import { find_task_by_pid_ns } from "../kernel/pid.js";
import { complete, wait_for_completion } from "../kernel/sched/completion.js";
import { do_set_cpus_allowed, schedule, schedule_preempt_disabled } from "../kernel/sched/core.js";
import { cpu_startup_entry } from "../kernel/sched/idle.js";
import { finish_wait, init_wait_entry, prepare_to_wait } from "../kernel/sched/wait.js";
import { K } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { beforeSmpInit, do_initcalls } from "./initcalls.js";

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
  /** Told when boot is over (the machine: an object, not a closure, so a snapshot copies it). */
  on_booted: { booted(): void };
}

const kernel_init_freeable = kfunc(function* kernel_init_freeable(minimal: boolean) {
  if (!minimal) yield* beforeSmpInit(); // workqueues, do_pre_smp_initcalls (initcalls.ts, per era)
  yield* smp_init(minimal);
  // sched_init_smp: init may now run anywhere.
  const init = current();
  init.flags &= ~PF_NO_SETAFFINITY;
  do_set_cpus_allowed(init, K.cpu_possible_mask);
  if (!minimal) yield* do_initcalls();
});

/** tasklab's own: whether p has a child that exited and waits to be reaped. */
function hasZombieChild(p: task_struct): boolean {
  for (const c of p.children) if (c.exit_state === EXIT_ZOMBIE && c.signal.nr_threads <= 1) return true;
  return false;
}

/** tasklab's own: what /sbin/init does forever: wait for children (orphans come to it) and reap them. */
function* initReapLoop(): KGen<never> {
  const me = current();
  const w = init_wait_entry(me, false);
  for (;;) {
    prepare_to_wait(me.signal.wait_chldexit, w, TASK_INTERRUPTIBLE);
    if (hasZombieChild(me)) {
      finish_wait(me.signal.wait_chldexit, w);
      yield* kernel_wait4(-1, 0, WNOHANG | __WALL, null);
      continue;
    }
    yield* schedule();
  }
}

/** pid 1's thread function; its argument is the machine's boot hooks (the kernel's has none). */
const kernel_init = kfunc(function* kernel_init(arg: unknown) {
  const hooks = arg as BootHooks;
  yield* wait_for_completion(K.kthreadd_done);
  yield* kernel_init_freeable(hooks.minimal);
  K.system_state = "running";
  // run_init_process: exec of the init program renames pid 1 (it was "swapper/0").
  initExec(current());
  hooks.on_booted.booted();
  if (hooks.init_main !== null) yield* kcall(hooks.init_main, undefined, "main");
  // An init with nothing left to do reaps the orphans given to it, and otherwise sleeps.
  yield* initReapLoop();
  return 0;
});

/**
 * pid 1 per release (§4.1 step 3): kernel_thread(kernel_init, CLONE_FS|CLONE_SIGHAND)
 * ≤3.13, kernel_thread(kernel_init, CLONE_FS) 4.x–6.0 (a kernel thread by inheritance until
 * its exec), user_mode_thread(kernel_init, CLONE_FS) 6.1+ (never a kthread).
 * Models rest_init (its kernel_thread/user_mode_thread(kernel_init) call).
 */
function* createInit(hooks: BootHooks): KGen<number> {
  const how = K.era.init_thread;
  if (how === "user_mode_thread") return yield* user_mode_thread(kernel_init, hooks, CLONE_FS);
  const flags = how === "kernel_thread_sighand" ? CLONE_FS | CLONE_SIGHAND : CLONE_FS;
  return yield* kernel_thread(kernel_init, hooks, null, flags);
}

/**
 * run_init_process's exec, as far as pid 1's task is concerned: the new name, and (≤6.0,
 * where pid 1 was forked as a kernel thread) the flush that ends that: its struct kthread
 * (5.17–6.0) is freed and PF_KTHREAD cleared, so its children are user processes.
 */
function initExec(init: task_struct): void {
  set_task_comm(init, "init");
  if (K.era.pf_kthread === "args" || !(init.flags & PF_KTHREAD)) return;
  free_kthread_struct(init);
  init.flags &= ~PF_KTHREAD;
}

const rest_init = kfunc(function* rest_init(hooks: BootHooks) {
  // pid 1 first, so that it gets pid 1; pinned to the boot CPU until SMP is up (4.14+).
  const pid = yield* createInit(hooks);
  const init = find_task_by_pid_ns(pid, K.init_pid_ns);
  K.child_reaper = init;
  if (K.era.init_pinned) {
    // rest_init trusts that pid 1 exists: a failed fork (injected) oopses here, in swapper/0.
    if (init === null) throw new Error(`kernel NULL pointer dereference: no task has pid 1 (creating it gave ${pid})`);
    if (K.era.init_no_setaffinity) init.flags |= PF_NO_SETAFFINITY;
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
