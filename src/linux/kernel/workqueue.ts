/**
 * Workqueue kthreads (kernel/workqueue.c). 3.x+: the initial worker of each per-CPU pool
 * ("kworker/N:0", and "kworker/N:0H" at nice -20), of the unbound pools ("kworker/uP:0"),
 * and the rescuer of each WQ_MEM_RECLAIM workqueue, named after it (≤6.4, "%s") or
 * "kworker/R-<wq>" (6.8+). Workers and rescuers mark themselves PF_WQ_WORKER and wait for
 * work in TASK_IDLE (I). ≤2.6.32 (read: kernel/workqueue.c of 2.6.24 and 2.6.32,
 * create_workqueue_thread): one thread per workqueue and online CPU, "<wq>/<cpu>", bound to
 * it, or one "<wq>" for a single-threaded workqueue; they wait in TASK_INTERRUPTIBLE (S).
 * No work items are modeled.
 */
import { kfunc } from "../../sim/functions.js";
import { within } from "../eras/profiles.js";
import { current } from "../include/current.js";
import { IS_ERR } from "../include/err.js";
import { NUMA_NO_NODE, PF_WQ_WORKER, TASK_IDLE, TASK_INTERRUPTIBLE } from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { kernelCreateOnNode, kthread_create, kthread_set_per_cpu, to_kthread } from "./kthread.js";
import { kthread_bind, kthread_bind_mask } from "./kthread_control.js";
import { kthreadIdleLoop } from "./kthread_daemon.js";
import { do_set_cpus_allowed, set_user_nice, wake_up_process } from "./sched/core.js";

const HIGHPRI_NICE_LEVEL = -20;
const RESCUER_NICE_LEVEL = -20;

/**
 * Workqueues created with WQ_MEM_RECLAIM before workqueue_init (each gets a rescuer), with
 * the first and last modeled releases that allocate them early (the trees of the brief,
 * grepped for each alloc_workqueue name; rcu_par_gp is gone where the expedited-GP kthread
 * workers replace it, 6.1+).
 */
export const EARLY_RECLAIM_WORKQUEUES: readonly { name: string; since: string; until?: string }[] = [
  { name: "rcu_gp", since: "4.19" },
  { name: "rcu_par_gp", since: "4.19", until: "5.17" },
  { name: "sync_wq", since: "6.19" },
  { name: "kvfree_rcu_reclaim", since: "6.19" },
  { name: "slub_flushwq", since: "6.1" },
  { name: "netns", since: "3.0" },
];

const worker_thread = kfunc(function* worker_thread(_worker: unknown) {
  if (K.era.workqueue_threads === "per_wq") return yield* kthreadIdleLoop(TASK_INTERRUPTIBLE);
  current().flags |= PF_WQ_WORKER;
  return yield* kthreadIdleLoop(TASK_IDLE);
});

const rescuer_thread = kfunc(function* rescuer_thread(_rescuer: unknown) {
  set_user_nice(current(), RESCUER_NICE_LEVEL);
  current().flags |= PF_WQ_WORKER;
  return yield* kthreadIdleLoop(TASK_IDLE);
});

/**
 * create_worker: a pool's worker, reniced and bound to the pool's CPUs, then started. A
 * worker of a CPU that is not up yet runs unbound until workqueue_online_cpu rebinds it.
 */
const create_worker = kfunc(function* create_worker(id_buf: string, nice: number, mask: cpumask, cpu: number) {
  const t = yield* kernelCreateOnNode(worker_thread, null, NUMA_NO_NODE, "kworker/%s", [id_buf]);
  if (IS_ERR(t)) return t.errno;
  set_user_nice(t, nice);
  yield* kthread_bind_mask(t, mask);
  if (cpu >= 0) {
    K.percpu_workers.push(t);
    if (K.cpu_online_mask.test(cpu)) {
      kthread_set_per_cpu(t, cpu);
    } else {
      to_kthread(t).cpu = cpu;
      K.unbound_percpu_workers.push(t);
    }
  }
  yield* wake_up_process(t);
  return 0;
});

/** workqueue_offline_cpu: the CPU's pool workers go on unbound, on the CPUs that stay. */
export function workqueue_offline_cpu(cpu: number): void {
  for (const t of K.percpu_workers) {
    const kt = to_kthread(t);
    if (kt.cpu !== cpu || t.exit_state !== 0) continue;
    kthread_set_per_cpu(t, -1);
    do_set_cpus_allowed(t, K.cpu_possible_mask);
    K.unbound_percpu_workers.push(t);
  }
}

/** workqueue_online_cpu: the CPU's pool workers are bound to it again. */
export function workqueue_online_cpu(cpu: number): void {
  const mask = cpumask.of(K.nr_cpu_ids, [cpu]);
  const waiting = K.unbound_percpu_workers;
  for (let i = waiting.length - 1; i >= 0; i--) {
    const t = waiting[i] as task_struct;
    if (to_kthread(t).cpu !== cpu) continue;
    kthread_set_per_cpu(t, cpu);
    do_set_cpus_allowed(t, mask);
    waiting.splice(i, 1);
  }
}

/** init_rescuer: the rescuer of a WQ_MEM_RECLAIM workqueue. */
export const init_rescuer = kfunc(function* init_rescuer(wq_name: string) {
  const t = yield* kthread_create(rescuer_thread, null, K.era.rescuer_prefix === "" ? "%s" : "kworker/R-%s", wq_name);
  if (IS_ERR(t)) return t.errno;
  yield* kthread_bind_mask(t, K.cpu_possible_mask);
  yield* wake_up_process(t);
  return 0;
});

/** Models worker_pool_assign_id: unbound pool ids follow the BH and per-CPU pools (two of each per CPU). */
function unboundPoolId(highpri: boolean): number {
  return 4 * K.nr_cpu_ids + (highpri ? 1 : 0);
}

/** workqueue_prepare_cpu (CPUHP_WORKQUEUE_PREP): the first workers of `cpu`'s pools, if they have none. */
export const workqueue_prepare_cpu = kfunc(function* workqueue_prepare_cpu(cpu: number) {
  if (!K.wq_online) return; // no workqueues yet (or none at all: a minimal boot)
  if (K.era.workqueue_threads === "per_wq") return yield* workqueueCpuUpPrepare(cpu);
  if (K.percpu_workers.some((t) => to_kthread(t).cpu === cpu)) return;
  const mask = cpumask.of(K.nr_cpu_ids, [cpu]);
  yield* create_worker(`${cpu}:0`, 0, mask, cpu);
  yield* create_worker(`${cpu}:0H`, HIGHPRI_NICE_LEVEL, mask, cpu);
});

/**
 * workqueue_init: rescuers for the early reclaim workqueues, then the initial workers of
 * the online CPUs' pools and of the unbound pools.
 */
export const workqueue_init = kfunc(function* workqueue_init() {
  K.wq_online = true;
  for (const wq of EARLY_RECLAIM_WORKQUEUES) if (within(K.era, wq.since, wq.until)) yield* init_rescuer(wq.name);
  for (const cpu of K.cpu_online_mask) yield* workqueue_prepare_cpu(cpu);
  yield* create_worker(`u${unboundPoolId(false)}:0`, 0, K.cpu_possible_mask, -1);
  yield* create_worker(`u${unboundPoolId(true)}:0`, HIGHPRI_NICE_LEVEL, K.cpu_possible_mask, -1);
});

// ---- ≤2.6.32: a thread per workqueue and CPU ----------------------------------------------

/** A workqueue of the per-workqueue-thread era (struct workqueue_struct, as far as its threads go). */
export interface workqueue_struct {
  name: string;
  singlethread: boolean;
  /** cpu_workqueue_struct.thread of each CPU (-1: the single thread). */
  threads: Map<number, task_struct>;
  /** The CPUs whose thread was started (bound and woken). */
  started: Set<number>;
}

/** The multi-threaded workqueues (2.6.32's `workqueues` list). */
function workqueues(): workqueue_struct[] {
  return K.legacy_workqueues;
}

/** create_workqueue_thread: the thread, named "<wq>/<cpu>" or "<wq>", not yet started. */
const create_workqueue_thread = kfunc(function* create_workqueue_thread(wq: workqueue_struct, cpu: number) {
  const t = wq.singlethread
    ? yield* kthread_create(worker_thread, wq, "%s", wq.name)
    : yield* kthread_create(worker_thread, wq, "%s/%d", wq.name, cpu);
  if (IS_ERR(t)) return t.errno;
  wq.threads.set(wq.singlethread ? -1 : cpu, t);
  return 0;
});

/** start_workqueue_thread: binds the thread to its CPU (not a single thread's) and wakes it. */
const start_workqueue_thread = kfunc(function* start_workqueue_thread(wq: workqueue_struct, cpu: number) {
  const t = wq.threads.get(cpu);
  if (t === undefined || wq.started.has(cpu)) return;
  wq.started.add(cpu);
  if (cpu >= 0) yield* kthread_bind(t, cpu);
  yield* wake_up_process(t);
});

/**
 * __create_workqueue_key: a single-threaded workqueue gets its one thread, a per-CPU one a
 * thread on each online CPU (and goes on the list, for CPUs that come up later).
 */
export const __create_workqueue_key = kfunc(function* __create_workqueue_key(name: string, singlethread: boolean) {
  const wq: workqueue_struct = { name, singlethread, threads: new Map(), started: new Set() };
  if (singlethread) {
    const err = yield* create_workqueue_thread(wq, -1);
    yield* start_workqueue_thread(wq, -1);
    return err;
  }
  workqueues().push(wq);
  for (const cpu of K.cpu_online_mask) {
    const err = yield* create_workqueue_thread(wq, cpu);
    if (err) return err;
    yield* start_workqueue_thread(wq, cpu);
  }
  return 0;
});

/** init_workqueues (≤2.6.32, from do_basic_setup): keventd's "events". */
export const init_workqueues = kfunc(function* init_workqueues() {
  K.wq_online = true;
  return yield* __create_workqueue_key("events", false);
});

/** workqueue_cpu_callback, CPU_UP_PREPARE: each per-CPU workqueue's thread for the new CPU. */
function* workqueueCpuUpPrepare(cpu: number) {
  for (const wq of workqueues()) if (!wq.threads.has(cpu)) yield* create_workqueue_thread(wq, cpu);
}

/**
 * workqueue_cpu_callback, CPU_ONLINE: the new CPU's threads are bound and started. (A CPU
 * going down keeps its threads asleep in the model; 2.6.32 stops them at CPU_POST_DEAD.)
 */
export const workqueueCpuOnline = kfunc(function* workqueue_cpu_callback(cpu: number) {
  for (const wq of workqueues()) yield* start_workqueue_thread(wq, cpu);
});
