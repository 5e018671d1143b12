/**
 * Workqueue kthreads (kernel/workqueue.c, 6.8+ naming): the initial worker of each
 * per-CPU pool ("kworker/N:0", and "kworker/N:0H" at nice -20), of the unbound pools
 * ("kworker/uP:0"), and the rescuer of each WQ_MEM_RECLAIM workqueue ("kworker/R-<wq>").
 * Workers and rescuers mark themselves PF_WQ_WORKER and wait for work in TASK_IDLE (I).
 * No work items are modeled.
 */
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { IS_ERR } from "../include/err.js";
import { NUMA_NO_NODE, PF_WQ_WORKER, TASK_IDLE } from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { __kthread_create_on_node, kthread_create, kthread_set_per_cpu, to_kthread } from "./kthread.js";
import { kthread_bind_mask } from "./kthread_control.js";
import { kthread_idle_loop } from "./kthread_daemon.js";
import { do_set_cpus_allowed, set_user_nice, wake_up_process } from "./sched/core.js";

const HIGHPRI_NICE_LEVEL = -20;
const RESCUER_NICE_LEVEL = -20;

/** Workqueues created with WQ_MEM_RECLAIM before workqueue_init (each gets a rescuer). */
export const EARLY_RECLAIM_WORKQUEUES = ["rcu_gp", "sync_wq", "kvfree_rcu_reclaim", "slub_flushwq", "netns"];

const worker_thread = kfunc(function* worker_thread(_worker: unknown) {
  current().flags |= PF_WQ_WORKER;
  return yield* kthread_idle_loop(TASK_IDLE);
});

const rescuer_thread = kfunc(function* rescuer_thread(_rescuer: unknown) {
  set_user_nice(current(), RESCUER_NICE_LEVEL);
  current().flags |= PF_WQ_WORKER;
  return yield* kthread_idle_loop(TASK_IDLE);
});

/**
 * create_worker: a pool's worker, reniced and bound to the pool's CPUs, then started. A
 * worker of a CPU that is not up yet runs unbound until workqueue_online_cpu rebinds it.
 */
const create_worker = kfunc(function* create_worker(id_buf: string, nice: number, mask: cpumask, cpu: number) {
  const t = yield* __kthread_create_on_node(worker_thread, null, NUMA_NO_NODE, "kworker/%s", [id_buf]);
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
  const t = yield* kthread_create(rescuer_thread, null, "kworker/R-%s", wq_name);
  if (IS_ERR(t)) return t.errno;
  yield* kthread_bind_mask(t, K.cpu_possible_mask);
  yield* wake_up_process(t);
  return 0;
});

/** Unbound pool ids follow the BH and per-CPU pools (two of each per possible CPU). */
function unbound_pool_id(highpri: boolean): number {
  return 4 * K.nr_cpu_ids + (highpri ? 1 : 0);
}

/** workqueue_prepare_cpu (CPUHP_WORKQUEUE_PREP): the first workers of `cpu`'s pools, if they have none. */
export const workqueue_prepare_cpu = kfunc(function* workqueue_prepare_cpu(cpu: number) {
  if (!K.wq_online) return; // no workqueues yet (or none at all: a minimal boot)
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
  for (const wq of EARLY_RECLAIM_WORKQUEUES) yield* init_rescuer(wq);
  for (const cpu of K.cpu_online_mask) yield* workqueue_prepare_cpu(cpu);
  yield* create_worker(`u${unbound_pool_id(false)}:0`, 0, K.cpu_possible_mask, -1);
  yield* create_worker(`u${unbound_pool_id(true)}:0`, HIGHPRI_NICE_LEVEL, K.cpu_possible_mask, -1);
});
