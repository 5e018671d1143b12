/**
 * Kernel threads (kernel/kthread.c): the creator queues a kthread_create_info and wakes
 * kthreadd; kthreadd forks the thread; the thread, in kthread(), hands the creator its
 * task_struct and sleeps until first woken; then it runs threadfn unless told to stop first.
 *
 * The six creation eras of the spec (§1.1, `K.era.kthread`) give the thread's side three
 * shapes, each its own body under the kernel's name `kthread` (chosen in eraKthread): E5–E6
 * (6.19's path), E2–E4 and E1. Within a shape, a named field of the release profile marks
 * each difference where it happens:
 *  E1 2.6.24     the request on the creator's stack with two completions; kthreadd waits
 *                for each new thread (`started`); no struct kthread (one global stop info);
 *  E2 2.6.32–3.12 the request on the stack, one completion; struct kthread on the thread's
 *                stack; the creator names the thread and resets its policy and mask;
 *  E3 3.13–4.8   the request on the heap, a killable wait and the xchg hand-off below;
 *  E4 4.9–5.16   the thread allocates its struct kthread;
 *  E5 5.17–6.3   copy_process allocates it; the thread resets itself; long names kept;
 *  E6 6.4+       the name is formatted up front and set by copy_process.
 *
 * Ownership of the request (E3+, see the comments at each xchg): the pointer `done` is the
 * token. Whoever swaps it to null and gets the old value owns completing it; whoever gets
 * null knows the other side has given up and frees the request itself.
 *
 * Size: over 400 lines as the core of kthread.c: struct kthread, the thread's three protocol
 * shapes, create_kthread and kthreadd read top to bottom (the creator's side, control and
 * workers are kthread_create.ts, kthread_control.ts and kthread_worker.ts).
 */
import { activeEngine, type KGen } from "../../sim/engine.js";
import { kcall, kfunc } from "../../sim/functions.js";
import { set_task_comm } from "../fs/exec.js";
import { xchg } from "../include/atomic.js";
import { current } from "../include/current.js";
import { ERR_PTR, type ErrOr } from "../include/err.js";
import { EINTR, ENOMEM } from "../include/errno.js";
import {
  NUMA_NO_NODE,
  PF_NO_SETAFFINITY,
  PF_NOFREEZE,
  SCHED_NORMAL,
  TASK_INTERRUPTIBLE,
  TASK_PARKED,
  TASK_RUNNING,
  TASK_UNINTERRUPTIBLE,
} from "../include/sched.js";
import { SIGCHLD } from "../include/signal.js";
import type { completion, task_struct, wait_queue_head } from "../include/task_struct.js";
import { CLONE_FILES, CLONE_FS } from "../include/uapi/sched.js";
import { K } from "../kernel.js";
import { list_del_init, list_empty, list_first_entry, type list_head } from "../lib/list.js";
import { kasanCheck, kfree, kmalloc, type Tracked } from "../mm/slab.js";
import { do_exit } from "./exit.js";
import { kernel_thread } from "./fork.js";
import { __refrigerator, freezing } from "./freezer.js";
import { spin_lock, spin_unlock } from "./locking/spinlock.js";
import { mutated } from "./mutants.js";
import { find_task_by_pid_ns } from "./pid.js";
import { complete, init_completion, wait_for_completion } from "./sched/completion.js";
import {
  do_set_cpus_allowed,
  preempt_disable,
  preempt_enable,
  sched_setscheduler_nocheck,
  schedule,
  schedule_preempt_disabled,
  set_cpus_allowed_ptr,
  set_user_nice,
} from "./sched/core.js";
import { ignore_signals } from "./signal.js";

/** A thread function: runs in the new thread, returns its result (0 or -errno). */
export type threadfn_t = (data: unknown) => KGen<number>;

/** The request a creator hands to kthreadd. */
export interface kthread_create_info extends Tracked {
  threadfn: threadfn_t;
  data: unknown;
  node: number;
  /** Result for the creator: the new task or an error. */
  result: ErrOr<task_struct> | null;
  /** The creator's on-stack completion; null once someone has taken the token (E3+). */
  done: completion | null;
  /** E1 (2.6.24) only: completed by the new thread when it exists; kthreadd waits on it. */
  started?: completion;
  full_name: (Tracked & { s: string }) | null;
  list: list_head<kthread_create_info>;
}

/** tasklab's own: how a request is named in reports (before 6.4 its name is formatted after creation). */
export function requestName(req: kthread_create_info): string {
  return req.full_name === null ? "a kernel thread (named by its creator once created)" : `"${req.full_name.s}"`;
}

// struct kthread flags
export const KTHREAD_IS_PER_CPU = 1 << 0;
export const KTHREAD_SHOULD_STOP = 1 << 1;
export const KTHREAD_SHOULD_PARK = 1 << 2;
/** Up to 4.14: the thread sits in TASK_PARKED (it completed `parked` for this park). */
export const KTHREAD_IS_PARKED = 1 << 3;

/** struct kthread: per-thread state of the kthread layer, in task->worker_private. */
export interface kthread extends Tracked {
  flags: number;
  cpu: number;
  /** The NUMA node it was created for (NUMA_NO_NODE: any). */
  node: number;
  task: task_struct;
  result: number;
  threadfn: threadfn_t | null;
  data: unknown;
  parked: completion;
  exited: completion;
  started: boolean;
  /** The full formatted name (the comm keeps only 15 characters). */
  full_name: (Tracked & { s: string }) | null;
}

export function to_kthread(k: task_struct): kthread {
  return k.worker_private as kthread;
}

/** Models set_kthread_struct's kzalloc (E4+), or kthread()'s struct kthread on its stack (E2, E3). */
function newKthread(p: task_struct, on_stack: boolean): kthread | null {
  return on_stack ? kthreadFields(p) : kmalloc<kthread>("kthread", 184, () => kthreadFields(p));
}
/** Models set_kthread_struct / kthread(): a new struct kthread's fields. */
function kthreadFields(p: task_struct): kthread {
  return {
    flags: 0,
    cpu: 0,
    node: tsk_fork_get_node(current()),
    task: p,
    result: 0,
    threadfn: null,
    data: null,
    parked: init_completion(),
    exited: init_completion(),
    started: false,
    full_name: null,
    __slab: null,
  };
}

/**
 * set_kthread_struct (called by copy_process for kernel threads, 5.17+): allocates struct
 * kthread; its `exited` completion becomes vfork_done, completed when the thread exits.
 * Before 5.17 copy_process has no such step (the thread makes its own in kthread()): true.
 */
export function set_kthread_struct(p: task_struct): boolean {
  if (K.era.kthread_struct !== "copy_process") return true;
  const kt = newKthread(p, false);
  if (kt === null) return false;
  p.vfork_done = kt.exited;
  p.worker_private = kt;
  return true;
}

/** tsk_fork_get_node: kthreadd forks on the node the request asked for; others anywhere. */
export function tsk_fork_get_node(tsk: task_struct): number {
  return tsk === K.kthreadd_task ? tsk.pref_node_fork : NUMA_NO_NODE;
}

/**
 * free_kthread_struct (from free_task): the struct and the full name go with the task. One
 * on the thread's stack (E2, E3) went with the stack: only the pointer is dropped.
 */
export function free_kthread_struct(p: task_struct): void {
  const kt = p.worker_private;
  if (kt === null) return;
  p.worker_private = null;
  if (kt.__slab === null) return;
  kfree(kt.full_name);
  kfree(kt);
}

/**
 * 2.6.24's struct kthread_stop_info: one for the whole kernel, serialised by a mutex
 * (kthread_stop_lock, modeled by `locked` and the wait queue in kthread_control.ts).
 * kthread_should_stop() compares `k` with current; the stopped thread stores its result in
 * `err` and completes `done` itself.
 */
export interface kthread_stop_info {
  k: task_struct | null;
  err: number;
  done: completion;
  locked: task_struct | null;
  /** Who sleeps for kthread_stop_lock (made at the first wait). */
  lock_wait: wait_queue_head | null;
}

/** The machine's global stop info (E1), made at its first use. */
export function kthread_stop_info(): kthread_stop_info {
  let si = K.kthread_stop_info;
  if (si === null) {
    si = { k: null, err: 0, done: init_completion(), locked: null, lock_wait: null };
    K.kthread_stop_info = si;
  }
  return si;
}

/**
 * tasklab's own: a kthread API call a scenario makes must exist in the modeled release: one that does
 * not is reported as an oops-style BUG naming the call and the release (a module using it would not
 * load there). Scenarios declare `eras` so they are refused before running.
 */
export function kthreadApi(name: string): void {
  if (K.system_state !== "running" || K.era.kthread_api.has(name)) return;
  throw new Error(`${name}() does not exist in Linux ${K.era.name} (see tasklab eras)`);
}

/** The name /proc shows for a kernel thread: the full name, cut at 63 characters. */
export function get_kthread_comm(p: task_struct): string {
  const full = p.worker_private?.full_name?.s;
  return full === undefined ? p.comm : full.slice(0, 63);
}

/** kthread_should_stop: whether kthread_stop() has been called on the current thread. */
export function kthread_should_stop(): boolean {
  activeEngine().touch();
  if (K.era.kthread_struct === "none") return kthread_stop_info().k === current();
  return (to_kthread(current()).flags & KTHREAD_SHOULD_STOP) !== 0;
}

/** kthread_should_park: whether kthread_park() asks the current thread to park. */
export function kthread_should_park(): boolean {
  activeEngine().touch();
  kthreadApi("kthread_should_park");
  return (to_kthread(current()).flags & KTHREAD_SHOULD_PARK) !== 0;
}

export function kthread_set_per_cpu(k: task_struct, cpu: number): void {
  const kt = to_kthread(k);
  if (cpu < 0) {
    kt.flags &= ~KTHREAD_IS_PER_CPU;
    return;
  }
  kt.cpu = cpu;
  kt.flags |= KTHREAD_IS_PER_CPU;
}

/** kthread_should_stop_or_park: either request is pending (false for a task that is not a kthread). */
export function kthread_should_stop_or_park(): boolean {
  activeEngine().touch();
  kthreadApi("kthread_should_stop_or_park");
  const kt = current().worker_private;
  return kt !== null && (kt.flags & (KTHREAD_SHOULD_STOP | KTHREAD_SHOULD_PARK)) !== 0;
}

/** kthread_func: the thread function the task was created with (null when not a kthread). */
export function kthread_func(k: task_struct): threadfn_t | null {
  return k.worker_private?.threadfn ?? null;
}

/** kthread_data: the data pointer the task was created with. */
export function kthread_data(k: task_struct): unknown {
  return to_kthread(k).data;
}

export function kthread_is_per_cpu(k: task_struct): boolean {
  return ((k.worker_private?.flags ?? 0) & KTHREAD_IS_PER_CPU) !== 0;
}

/**
 * __kthread_parkme: while asked to park, sleep in TASK_PARKED (completing `parked` for
 * kthread_park's caller first).
 */
const __kthread_parkme = kfunc(function* __kthread_parkme(self: kthread) {
  const me = current();
  const is_parked = K.era.kthread_park_protocol === "is_parked";
  for (;;) {
    me.__state = TASK_PARKED;
    if (!(self.flags & KTHREAD_SHOULD_PARK)) break;
    if (is_parked) {
      // Up to 4.14: `parked` is completed once per park, marked by KTHREAD_IS_PARKED.
      if (!(self.flags & KTHREAD_IS_PARKED)) {
        self.flags |= KTHREAD_IS_PARKED;
        yield* complete(self.parked);
      }
      yield* schedule();
      continue;
    }
    preempt_disable();
    yield* complete(self.parked);
    yield* schedule_preempt_disabled();
    preempt_enable();
  }
  self.flags &= ~KTHREAD_IS_PARKED;
  me.__state = TASK_RUNNING;
});

export const kthread_parkme = kfunc(function* kthread_parkme() {
  kthreadApi("kthread_parkme");
  yield* __kthread_parkme(to_kthread(current()));
});

/** kthread_exit: stores `result` for kthread_stop and exits. Never returns. */
export const kthread_exit = kfunc(function* kthread_exit(result: number): KGen<never> {
  kthreadApi("kthread_exit");
  to_kthread(current()).result = result;
  return yield* do_exit(0);
});

/**
 * kthread_complete_and_exit: completes `comp` (if any), then kthread_exit(code): for a
 * thread whose code may go away (a module) once `comp` is seen. Never returns.
 */
export const kthread_complete_and_exit = kfunc(function* kthread_complete_and_exit(
  comp: completion | null,
  code: number,
) {
  kthreadApi("kthread_complete_and_exit");
  if (comp !== null) yield* complete(comp);
  yield* kthread_exit(code);
});

/**
 * kthread_freezable_should_stop: kthread_should_stop() for a freezable thread: enters the
 * refrigerator first if the system is freezing. `was_frozen.value` tells whether it was.
 * May sleep.
 */
export const kthread_freezable_should_stop = kfunc(function* kthread_freezable_should_stop(was_frozen?: {
  value: boolean;
}) {
  kthreadApi("kthread_freezable_should_stop");
  let frozen = false;
  if (freezing(current())) frozen = yield* __refrigerator(true);
  if (was_frozen) was_frozen.value = frozen;
  return kthread_should_stop();
});

/**
 * kthread_affine_node (6.14+): a thread nobody bound affines itself, when first woken, to
 * its node's housekeeping CPUs, or to all housekeeping CPUs without a node. The model has
 * one node, and every CPU does housekeeping.
 */
function kthread_affine_node(): void {
  do_set_cpus_allowed(current(), K.cpu_possible_mask);
}

/**
 * kthread (5.17+): the trampoline every kernel thread starts in, struct kthread already made
 * by copy_process. Takes the request token; if the creator gave up, frees the request and
 * exits -EINTR. Otherwise resets what it inherited from kthreadd, tells the creator it
 * exists and sleeps (D) until woken; then runs threadfn unless already told to stop. 6.19's
 * path; the older shapes are kthread_e2_e4 and kthread_e1 below.
 */
const kthread = kfunc(function* kthread(_create: unknown) {
  const create = _create as kthread_create_info;
  kasanCheck(create, "read");
  const threadfn = create.threadfn;
  const data = create.data;
  const self = to_kthread(current());
  // null: the creator was killed and left; the request is ours to free.
  const done = xchg(create, "done", null);
  if (done === null) {
    kfree(create.full_name);
    kfree(create);
    return yield* kthread_exit(-EINTR);
  }
  // From here the creator owns the request again; the name (6.4+) moves into struct kthread.
  if (K.era.kthread_naming === "copy_process") self.full_name = create.full_name;
  self.threadfn = threadfn;
  self.data = data;

  // Back to SCHED_NORMAL in case kthreadd's policy was changed (its nice level is kept);
  // until 6.13 also back to every housekeeping CPU (6.14+: kthread_affine_node below).
  sched_setscheduler_nocheck(current(), SCHED_NORMAL, 0);
  if (!K.era.kthread_affine_node) set_cpus_allowed_ptr(current(), K.cpu_possible_mask);

  // No preemption between waking the creator and sleeping: the creator may be about to
  // bind us, which waits until we are off the CPU.
  current().__state = TASK_UNINTERRUPTIBLE;
  create.result = current();
  preempt_disable();
  yield* complete(done);
  yield* schedule_preempt_disabled();
  preempt_enable();

  self.started = true;
  if (K.era.kthread_affine_node && !(current().flags & PF_NO_SETAFFINITY)) kthread_affine_node();
  let ret = -EINTR;
  if (!(self.flags & KTHREAD_SHOULD_STOP)) {
    // cgroup_kthread_ready(): nothing to model without cgroups.
    yield* __kthread_parkme(self);
    ret = yield* kcall(threadfn, data);
  }
  return yield* kthread_exit(ret);
});

/**
 * kthread of 2.6.32–5.16 (E2–E4): the thread makes its own struct kthread, on its stack
 * (E2, E3, found through vfork_done) or from the slab (E4, before taking the token); the
 * creator resets its policy and mask; it ends with do_exit, whose exit code kthread_stop
 * returns. 2.6.32–3.12 have no token: the creator cannot leave.
 */
const kthread_e2_e4 = kfunc(function* kthread(_create: unknown) {
  const create = _create as kthread_create_info;
  kasanCheck(create, "read");
  const threadfn = create.threadfn;
  const data = create.data;
  const me = current();
  const on_stack = K.era.kthread_struct === "stack";
  const self = newKthread(me, on_stack);
  me.worker_private = self;
  if (self !== null && on_stack) me.vfork_done = self.exited;

  const done = K.era.kthread_token ? xchg(create, "done", null) : create.done;
  if (done === null) {
    kfree(create.full_name);
    kfree(create);
    return yield* do_exit(-EINTR);
  }
  if (self === null) {
    // E4: no memory for struct kthread; the creator still waits: tell it, and go.
    create.result = ERR_PTR(-ENOMEM);
    yield* complete(done);
    return yield* do_exit(-ENOMEM);
  }
  if (!on_stack) me.vfork_done = self.exited;
  self.threadfn = threadfn;
  self.data = data;

  me.__state = TASK_UNINTERRUPTIBLE;
  create.result = me;
  if (K.era.kthread_handoff === "preempt_disabled") {
    preempt_disable();
    yield* complete(done);
    yield* schedule_preempt_disabled();
    preempt_enable();
  } else {
    yield* complete(done);
    yield* schedule();
  }

  self.started = true;
  let ret = -EINTR;
  if (!(self.flags & KTHREAD_SHOULD_STOP)) {
    // Parking exists from 3.10.
    if (K.era.kthread_api.has("kthread_parkme")) yield* __kthread_parkme(self);
    ret = yield* kcall(threadfn, data);
  }
  return yield* do_exit(ret);
});

/** Models kthread(): the body of it the release has (its protocol shape's trampoline). */
function eraKthread(): (create: unknown) => KGen<number> {
  const struct = K.era.kthread_struct;
  return struct === "copy_process" ? kthread : struct === "none" ? kthread_e1 : kthread_e2_e4;
}

/**
 * kthread() of 2.6.24: no struct kthread. Tells kthreadd it exists (`started`) and sleeps
 * (D); once woken runs threadfn unless kthread_stop() named it in the global stop info, and
 * if it was stopped hands its result over there. Returns 0 (kernel_thread_helper exits).
 */
const kthread_e1 = kfunc(function* kthread(_create: unknown) {
  const create = _create as kthread_create_info;
  kasanCheck(create, "read");
  const threadfn = create.threadfn;
  const data = create.data;
  current().__state = TASK_UNINTERRUPTIBLE;
  yield* complete(create.started as completion);
  yield* schedule();
  let ret = -EINTR;
  if (!kthread_should_stop()) ret = yield* kcall(threadfn, data);
  // It might have returned on its own, without kthread_stop: then nobody waits.
  if (kthread_should_stop()) {
    const si = kthread_stop_info();
    si.err = ret;
    yield* complete(si.done);
  }
  return 0;
});

/**
 * create_kthread (kthreadd's side): forks the thread. 2.6.24: then waits (D) until the
 * thread completes `started`, finds it by pid and completes the creator's `done` itself,
 * so kthreadd makes one thread at a time. 2.6.32–3.12: on a failed fork, reports the error.
 * 3.13+: if the fork fails, takes the token: a non-null value means the creator still
 * waits, so report the error to it; null means the creator gave up, and the request is
 * freed here.
 */
const create_kthread = kfunc(function* create_kthread(create: kthread_create_info) {
  current().pref_node_fork = create.node;
  const pid = yield* kernel_thread(eraKthread(), create, create.full_name?.s ?? null, CLONE_FS | CLONE_FILES | SIGCHLD);
  if (!K.era.kthread_token) {
    if (pid < 0) create.result = ERR_PTR(pid);
    else if (K.era.kthread_started) {
      yield* wait_for_completion(create.started as completion);
      create.result = find_task_by_pid_ns(pid, K.init_pid_ns);
    }
    if (pid < 0 || K.era.kthread_started) yield* complete(create.done as completion);
    return;
  }
  if (pid < 0) {
    if (mutated("kthreadd-free-unchecked")) {
      kfree(create.full_name);
      kfree(create);
      return;
    }
    const done = xchg(create, "done", null);
    kfree(create.full_name);
    create.full_name = null;
    if (done === null) {
      kfree(create);
      return;
    }
    create.result = ERR_PTR(pid);
    yield* complete(done);
  }
});

/**
 * kthreadd: pid 2, the parent of every kernel thread. Sets up the context its children
 * inherit (name, all signals ignored, 2.6.24's nice −5, PF_NOFREEZE), then forever: sleep
 * until the request list is non-empty, and create one thread per request.
 */
export const kthreadd = kfunc(function* kthreadd(_unused: unknown) {
  const tsk = current();
  set_task_comm(tsk, "kthreadd");
  ignore_signals(tsk);
  if (K.era.kthreadd_nice !== 0) set_user_nice(tsk, K.era.kthreadd_nice);
  do_set_cpus_allowed(tsk, K.cpu_possible_mask);
  tsk.flags |= PF_NOFREEZE;
  for (;;) {
    tsk.__state = TASK_INTERRUPTIBLE;
    if (list_empty(K.kthread_create_list)) yield* schedule();
    tsk.__state = TASK_RUNNING;
    yield* spin_lock(K.kthread_create_lock);
    while (!list_empty(K.kthread_create_list)) {
      const create = list_first_entry(K.kthread_create_list);
      list_del_init(create.list);
      spin_unlock(K.kthread_create_lock);
      yield* create_kthread(create);
      yield* spin_lock(K.kthread_create_lock);
    }
    spin_unlock(K.kthread_create_lock);
  }
});

// The creator's side lives in kthread_create.ts; its calls are reached from here too.
export {
  __kthread_create_on_node,
  kernelCreateOnNode,
  kthread_create,
  kthread_create_on_node,
  kthread_run,
} from "./kthread_create.js";
