/**
 * The part of kernel/kthread.c that acts on another kernel thread: binding a new thread to
 * CPUs, per-CPU creation, parking and unparking, stopping (each with the differences of
 * the releases it changed in, read from K.era). Creation and the thread's own side are in
 * kthread.ts.
 */
import { kfunc } from "../../sim/functions.js";
import { WARN_ON, WARN_ON_ONCE } from "../include/bug.js";
import { current } from "../include/current.js";
import { type ErrOr, IS_ERR } from "../include/err.js";
import { EBUSY, ENOSYS } from "../include/errno.js";
import {
  PF_EXITING,
  PF_NO_SETAFFINITY,
  TASK_PARKED,
  TASK_UNINTERRUPTIBLE,
  TIF_NOTIFY_SIGNAL,
} from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { trace_sched_kthread_stop, trace_sched_kthread_stop_ret } from "../include/trace/events/sched.js";
import { K } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { list_empty } from "../lib/list.js";
import { kasanCheck } from "../mm/slab.js";
import { get_task_struct, put_task_struct } from "./fork.js";
import {
  KTHREAD_IS_PARKED,
  KTHREAD_IS_PER_CPU,
  KTHREAD_SHOULD_PARK,
  KTHREAD_SHOULD_STOP,
  kernelCreateOnNode,
  kthread_stop_info,
  kthreadApi,
  type threadfn_t,
  to_kthread,
} from "./kthread.js";
import { init_completion, wait_for_completion } from "./sched/completion.js";
import { do_set_cpus_allowed, wait_task_inactive, wake_up_process, wake_up_state } from "./sched/core.js";
import { __wake_up, init_waitqueue_head, wait_event } from "./sched/wait.js";

/** cpu_to_node: the model has one memory node. */
export function cpu_to_node(_cpu: number): number {
  return 0;
}

/**
 * __kthread_bind_mask: restricts a thread to `mask` and marks it PF_NO_SETAFFINITY, once it
 * is off its CPU asleep in `state` (wait_task_inactive). If it never gets there: WARN, no
 * change. May sleep.
 */
const __kthread_bind_mask = kfunc(function* __kthread_bind_mask(p: task_struct, mask: cpumask, state: number) {
  if (!(yield* wait_task_inactive(p, state))) {
    WARN_ON(true, "kernel/kthread.c");
    return;
  }
  do_set_cpus_allowed(p, mask);
  if (K.era.kthread_bind_flag) p.flags |= PF_NO_SETAFFINITY;
});

/** Models __kthread_bind_mask's WARN (6.14+; present 6.19, absent 6.8) on binding a started thread. */
function warnIfStarted(p: task_struct, what: string): void {
  if (K.era.kthread_bind_warns_started) WARN_ON_ONCE(to_kthread(p).started, "kernel/kthread.c", what);
}

function cpumask_of(cpu: number): cpumask {
  return cpumask.of(K.nr_cpu_ids, [cpu]);
}

/**
 * kthread_bind_mask: binds a just-created thread, asleep in kthread() and never woken, to
 * `mask`. On a thread that has started it WARNs (and still binds if it is asleep in D).
 * May sleep.
 */
export const kthread_bind_mask = kfunc(function* kthread_bind_mask(p: task_struct, mask: cpumask) {
  kthreadApi("kthread_bind_mask");
  yield* __kthread_bind_mask(p, mask, TASK_UNINTERRUPTIBLE);
  warnIfStarted(p, "kthread_bind_mask/started");
});

/** kthread_bind: kthread_bind_mask to one CPU. May sleep. */
export const kthread_bind = kfunc(function* kthread_bind(p: task_struct, cpu: number) {
  yield* __kthread_bind_mask(p, cpumask_of(cpu), TASK_UNINTERRUPTIBLE);
  warnIfStarted(p, "kthread_bind/started");
});

/**
 * kthread_create_on_cpu (3.10+): a thread for `cpu`, created on its node, its name
 * formatted with the cpu number (`namefmt` takes exactly one unsigned conversion), the cpu
 * kept for re-binding at unpark. 4.9+ bind it now; 3.10–4.8 park it instead (the unpark
 * binds it). Up to 5.16 it is also marked per-CPU here (5.17+: kthread_set_per_cpu, by
 * smpboot). Returns the task or an ERR_PTR as kthread_create does.
 */
export function* kthread_create_on_cpu(threadfn: threadfn_t, data: unknown, cpu: number, namefmt: string) {
  kthreadApi("kthread_create_on_cpu");
  const p: ErrOr<task_struct> = yield* kernelCreateOnNode(threadfn, data, cpu_to_node(cpu), namefmt, [cpu]);
  if (IS_ERR(p)) return p;
  const kt = to_kthread(p);
  if (K.era.kthread_on_cpu === "bind") yield* kthread_bind(p, cpu);
  if (K.era.kthread_per_cpu_by === "kthread_create_on_cpu") kt.flags |= KTHREAD_IS_PER_CPU;
  kt.cpu = cpu;
  if (K.era.kthread_on_cpu === "park") yield* kthread_park(p);
  return p;
}

/** kthread_run_on_cpu: kthread_create_on_cpu, then wake it if it was created. */
export function* kthread_run_on_cpu(threadfn: threadfn_t, data: unknown, cpu: number, namefmt: string) {
  kthreadApi("kthread_run_on_cpu");
  const p: ErrOr<task_struct> = yield* kthread_create_on_cpu(threadfn, data, cpu, namefmt);
  if (!IS_ERR(p)) yield* wake_up_process(p);
  return p;
}

/**
 * kthread_unpark: lets a parked thread go on. Does nothing unless it was asked to park (up to
 * 4.14: unless it did park); a per-CPU thread is first bound to its CPU again while it sits
 * in TASK_PARKED (it lost the binding if it was parked while that CPU was down).
 */
export const kthread_unpark = kfunc(function* kthread_unpark(k: task_struct) {
  kthreadApi("kthread_unpark");
  const kt = to_kthread(k);
  if (K.era.kthread_park_protocol === "is_parked") {
    // Up to 4.14: only a thread that did park is re-bound and woken.
    kt.flags &= ~KTHREAD_SHOULD_PARK;
    if (!(kt.flags & KTHREAD_IS_PARKED)) return;
    kt.flags &= ~KTHREAD_IS_PARKED;
  } else {
    if (!(kt.flags & KTHREAD_SHOULD_PARK)) return;
    kt.flags &= ~KTHREAD_SHOULD_PARK;
  }
  if (kt.flags & KTHREAD_IS_PER_CPU) yield* __kthread_bind_mask(k, cpumask_of(kt.cpu), TASK_PARKED);
  yield* wake_up_state(k, TASK_PARKED);
});

/**
 * kthread_park: asks k to park and waits until it sleeps in TASK_PARKED (from 4.19 also
 * until it is off its CPU). Works on a never-woken thread: it wakes, parks before
 * threadfn, and runs threadfn after kthread_unpark. Returns 0; -ENOSYS (WARN) if k is
 * exiting; a second request is -EBUSY with a WARN from 4.19; up to 4.14 a thread already
 * parked (KTHREAD_IS_PARKED) is left as it is, 0. May sleep.
 */
export const kthread_park = kfunc(function* kthread_park(k: task_struct) {
  kthreadApi("kthread_park");
  const kt = to_kthread(k);
  if (WARN_ON((k.flags & PF_EXITING) !== 0, "kernel/kthread.c")) return -ENOSYS;
  if (K.era.kthread_park_protocol === "is_parked") {
    // Up to 4.14: a parked thread is left alone; otherwise ask, wake, wait for `parked`.
    if (kt.flags & KTHREAD_IS_PARKED) return 0;
    kt.flags |= KTHREAD_SHOULD_PARK;
    if (k !== current()) {
      yield* wake_up_process(k);
      yield* wait_for_completion(kt.parked);
    }
    return 0;
  }
  if (WARN_ON_ONCE((kt.flags & KTHREAD_SHOULD_PARK) !== 0, "kernel/kthread.c", "kthread_park/should_park"))
    return -EBUSY;
  kt.flags |= KTHREAD_SHOULD_PARK;
  if (k !== current()) {
    yield* wake_up_process(k);
    // __kthread_parkme completed `parked`: it is in TASK_PARKED and about to switch out.
    yield* wait_for_completion(kt.parked);
    WARN_ON_ONCE(!(yield* wait_task_inactive(k, TASK_PARKED)), "kernel/kthread.c", "kthread_park/inactive");
  }
  return 0;
});

/**
 * kthread_stop: tells k to stop, wakes it (unparking it first, 3.10+; with
 * TIF_NOTIFY_SIGNAL set, 6.1+) and waits until it has exited; returns threadfn's result
 * (kthread_exit's, 5.17+; the exit code before), or -EINTR if k was never woken (threadfn
 * never ran). k must still exist: the caller holds a reference, or k only exits when told
 * to. May sleep.
 */
export const kthread_stop = kfunc(function* kthread_stop(k: task_struct) {
  if (K.era.kthread_struct === "none") return yield* kthread_stop_e1(k);
  kasanCheck(k, "read");
  trace_sched_kthread_stop(k);
  get_task_struct(k);
  const kt = to_kthread(k);
  kt.flags |= KTHREAD_SHOULD_STOP;
  if (K.era.kthread_api.has("kthread_unpark")) yield* kthread_unpark(k);
  if (K.era.kthread_stop_notify_signal) k.ti_flags |= TIF_NOTIFY_SIGNAL;
  yield* wake_up_process(k);
  yield* wait_for_completion(kt.exited);
  const ret = K.era.kthread_end === "kthread_exit" ? kt.result : k.exit_code;
  put_task_struct(k);
  trace_sched_kthread_stop_ret(ret);
  return ret;
});

/**
 * kthread_stop of 2.6.24: under the global kthread_stop_lock, names k in the global stop
 * info, wakes it and waits for the completion k itself signals with its result (it may
 * still be exiting when this returns). No tracepoints in this release.
 */
function* kthread_stop_e1(k: task_struct): Generator<number, number, unknown> {
  const si = kthread_stop_info();
  // kthread_stop_lock of 2.6.24: a mutex (the sleepers queue on lock_wait, in D).
  let wq = si.lock_wait;
  if (wq === null) {
    wq = init_waitqueue_head();
    si.lock_wait = wq;
  }
  yield* wait_event(wq, TASK_UNINTERRUPTIBLE, () => si.locked === null);
  si.locked = current();
  get_task_struct(k);
  si.done = init_completion();
  si.k = k;
  yield* wake_up_process(k);
  put_task_struct(k);
  yield* wait_for_completion(si.done);
  si.k = null;
  const ret = si.err;
  si.locked = null;
  if (!list_empty(wq.head)) yield* __wake_up(wq, TASK_UNINTERRUPTIBLE, 1);
  return ret;
}

/** kthread_stop_put: kthread_stop, then drop the reference the caller took. May sleep. */
export const kthread_stop_put = kfunc(function* kthread_stop_put(k: task_struct) {
  kthreadApi("kthread_stop_put");
  const ret = yield* kthread_stop(k);
  put_task_struct(k);
  return ret;
});
