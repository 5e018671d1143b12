/**
 * The creator's side of kernel/kthread.c: kthread_create and its relatives queue a request
 * for kthreadd (kthread.ts) and wait for the new thread, then (before 6.4) name it and
 * reset what it inherited. Each era's difference is marked where it happens (the eras are
 * listed at the top of kthread.ts).
 */
import { activeEngine, type KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { set_task_comm } from "../fs/exec.js";
import { xchg } from "../include/atomic.js";
import { ERR_PTR, type ErrOr, IS_ERR } from "../include/err.js";
import { EINTR, ENOMEM } from "../include/errno.js";
import { NUMA_NO_NODE, SCHED_NORMAL } from "../include/sched.js";
import type { completion, task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { list_add_tail, list_head } from "../lib/list.js";
import { type PrintfArg, vsprintf } from "../lib/vsprintf.js";
import { kasanCheck, kfree, kmalloc } from "../mm/slab.js";
import { type kthread_create_info, kthreadApi, type threadfn_t, to_kthread } from "./kthread.js";
import { spin_lock, spin_unlock } from "./locking/spinlock.js";
import { mutated } from "./mutants.js";
import { init_completion, wait_for_completion, wait_for_completion_killable } from "./sched/completion.js";
import { sched_setscheduler_nocheck, set_cpus_allowed_ptr, wake_up_process } from "./sched/core.js";

/**
 * Models __kthread_create_on_node's (kthread_create's) side before 6.4, once it has its thread:
 * names it (vsnprintf into comm up to 4.9, set_task_comm from 4.14; 5.17–6.3 also keep a name
 * of 16+ characters whole, an allocation whose failure leaves it cut) and, 2.6.32–5.16, resets
 * the policy and CPU mask the thread inherited from kthreadd.
 */
function kthreadNameAndReset(task: task_struct, name: string): void {
  const e = K.era;
  if (e.kthread_naming === "comm") task.comm = name.slice(0, 15);
  else {
    if (e.kthread_full_name === "long" && name.length >= 16)
      to_kthread(task).full_name = kmalloc("full_name", name.length + 1, () => ({ s: name, __slab: null }));
    set_task_comm(task, name);
  }
  if (e.kthread_reset_by === "creator") {
    sched_setscheduler_nocheck(task, SCHED_NORMAL, 0);
    set_cpus_allowed_ptr(task, K.cpu_possible_mask);
  }
}

/**
 * tasklab's own: the `split-xchg` mutant's token hand-off: the killed creator reads `done` and
 * clears it in two steps, with a step of time between them in which the new thread may take it too.
 */
function* splitXchg(create: kthread_create_info): KGen<completion | null> {
  const token = create.done;
  yield activeEngine().costOfName("READ_ONCE");
  create.done = null;
  return token;
}

/** Models __kthread_create_on_node's kthread_create_info for the request `what`, completed through `done`. */
function createInfoFields(
  what: Pick<kthread_create_info, "threadfn" | "data" | "node">,
  done: completion,
): kthread_create_info {
  return {
    threadfn: what.threadfn,
    data: what.data,
    node: what.node,
    result: null,
    done,
    full_name: null,
    list: null as unknown as list_head<kthread_create_info>,
    __slab: null,
  };
}

/**
 * The creator's side (the body of __kthread_create_on_node and its predecessors): queues a
 * request for kthreadd and waits for the new thread. Returns it (asleep in D, not yet run)
 * or an ERR_PTR. May sleep. One body per shape of the request: on the heap with a killable
 * wait (3.13+), or on the creator's stack (up to 3.12).
 */
function kthreadCreate(what: RequestFor, namefmt: string, args: readonly PrintfArg[]): KGen<ErrOr<task_struct>> {
  return K.era.kthread_request === "heap"
    ? requestThread(what, namefmt, args)
    : requestThreadOnStack(what, namefmt, args);
}

type RequestFor = Pick<kthread_create_info, "threadfn" | "data" | "node">;

/**
 * 3.13+: the request on the heap. Fails with -ENOMEM when the request or (6.4+) the name
 * cannot be allocated, with -EINTR (3.13: -ENOMEM) when the creator is killed before the
 * thread was created, or with the error kthreadd got from the fork.
 */
function* requestThread(what: RequestFor, namefmt: string, args: readonly PrintfArg[]): KGen<ErrOr<task_struct>> {
  const done = init_completion();
  const create = kmalloc<kthread_create_info>("kthread_create_info", 64, () => createInfoFields(what, done));
  if (create === null) return ERR_PTR(-ENOMEM);
  create.list = new list_head(create);
  const name = vsprintf(namefmt, args);
  if (K.era.kthread_naming === "copy_process") {
    // kvasprintf: the whole name, however long, on the heap.
    create.full_name = kmalloc("full_name", name.length + 1, () => ({ s: name, __slab: null }));
    if (create.full_name === null) {
      kfree(create);
      return ERR_PTR(-ENOMEM);
    }
  }
  yield* queueRequest(create);

  let killed = false;
  if (mutated("unkillable-wait")) yield* wait_for_completion(done);
  else killed = (yield* wait_for_completion_killable(done)) !== 0;
  kasanCheck(create, "read");
  if (killed) {
    // Killed. Take the token: non-null means nobody claimed the request yet, so we leave
    // and kthreadd or the new thread frees it. null means one of them already claimed it
    // and is about to complete: wait (uninterruptibly) and carry on as normal.
    const token = mutated("split-xchg") ? yield* splitXchg(create) : xchg(create, "done", null);
    if (token !== null) return ERR_PTR(K.era.kthread_killed_errno === "EINTR" ? -EINTR : -ENOMEM);
    yield* wait_for_completion(done);
  }
  const task = create.result as ErrOr<task_struct>;
  if (K.era.kthread_naming !== "copy_process" && !IS_ERR(task)) kthreadNameAndReset(task, name);
  kfree(create);
  return task;
}

/**
 * Up to 3.12: the request is a local variable of the creator (nothing allocated or freed)
 * and the wait is uninterruptible: a fatal signal does not end it. 2.6.24 adds the
 * `started` completion kthreadd waits on.
 */
function* requestThreadOnStack(what: RequestFor, namefmt: string, args: readonly PrintfArg[]) {
  const done = init_completion();
  const create = createInfoFields(what, done);
  if (K.era.kthread_started) create.started = init_completion();
  create.list = new list_head(create);
  const name = vsprintf(namefmt, args);
  yield* queueRequest(create);
  yield* wait_for_completion(done);
  kasanCheck(create, "read");
  const task = create.result as ErrOr<task_struct>;
  if (!IS_ERR(task)) kthreadNameAndReset(task, name);
  return task;
}

/** Puts the request on kthread_create_list and wakes kthreadd (2.6.24: with the list lock still held). */
function* queueRequest(create: kthread_create_info): KGen<void> {
  const kthreadd = K.kthreadd_task as task_struct;
  if (mutated("wake-before-queue")) yield* wake_up_process(kthreadd);
  yield* spin_lock(K.kthread_create_lock);
  list_add_tail(create.list, K.kthread_create_list);
  if (K.era.kthread_started) yield* wake_up_process(kthreadd);
  spin_unlock(K.kthread_create_lock);
  if (!K.era.kthread_started && !mutated("wake-before-queue")) yield* wake_up_process(kthreadd);
}

/** __kthread_create_on_node (4.9+): the creation that the create and worker calls share. May sleep. */
export const __kthread_create_on_node = kfunc(function* __kthread_create_on_node(
  threadfn: threadfn_t,
  data: unknown,
  node: number,
  namefmt: string,
  args: readonly PrintfArg[],
): KGen<ErrOr<task_struct>> {
  return yield* kthreadCreate({ threadfn, data, node }, namefmt, args);
});

/**
 * kthread_create_on_node(threadfn, data, node, namefmt, ...args) (3.10+): creates a kernel
 * thread (asleep, not yet run) for NUMA node `node`. Returns it or an ERR_PTR. May sleep.
 * Until 4.8 it does the creation itself.
 */
export const kthread_create_on_node = kfunc(function* kthread_create_on_node(
  threadfn: threadfn_t,
  data: unknown,
  node: number,
  namefmt: string,
  ...args: PrintfArg[]
): KGen<ErrOr<task_struct>> {
  kthreadApi("kthread_create_on_node");
  if (K.era.kthread_create_body === "kthread_create_on_node")
    return yield* kthreadCreate({ threadfn, data, node }, namefmt, args);
  return yield* __kthread_create_on_node(threadfn, data, node, namefmt, args);
});

/** kthread_create as a function (2.6.24, 2.6.32: before kthread_create_on_node existed). */
const kthreadCreateFunction = kfunc(function* kthread_create(
  threadfn: threadfn_t,
  data: unknown,
  namefmt: string,
  args: readonly PrintfArg[],
): KGen<ErrOr<task_struct>> {
  return yield* kthreadCreate({ threadfn, data, node: NUMA_NO_NODE }, namefmt, args);
});

/** kthread_create(threadfn, data, namefmt, ...args): on any node (a macro in C from 3.10). */
export function kthread_create(threadfn: threadfn_t, data: unknown, namefmt: string, ...args: PrintfArg[]) {
  if (K.era.kthread_create_body === "kthread_create") return kthreadCreateFunction(threadfn, data, namefmt, args);
  return kthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ...args);
}

/**
 * The creation call the kernel's own users (kthread_create_on_cpu, workqueues, workers) make
 * in a release: kthread_create before kthread_create_on_node existed, kthread_create_on_node
 * until 4.9 made __kthread_create_on_node.
 */
export function kernelCreateOnNode(...a: Parameters<typeof __kthread_create_on_node>) {
  const body = K.era.kthread_create_body;
  if (body === "kthread_create") return kthreadCreateFunction(a[0], a[1], a[3], a[4]);
  if (body === "kthread_create_on_node") return kthread_create_on_node(a[0], a[1], a[2], a[3], ...a[4]);
  return __kthread_create_on_node(...a);
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
