/**
 * Per-CPU hotplug threads (kernel/smpboot.c): a subsystem registers a thread type
 * (ksoftirqd, migration, cpuhp); one thread per CPU is created bound and parked, and
 * unparked when its CPU comes online. Each runs smpboot_thread_fn, which sleeps until the
 * type's thread_should_run() says there is work.
 *
 * Before smpboot (≤2.6.32, K.era.percpu_threads "notifier"; read: 2.6.32 kernel/softirq.c
 * cpu_callback, kernel/sched.c migration_call, kernel/softlockup.c cpu_callback) each
 * subsystem's CPU notifier made its thread with kthread_create + kthread_bind at
 * CPU_UP_PREPARE and woke it at CPU_ONLINE; there was no parking. The model keeps this
 * file's registry for those eras and only swaps the creation and the start: the same
 * threads, made and woken at the same hotplug steps (the thread function keeps the name
 * smpboot_thread_fn).
 */
import { knownCode } from "../../sim/code.js";
import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { WARN_ON } from "../include/bug.js";
import { current } from "../include/current.js";
import { IS_ERR } from "../include/err.js";
import { ENOMEM } from "../include/errno.js";
import { TASK_INTERRUPTIBLE, TASK_PARKED, TASK_RUNNING } from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { kfree, kmalloc, type Tracked } from "../mm/slab.js";
import { get_task_struct } from "./fork.js";
import {
  kthread_create,
  kthread_parkme,
  kthread_set_per_cpu,
  kthread_should_park,
  kthread_should_stop,
} from "./kthread.js";
import {
  kthread_bind,
  kthread_create_on_cpu,
  kthread_park,
  kthread_stop_put,
  kthread_unpark,
} from "./kthread_control.js";
import {
  preempt_disable,
  preempt_enable,
  preempt_enable_no_resched,
  schedule,
  wait_task_inactive,
  wake_up_process,
} from "./sched/core.js";

export interface smp_hotplug_thread {
  /** Name format with one %u for the CPU. */
  thread_comm: string;
  thread_should_run(cpu: number): boolean;
  thread_fn(cpu: number): KGen<void>;
  /** Called once per created thread (migration makes it the stop task). */
  create?(cpu: number, tsk: task_struct): void;
  /** The thread of each CPU. */
  store: Map<number, task_struct>;
  /** cpuhp/N parks itself last, from the hotplug code, not with the others. */
  selfparking?: boolean;
}

/** tasklab's own: a sleeping type never has work (module-level: a saved state names them, src/sim/code.ts). */
function noWork(_cpu: number): boolean {
  return false;
}
function* noThreadFn(_cpu: number): KGen<void> {}
knownCode(noWork);

/** tasklab's own: a type whose thread has no modeled work (ksoftirqd, migration, watchdog): it only sleeps. */
export function sleepingPercpuThread(thread_comm: string): smp_hotplug_thread {
  return { thread_comm, thread_should_run: noWork, thread_fn: noThreadFn, store: new Map() };
}

interface smpboot_thread_data extends Tracked {
  cpu: number;
  ht: smp_hotplug_thread;
}

/** Registered types (K.hotplug_threads): new ones go to the head, so bring-up creates them newest first. */
function registry(): smp_hotplug_thread[] {
  return K.hotplug_threads;
}

const smpboot_thread_fn = kfunc(function* smpboot_thread_fn(data: unknown) {
  const td = data as smpboot_thread_data;
  const me = current();
  for (;;) {
    me.__state = TASK_INTERRUPTIBLE;
    preempt_disable();
    if (kthread_should_stop()) {
      me.__state = TASK_RUNNING;
      preempt_enable();
      kfree(td); // the thread owns its data from the moment it runs
      return 0;
    }
    if (K.era.percpu_threads === "smpboot" && kthread_should_park()) {
      me.__state = TASK_RUNNING;
      preempt_enable();
      yield* kthread_parkme();
      continue;
    }
    if (!td.ht.thread_should_run(td.cpu)) {
      preempt_enable_no_resched();
      yield* schedule();
    } else {
      me.__state = TASK_RUNNING;
      preempt_enable();
      yield* td.ht.thread_fn(td.cpu);
    }
  }
});

const __smpboot_create_thread = kfunc(function* __smpboot_create_thread(ht: smp_hotplug_thread, cpu: number) {
  if (ht.store.has(cpu)) return 0;
  const td = kmalloc<smpboot_thread_data>("smpboot_thread_data", 48, () => ({ cpu, ht, __slab: null }));
  if (td === null) return -ENOMEM;
  if (K.era.percpu_threads === "notifier") return yield* notifierCreateThread(ht, td, cpu);
  const tsk = yield* kthread_create_on_cpu(smpboot_thread_fn, td, cpu, ht.thread_comm);
  if (IS_ERR(tsk)) {
    kfree(td);
    return tsk.errno;
  }
  kthread_set_per_cpu(tsk, cpu);
  // Parked until its CPU is up; then it starts right there.
  yield* kthread_park(tsk);
  get_task_struct(tsk);
  ht.store.set(cpu, tsk);
  if (ht.create) {
    // The create hook (migration's) needs the thread off its run queue.
    if (!(yield* wait_task_inactive(tsk, TASK_PARKED))) WARN_ON(true, "kernel/smpboot.c");
    else ht.create(cpu, tsk);
  }
  return 0;
});

/** ≤2.6.32's CPU_UP_PREPARE: kthread_create, kthread_bind; woken at CPU_ONLINE, never parked. */
function* notifierCreateThread(ht: smp_hotplug_thread, td: smpboot_thread_data, cpu: number) {
  const tsk = yield* kthread_create(smpboot_thread_fn, td, ht.thread_comm, cpu);
  if (IS_ERR(tsk)) {
    kfree(td);
    return tsk.errno;
  }
  yield* kthread_bind(tsk, cpu);
  get_task_struct(tsk);
  ht.store.set(cpu, tsk);
  ht.create?.(cpu, tsk);
  return 0;
}

/** smpboot_create_threads (CPUHP_CREATE_THREADS): every registered type, for `cpu`. */
export const smpboot_create_threads = kfunc(function* smpboot_create_threads(cpu: number) {
  // ≤2.6.32 the CPU_UP_PREPARE notifiers run by priority, then registration: migration
  // (priority 10), ksoftirqd, watchdog: the registration order.
  const types = K.era.percpu_threads === "notifier" ? [...registry()].reverse() : registry();
  for (const ht of types) {
    const ret = yield* __smpboot_create_thread(ht, cpu);
    if (ret) return ret;
  }
  return 0;
});

/** smpboot_unpark_thread: lets a type's thread on `cpu` run (cpuhp/N is unparked by the hotplug code). */
function* smpboot_unpark_thread(ht: smp_hotplug_thread, cpu: number) {
  const tsk = ht.store.get(cpu);
  if (tsk === undefined || ht.selfparking) return;
  if (K.era.percpu_threads === "notifier")
    yield* wake_up_process(tsk); // CPU_ONLINE
  else yield* kthread_unpark(tsk);
}

/** smpboot_unpark_threads (CPUHP_AP_SMPBOOT_THREADS): lets `cpu`'s threads run, newest type first. */
export const smpboot_unpark_threads = kfunc(function* smpboot_unpark_threads(cpu: number) {
  const types = K.era.percpu_threads === "notifier" ? [...registry()].reverse() : registry();
  for (const ht of types) yield* smpboot_unpark_thread(ht, cpu);
});

/**
 * smpboot_park_threads (CPU going down): parks `cpu`'s per-CPU threads in the reverse order
 * of unparking (oldest type first), cpuhp/N excepted: it parks itself last.
 */
export const smpboot_park_threads = kfunc(function* smpboot_park_threads(cpu: number) {
  if (K.era.percpu_threads === "notifier") return; // no parking before 3.x: they sleep on
  for (const ht of [...registry()].reverse()) {
    const tsk = ht.store.get(cpu);
    if (tsk !== undefined && !ht.selfparking) yield* kthread_park(tsk);
  }
});

/** smpboot_destroy_threads: stops every CPU's thread of a type (each frees its own data). */
const smpboot_destroy_threads = kfunc(function* smpboot_destroy_threads(ht: smp_hotplug_thread) {
  for (const [cpu, tsk] of [...ht.store].sort((a, b) => a[0] - b[0])) {
    yield* kthread_stop_put(tsk);
    ht.store.delete(cpu);
  }
});

/**
 * smpboot_register_percpu_thread: creates the type's thread on every online CPU and lets it
 * run, then registers the type for CPUs that come up later. If one cannot be created, the
 * ones made so far are stopped and the error returned.
 */
export const smpboot_register_percpu_thread = kfunc(function* smpboot_register_percpu_thread(ht: smp_hotplug_thread) {
  for (const cpu of K.cpu_online_mask) {
    const ret = yield* __smpboot_create_thread(ht, cpu);
    if (ret) {
      yield* smpboot_destroy_threads(ht);
      return ret;
    }
    yield* smpboot_unpark_thread(ht, cpu);
  }
  registry().unshift(ht);
  return 0;
});

/** smpboot_unregister_percpu_thread: unregisters the type and stops its threads. */
export const smpboot_unregister_percpu_thread = kfunc(function* smpboot_unregister_percpu_thread(
  ht: smp_hotplug_thread,
) {
  registry().splice(registry().indexOf(ht), 1);
  yield* smpboot_destroy_threads(ht);
});
