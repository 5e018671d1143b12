/**
 * Kthread workers (kernel/kthread.c, 4.9+; as 6.19 has them, creation as each release): a kernel thread that runs queued work items
 * one at a time. A work item is on at most one list at a time (the worker's queue, its
 * delayed list while the timer runs, or none); `current_work` is the item being run.
 * flush waits for a private marker item queued behind the one flushed; destroy flushes,
 * stops the thread and frees the worker.
 */
import type { KGen, Timer } from "../../sim/engine.js";
import { kcall, kfunc } from "../../sim/functions.js";
import { WARN_ON, WARN_ON_ONCE } from "../include/bug.js";
import { current } from "../include/current.js";
import { ERR_PTR, type ErrOr, IS_ERR } from "../include/err.js";
import { ENOMEM } from "../include/errno.js";
import { NUMA_NO_NODE, PF_NOFREEZE, TASK_INTERRUPTIBLE, TASK_RUNNING } from "../include/sched.js";
import type { completion, spinlock_t, task_struct } from "../include/task_struct.js";
import {
  trace_sched_kthread_work_execute_end,
  trace_sched_kthread_work_execute_start,
  trace_sched_kthread_work_queue_work,
} from "../include/trace/events/sched.js";
import { K } from "../kernel.js";
import { list_add, list_add_tail, list_del_init, list_empty, list_first_entry, list_head } from "../lib/list.js";
import type { PrintfArg } from "../lib/vsprintf.js";
import { kfree, kzalloc, type Tracked } from "../mm/slab.js";
import { freezing, try_to_freeze } from "./freezer.js";
import { __kthread_create_on_node, kthread_should_stop, kthreadApi } from "./kthread.js";
import { cpu_to_node, kthread_bind, kthread_stop } from "./kthread_control.js";
import { spin_lock_irq, spin_unlock_irq } from "./locking/spinlock.js";
import { complete, init_completion, wait_for_completion } from "./sched/completion.js";
import { cond_resched, schedule, set_current_state, wake_up_process } from "./sched/core.js";
import { addTimerOnThisCpu, del_timer, irqTimerFn, jiffies } from "./time/timer.js";

/** Worker flags. */
export const KTW_FREEZABLE = 1 << 0;

export type kthread_work_func_t = (work: kthread_work) => KGen<void>;

export interface kthread_work {
  node: list_head<kthread_work>;
  func: kthread_work_func_t;
  worker: kthread_worker | null;
  /** Number of cancels in progress: no requeueing meanwhile. */
  canceling: number;
}

export interface kthread_delayed_work {
  work: kthread_work;
  timer: Timer | null;
}

export interface kthread_worker extends Tracked {
  flags: number;
  lock: spinlock_t;
  work_list: list_head<kthread_work>;
  delayed_work_list: list_head<kthread_work>;
  task: task_struct | null;
  current_work: kthread_work | null;
}

/** kthread_init_work (KTHREAD_WORK_INIT): a work item that runs `func`. */
export function kthread_init_work(func: kthread_work_func_t): kthread_work {
  const w: kthread_work = { node: null as unknown as list_head<kthread_work>, func, worker: null, canceling: 0 };
  w.node = new list_head(w);
  return w;
}

export function kthread_init_delayed_work(func: kthread_work_func_t): kthread_delayed_work {
  return { work: kthread_init_work(func), timer: null };
}

/**
 * kthread_worker_fn: the worker's loop. Runs queued works in order, each traced with
 * sched_kthread_work_execute_start/end; sleeps (S) when the queue is empty; returns 0
 * when stopped. May be frozen if the worker is freezable.
 */
export const kthread_worker_fn = kfunc(function* kthread_worker_fn(worker_ptr: unknown) {
  const worker = worker_ptr as kthread_worker;
  const me = current();
  WARN_ON(worker.task !== null && worker.task !== me, "kernel/kthread.c");
  worker.task = me;
  if (worker.flags & KTW_FREEZABLE) me.flags &= ~PF_NOFREEZE;
  for (;;) {
    set_current_state(TASK_INTERRUPTIBLE);
    if (kthread_should_stop()) {
      set_current_state(TASK_RUNNING);
      yield* spin_lock_irq(worker.lock);
      worker.task = null;
      spin_unlock_irq(worker.lock);
      return 0;
    }
    let work: kthread_work | null = null;
    yield* spin_lock_irq(worker.lock);
    if (!list_empty(worker.work_list)) {
      work = list_first_entry(worker.work_list);
      list_del_init(work.node);
    }
    worker.current_work = work;
    spin_unlock_irq(worker.lock);
    if (work !== null) {
      const func = work.func;
      set_current_state(TASK_RUNNING);
      trace_sched_kthread_work_execute_start(work);
      yield* kcall(func, work, "work_fn");
      // The work may be freed by its function: only its address is traced.
      trace_sched_kthread_work_execute_end(work, func);
    } else if (!freezing(me)) {
      yield* schedule();
    } else {
      set_current_state(TASK_RUNNING);
    }
    yield* try_to_freeze();
    yield* cond_resched();
  }
});

/** An empty worker (kthread_init_worker); allocated by the create functions. */
function newWorker(): kthread_worker | null {
  return kzalloc<kthread_worker>("kthread_worker", 96, () => ({
    flags: 0,
    lock: { name: "&worker->lock", owner: null },
    work_list: new list_head<kthread_work>(),
    delayed_work_list: new list_head<kthread_work>(),
    task: null,
    current_work: null,
    __slab: null,
  }));
}

/**
 * __kthread_create_worker: a worker and its thread, bound to `cpu` unless it is -1, on
 * `node`. Until 6.13 the thread is then woken; 6.14+ leave it asleep (use
 * kthread_run_worker or wake_up_process(worker.task)). Returns the worker,
 * ERR_PTR(-ENOMEM) when it cannot be allocated, or the thread's creation error (the worker
 * freed).
 */
function* __kthread_create_worker(
  cpu: number,
  flags: number,
  node: number,
  namefmt: string,
  args: readonly PrintfArg[],
): KGen<ErrOr<kthread_worker>> {
  const worker = newWorker();
  if (worker === null) return ERR_PTR(-ENOMEM);
  const task = yield* __kthread_create_on_node(kthread_worker_fn, worker, node, namefmt, args);
  if (IS_ERR(task)) {
    kfree(worker);
    return task;
  }
  if (cpu >= 0) yield* kthread_bind(task, cpu);
  worker.flags = flags;
  worker.task = task;
  if (K.era.kthread_worker_wakes) yield* wake_up_process(task);
  return worker;
}

/** kthread_create_worker_on_node: a worker for `node` (see __kthread_create_worker). */
export function kthread_create_worker_on_node(flags: number, node: number, namefmt: string, ...args: PrintfArg[]) {
  kthreadApi("kthread_create_worker");
  return __kthread_create_worker(-1, flags, node, namefmt, args);
}

export function kthread_create_worker(flags: number, namefmt: string, ...args: PrintfArg[]) {
  return kthread_create_worker_on_node(flags, NUMA_NO_NODE, namefmt, ...args);
}

/** kthread_create_worker_on_cpu: a worker bound to `cpu`; `namefmt` takes the cpu number. */
export function kthread_create_worker_on_cpu(cpu: number, flags: number, namefmt: string) {
  kthreadApi("kthread_create_worker_on_cpu");
  return __kthread_create_worker(cpu, flags, cpu_to_node(cpu), namefmt, [cpu]);
}

/** kthread_run_worker (6.14+): kthread_create_worker, then wake its thread. */
export function* kthread_run_worker(flags: number, namefmt: string, ...args: PrintfArg[]) {
  kthreadApi("kthread_run_worker");
  const worker: ErrOr<kthread_worker> = yield* kthread_create_worker(flags, namefmt, ...args);
  if (!IS_ERR(worker)) yield* wake_up_process(worker.task as task_struct);
  return worker;
}

/**
 * A running worker as the release's own code gets one: kthread_run_worker from 6.14;
 * before, kthread_create_worker, which wakes it itself. (Not a Linux function: the model's
 * callers that exist on both sides of 6.14 — the boot's workers, scenarios — use it.)
 */
export function startKthreadWorker(flags: number, namefmt: string, ...args: PrintfArg[]) {
  return K.era.kthread_api.has("kthread_run_worker")
    ? kthread_run_worker(flags, namefmt, ...args)
    : kthread_create_worker(flags, namefmt, ...args);
}

/** kthread_run_worker_on_cpu (6.14+): kthread_create_worker_on_cpu, then wake its thread. */
export function* kthread_run_worker_on_cpu(cpu: number, flags: number, namefmt: string) {
  kthreadApi("kthread_run_worker");
  const worker: ErrOr<kthread_worker> = yield* kthread_create_worker_on_cpu(cpu, flags, namefmt);
  if (!IS_ERR(worker)) yield* wake_up_process(worker.task as task_struct);
  return worker;
}

/** Queuing is refused while the work is queued somewhere or being cancelled. */
function queuing_blocked(work: kthread_work): boolean {
  return !list_empty(work.node) || work.canceling > 0;
}

/** kthread_insert_work: puts work before `pos`; wakes the worker if it is not busy. */
function* kthread_insert_work(worker: kthread_worker, work: kthread_work, pos: list_head<kthread_work>) {
  WARN_ON_ONCE(!list_empty(work.node), "kernel/kthread.c", "insert_work/queued");
  WARN_ON_ONCE(work.worker !== null && work.worker !== worker, "kernel/kthread.c", "insert_work/worker");
  trace_sched_kthread_work_queue_work(worker, work);
  list_add_tail(work.node, pos);
  work.worker = worker;
  if (worker.current_work === null && worker.task !== null) yield* wake_up_process(worker.task);
}

/** kthread_queue_work: queues work; false if it was already pending. Does not sleep. */
export const kthread_queue_work = kfunc(function* kthread_queue_work(worker: kthread_worker, work: kthread_work) {
  let ret = false;
  yield* spin_lock_irq(worker.lock);
  if (!queuing_blocked(work)) {
    yield* kthread_insert_work(worker, work, worker.work_list);
    ret = true;
  }
  spin_unlock_irq(worker.lock);
  return ret;
});

/** kthread_delayed_work_timer_fn: the timer moves the work to the worker's queue. */
const kthread_delayed_work_timer_fn = kfunc(function* kthread_delayed_work_timer_fn(dwork: kthread_delayed_work) {
  const work = dwork.work;
  const worker = work.worker;
  dwork.timer = null;
  if (WARN_ON_ONCE(worker === null, "kernel/kthread.c", "delayed_work_timer_fn/worker") || worker === null) return;
  yield* spin_lock_irq(worker.lock);
  WARN_ON_ONCE(list_empty(work.node), "kernel/kthread.c", "delayed_work_timer_fn/queued");
  list_del_init(work.node);
  if (!work.canceling) yield* kthread_insert_work(worker, work, worker.work_list);
  spin_unlock_irq(worker.lock);
});
/** Models kthread_delayed_work_timer_fn, run in irq context. */
const kthreadDelayedWorkTimerIrq = irqTimerFn(kthread_delayed_work_timer_fn);

function* __kthread_queue_delayed_work(worker: kthread_worker, dwork: kthread_delayed_work, delay: number) {
  const work = dwork.work;
  if (delay === 0) {
    yield* kthread_insert_work(worker, work, worker.work_list);
    return;
  }
  list_add(work.node, worker.delayed_work_list);
  work.worker = worker;
  dwork.timer = addTimerOnThisCpu(jiffies() + delay, kthreadDelayedWorkTimerIrq, dwork);
}

/**
 * kthread_queue_delayed_work: queues work after `delay` jiffies (at once for 0); false if
 * it was already pending. Does not sleep.
 */
export const kthread_queue_delayed_work = kfunc(function* kthread_queue_delayed_work(
  worker: kthread_worker,
  dwork: kthread_delayed_work,
  delay: number,
) {
  let ret = false;
  yield* spin_lock_irq(worker.lock);
  if (!queuing_blocked(dwork.work)) {
    yield* __kthread_queue_delayed_work(worker, dwork, delay);
    ret = true;
  }
  spin_unlock_irq(worker.lock);
  return ret;
});

/**
 * struct kthread_flush_work: a work and the completion its function completes. The work is
 * the object itself (C's container_of of the first member gives the same address).
 */
interface kthread_flush_work extends kthread_work {
  done: completion;
}

function* kthread_flush_work_fn(work: kthread_work): KGen<void> {
  yield* complete((work as kthread_flush_work).done);
}

/** Models kthread_flush_work / kthread_flush_worker (their on-stack KTHREAD_WORK_INIT). */
function newFlushWork(): kthread_flush_work {
  const fwork = kthread_init_work(kthread_flush_work_fn) as kthread_flush_work;
  fwork.done = init_completion();
  return fwork;
}

/**
 * kthread_flush_work: waits until `work`, if queued or running, has run. Does nothing for
 * a work never queued or idle. May sleep.
 */
export const kthread_flush_work = kfunc(function* kthread_flush_work(work: kthread_work) {
  const worker = work.worker;
  if (worker === null) return;
  const fwork = newFlushWork();
  let noop = false;
  yield* spin_lock_irq(worker.lock);
  if (!list_empty(work.node)) yield* kthread_insert_work(worker, fwork, work.node.next);
  else if (worker.current_work === work) yield* kthread_insert_work(worker, fwork, worker.work_list.next);
  else noop = true;
  spin_unlock_irq(worker.lock);
  if (!noop) yield* wait_for_completion(fwork.done);
});

/** kthread_flush_worker: waits until everything queued so far has run. May sleep. */
export const kthread_flush_worker = kfunc(function* kthread_flush_worker(worker: kthread_worker) {
  const fwork = newFlushWork();
  yield* kthread_queue_work(worker, fwork);
  yield* wait_for_completion(fwork.done);
});

/**
 * __kthread_cancel_work_sync: takes the work off whatever list it is on (stopping the
 * timer of a delayed one) and waits for a run in progress. Returns true if it was pending.
 */
function* __kthread_cancel_work_sync(work: kthread_work, dwork: kthread_delayed_work | null): KGen<boolean> {
  const worker = work.worker;
  if (worker === null) return false;
  yield* spin_lock_irq(worker.lock);
  if (dwork !== null && dwork.timer !== null) {
    del_timer(dwork.timer);
    dwork.timer = null;
  }
  let ret = false;
  if (!list_empty(work.node)) {
    list_del_init(work.node);
    ret = true;
  }
  if (worker.current_work === work) {
    work.canceling++;
    spin_unlock_irq(worker.lock);
    yield* kthread_flush_work(work);
    yield* spin_lock_irq(worker.lock);
    work.canceling--;
  }
  spin_unlock_irq(worker.lock);
  return ret;
}

/** kthread_cancel_work_sync: cancels work and waits for a run in progress. May sleep. */
export const kthread_cancel_work_sync = kfunc(function* kthread_cancel_work_sync(work: kthread_work) {
  return yield* __kthread_cancel_work_sync(work, null);
});

/** kthread_cancel_delayed_work_sync: the same for a delayed work (its timer too). May sleep. */
export const kthread_cancel_delayed_work_sync = kfunc(function* kthread_cancel_delayed_work_sync(
  dwork: kthread_delayed_work,
) {
  return yield* __kthread_cancel_work_sync(dwork.work, dwork);
});

/**
 * kthread_destroy_worker: flushes the worker, stops its thread and frees it. Works still
 * delayed are the caller's bug (WARN). May sleep.
 */
export const kthread_destroy_worker = kfunc(function* kthread_destroy_worker(worker: kthread_worker) {
  const task = worker.task;
  if (WARN_ON(task === null, "kernel/kthread.c") || task === null) return;
  yield* kthread_flush_worker(worker);
  yield* kthread_stop(task);
  WARN_ON(!list_empty(worker.delayed_work_list), "kernel/kthread.c");
  WARN_ON(!list_empty(worker.work_list), "kernel/kthread.c");
  kfree(worker);
});
