/**
 * Kernel threads (kernel/kthread.c), as 6.4 and later do it: the creator queues a
 * kthread_create_info and wakes kthreadd; kthreadd forks the thread with its name
 * already set; the thread, in kthread(), hands the creator its task_struct and sleeps
 * until first woken; then it runs threadfn unless told to stop first.
 *
 * Ownership of the request (see the comments at each xchg): the pointer `done` is the
 * token. Whoever swaps it to null and gets the old value owns completing it; whoever gets
 * null knows the other side has given up and frees the request itself.
 */
import { activeEngine, type KGen } from "../../sim/engine.js";
import { kcall, kfunc } from "../../sim/functions.js";
import { set_task_comm } from "../fs/exec.js";
import { current } from "../include/current.js";
import { ERR_PTR, type ErrOr, IS_ERR } from "../include/err.js";
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
import type { completion, task_struct } from "../include/task_struct.js";
import { CLONE_FILES, CLONE_FS } from "../include/uapi/sched.js";
import { K } from "../kernel.js";
import { list_add_tail, list_del_init, list_empty, list_first_entry, list_head } from "../lib/list.js";
import { type PrintfArg, vsprintf } from "../lib/vsprintf.js";
import { kasan_check, kfree, kmalloc, type Tracked } from "../mm/slab.js";
import { do_exit } from "./exit.js";
import { kernel_thread } from "./fork.js";
import { __refrigerator, freezing } from "./freezer.js";
import { spin_lock, spin_unlock } from "./locking/spinlock.js";
import { mutated } from "./mutants.js";
import { complete, init_completion, wait_for_completion, wait_for_completion_killable } from "./sched/completion.js";
import {
  do_set_cpus_allowed,
  preempt_disable,
  preempt_enable,
  sched_setscheduler_nocheck,
  schedule,
  schedule_preempt_disabled,
  wake_up_process,
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
  /** The creator's on-stack completion; null once someone has taken the token. */
  done: completion | null;
  full_name: (Tracked & { s: string }) | null;
  list: list_head<kthread_create_info>;
}

// struct kthread flags
export const KTHREAD_IS_PER_CPU = 1 << 0;
export const KTHREAD_SHOULD_STOP = 1 << 1;
export const KTHREAD_SHOULD_PARK = 1 << 2;

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

/**
 * set_kthread_struct (called by copy_process for kernel threads): allocates struct
 * kthread; its `exited` completion becomes vfork_done, completed when the thread exits.
 */
export function set_kthread_struct(p: task_struct): boolean {
  const kt = kmalloc<kthread>("kthread", 184, () => ({
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
  }));
  if (kt === null) return false;
  p.vfork_done = kt.exited;
  p.worker_private = kt;
  return true;
}

/** tsk_fork_get_node: kthreadd forks on the node the request asked for; others anywhere. */
export function tsk_fork_get_node(tsk: task_struct): number {
  return tsk === K.kthreadd_task ? tsk.pref_node_fork : NUMA_NO_NODE;
}

/** free_kthread_struct (from free_task): the struct and the full name go with the task. */
export function free_kthread_struct(p: task_struct): void {
  const kt = p.worker_private;
  if (kt === null) return;
  p.worker_private = null;
  kfree(kt.full_name);
  kfree(kt);
}

/** The name /proc shows for a kernel thread: the full name, cut at 63 characters. */
export function get_kthread_comm(p: task_struct): string {
  const full = p.worker_private?.full_name?.s;
  return full === undefined ? p.comm : full.slice(0, 63);
}

/** kthread_should_stop: whether kthread_stop() has been called on the current thread. */
export function kthread_should_stop(): boolean {
  activeEngine().touch();
  return (to_kthread(current()).flags & KTHREAD_SHOULD_STOP) !== 0;
}

/** kthread_should_park: whether kthread_park() asks the current thread to park. */
export function kthread_should_park(): boolean {
  activeEngine().touch();
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
  for (;;) {
    me.__state = TASK_PARKED;
    if (!(self.flags & KTHREAD_SHOULD_PARK)) break;
    preempt_disable();
    yield* complete(self.parked);
    yield* schedule_preempt_disabled();
    preempt_enable();
  }
  me.__state = TASK_RUNNING;
});

export const kthread_parkme = kfunc(function* kthread_parkme() {
  yield* __kthread_parkme(to_kthread(current()));
});

/** kthread_exit: stores `result` for kthread_stop and exits. Never returns. */
export const kthread_exit = kfunc(function* kthread_exit(result: number) {
  to_kthread(current()).result = result;
  yield* do_exit(0);
});

/**
 * kthread_complete_and_exit: completes `comp` (if any), then kthread_exit(code): for a
 * thread whose code may go away (a module) once `comp` is seen. Never returns.
 */
export const kthread_complete_and_exit = kfunc(function* kthread_complete_and_exit(
  comp: completion | null,
  code: number,
) {
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
 * kthread: the trampoline every kernel thread starts in. Takes the request token; if the
 * creator gave up, frees the request and exits -EINTR. Otherwise it tells the creator it
 * exists and sleeps (D) until woken; then runs threadfn unless already told to stop.
 */
const kthread = kfunc(function* kthread(_create: unknown) {
  const create = _create as kthread_create_info;
  kasan_check(create, "read");
  const threadfn = create.threadfn;
  const data = create.data;
  const self = to_kthread(current());

  // Take the token. null: the creator was killed and left; the request is ours to free.
  const done = create.done;
  create.done = null;
  if (done === null) {
    kfree(create.full_name);
    kfree(create);
    yield* kthread_exit(-EINTR);
    return 0;
  }
  // From here the creator owns the request again; the name moves into struct kthread.
  self.full_name = create.full_name;
  self.threadfn = threadfn;
  self.data = data;

  // Back to SCHED_NORMAL in case kthreadd's policy was changed (its nice level is kept).
  sched_setscheduler_nocheck(current(), SCHED_NORMAL, 0);

  current().__state = TASK_UNINTERRUPTIBLE;
  create.result = current();
  // No preemption between waking the creator and sleeping: the creator may be about to
  // bind us, which waits until we are off the CPU.
  preempt_disable();
  yield* complete(done);
  yield* schedule_preempt_disabled();
  preempt_enable();

  self.started = true;
  if (!(current().flags & PF_NO_SETAFFINITY)) kthread_affine_node();
  let ret = -EINTR;
  if (!(self.flags & KTHREAD_SHOULD_STOP)) {
    // cgroup_kthread_ready(): nothing to model without cgroups.
    yield* __kthread_parkme(self);
    ret = yield* kcall(threadfn, data);
  }
  yield* kthread_exit(ret);
  return 0;
});

/**
 * create_kthread (kthreadd's side): forks the thread. If that fails, takes the token:
 * a non-null value means the creator still waits, so report the error to it; null means
 * the creator gave up, and the request is freed here.
 */
const create_kthread = kfunc(function* create_kthread(create: kthread_create_info) {
  current().pref_node_fork = create.node;
  const pid = yield* kernel_thread(kthread, create, create.full_name?.s ?? null, CLONE_FS | CLONE_FILES | SIGCHLD);
  if (pid < 0) {
    if (mutated("kthreadd-free-unchecked")) {
      kfree(create.full_name);
      kfree(create);
      return;
    }
    const done = create.done;
    create.done = null;
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
 * inherit (name, all signals ignored, PF_NOFREEZE), then forever: sleep until the
 * request list is non-empty, and create one thread per request.
 */
export const kthreadd = kfunc(function* kthreadd(_unused: unknown) {
  const tsk = current();
  set_task_comm(tsk, "kthreadd");
  ignore_signals(tsk);
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

/**
 * __kthread_create_on_node: queues a request for kthreadd and waits (killable) for the
 * new thread. Returns it (asleep in D, not yet run) or ERR_PTR(-ENOMEM) when the request
 * or the name cannot be allocated, ERR_PTR(-EINTR) when the creator is killed before the
 * thread was created, or the error kthreadd got from the fork. May sleep.
 */
export const __kthread_create_on_node = kfunc(function* __kthread_create_on_node(
  threadfn: threadfn_t,
  data: unknown,
  node: number,
  namefmt: string,
  args: readonly PrintfArg[],
): KGen<ErrOr<task_struct>> {
  const done = init_completion();
  const create = kmalloc<kthread_create_info>("kthread_create_info", 64, () => ({
    threadfn,
    data,
    node,
    result: null,
    done,
    full_name: null,
    list: null as unknown as list_head<kthread_create_info>,
    __slab: null,
  }));
  if (create === null) return ERR_PTR(-ENOMEM);
  create.list = new list_head(create);
  const name = vsprintf(namefmt, args);
  // kvasprintf: the whole name, however long, on the heap.
  create.full_name = kmalloc("full_name", name.length + 1, () => ({
    s: name,
    __slab: null,
  }));
  if (create.full_name === null) {
    kfree(create);
    return ERR_PTR(-ENOMEM);
  }

  if (mutated("wake-before-queue")) yield* wake_up_process(K.kthreadd_task as task_struct);
  yield* spin_lock(K.kthread_create_lock);
  list_add_tail(create.list, K.kthread_create_list);
  spin_unlock(K.kthread_create_lock);
  if (!mutated("wake-before-queue")) yield* wake_up_process(K.kthreadd_task as task_struct);

  let killed = false;
  if (mutated("unkillable-wait")) yield* wait_for_completion(done);
  else killed = (yield* wait_for_completion_killable(done)) !== 0;
  kasan_check(create, "read");
  if (killed) {
    // Killed. Take the token: non-null means nobody claimed the request yet, so we leave
    // and kthreadd or the new thread frees it. null means one of them already claimed it
    // and is about to complete: wait (uninterruptibly) and carry on as normal.
    const token = create.done;
    if (mutated("split-xchg")) yield activeEngine().costOfName("READ_ONCE"); // the read and the write apart
    create.done = null;
    if (token !== null) return ERR_PTR(-EINTR);
    yield* wait_for_completion(done);
  }
  const task = create.result as ErrOr<task_struct>;
  kfree(create);
  return task;
});

/**
 * kthread_create_on_node(threadfn, data, node, namefmt, ...args): creates a kernel thread
 * (asleep, not yet run) for NUMA node `node`. Returns it or an ERR_PTR. May sleep.
 */
export const kthread_create_on_node = kfunc(function* kthread_create_on_node(
  threadfn: threadfn_t,
  data: unknown,
  node: number,
  namefmt: string,
  ...args: PrintfArg[]
): KGen<ErrOr<task_struct>> {
  return yield* __kthread_create_on_node(threadfn, data, node, namefmt, args);
});

/** kthread_create(threadfn, data, namefmt, ...args): on any node (a macro in C). */
export function kthread_create(threadfn: threadfn_t, data: unknown, namefmt: string, ...args: PrintfArg[]) {
  return kthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ...args);
}

/** kthread_run: kthread_create, then wake the thread if it was created. */
export function* kthread_run(
  threadfn: threadfn_t,
  data: unknown,
  namefmt: string,
  ...args: PrintfArg[]
): KGen<ErrOr<task_struct>> {
  const k = yield* kthread_create(threadfn, data, namefmt, ...args);
  if (!IS_ERR(k)) yield* wake_up_process(k);
  return k;
}
