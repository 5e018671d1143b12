/**
 * Creating tasks (kernel/fork.c, 6.19): kernel_clone → copy_process → wake_up_new_task,
 * and the kernel-thread entry points kernel_thread, user_mode_thread and fork_idle.
 * copy_process undoes every step already done when a later one fails, so a failed fork
 * leaves nothing allocated.
 */
import { activeEngine, type KGen } from "../../sim/engine.js";
import { kfunc, kleaf, ksync } from "../../sim/functions.js";
import { current, local_clock } from "../include/current.js";
import { EAGAIN, EINTR, EINVAL, ENOMEM, ERESTARTNOINTR } from "../include/errno.js";
import {
  PF_FORKNOEXEC,
  PF_IDLE,
  PF_KTHREAD,
  PF_NO_SETAFFINITY,
  PF_SUPERPRIV,
  PF_WQ_WORKER,
  TIF_NEED_RESCHED,
  TIF_SIGPENDING,
} from "../include/sched.js";
import { SIGNAL_UNKILLABLE } from "../include/signal.js";
import type {
  files_struct,
  fs_struct,
  mm_struct,
  sighand_struct,
  signal_struct,
  task_struct,
} from "../include/task_struct.js";
import { trace_sched_process_fork, trace_task_newtask } from "../include/trace/events/sched.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_FILES,
  CLONE_FS,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  CLONE_PARENT,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_UNTRACED,
  CLONE_VM,
  CSIGNAL,
} from "../include/uapi/sched.js";
import { K } from "../kernel.js";
import { list_add_tail, list_head } from "../lib/list.js";
import { kfree, kmem_cache_alloc } from "../mm/slab.js";
import { do_exit } from "./exit.js";
import { free_kthread_struct, set_kthread_struct } from "./kthread.js";
import { alloc_pid, free_pid } from "./pid.js";
import { sched_fork, wake_up_new_task } from "./sched/core.js";
import { fatal_signal_pending } from "./signal.js";

/** A function a new task starts in (a kernel thread's body, or kernel_init). */
export type ThreadFn = (arg: unknown) => KGen<number>;

/** struct kernel_clone_args: everything a fork is asked to do. */
export interface kernel_clone_args {
  flags: number;
  exit_signal: number;
  fn: ThreadFn | null;
  fn_arg: unknown;
  /** 6.4+: the new task's name, set inside copy_process. */
  name: string | null;
  kthread: boolean;
  idle: boolean;
  child_tid: number;
  parent_tid: number;
}

export function clone_args(partial: Partial<kernel_clone_args>): kernel_clone_args {
  return {
    flags: 0,
    exit_signal: 0,
    fn: null,
    fn_arg: null,
    name: null,
    kthread: false,
    idle: false,
    child_tid: 0,
    parent_tid: 0,
    ...partial,
  };
}

// Sizes of the slab objects, as on x86-64 6.x (task_struct depends on the config).
const TASK_STRUCT_SIZE = 9856;
const THREAD_SIZE = 16384;

export function get_task_struct(t: task_struct): task_struct {
  t.usage++;
  return t;
}

/** Drops a reference; the last one frees the task (its stack, struct kthread, itself). */
export function put_task_struct(t: task_struct): void {
  if (--t.usage === 0) __put_task_struct(t);
}

function __put_task_struct(t: task_struct): void {
  if (--t.signal.sigcnt === 0) kfree(t.signal);
  free_task(t);
}

/** free_task: releases what the task_struct owns and the task_struct itself. */
export const free_task = ksync(function free_task(t: task_struct): void {
  kfree(t.stack);
  t.stack = null;
  if (t.flags & PF_KTHREAD) free_kthread_struct(t);
  kfree(t);
});

/**
 * dup_task_struct: a copy of the parent's task_struct and a fresh kernel stack. The copy
 * shares nothing mutable with the parent. Returns null when an allocation fails.
 */
const dup_task_struct = kleaf(function dup_task_struct(orig: task_struct): task_struct | null {
  const tsk = kmem_cache_alloc<task_struct>("task_struct", TASK_STRUCT_SIZE, () => ({ ...orig, __slab: null }));
  if (tsk === null) return null;
  const stack = kmem_cache_alloc("thread_stack", THREAD_SIZE, () => ({ size: THREAD_SIZE, __slab: null }));
  if (stack === null) {
    kfree(tsk);
    return null;
  }
  tsk.stack = stack;
  tsk.usage = 1;
  tsk.rcu_users = 2;
  tsk.worker_private = null;
  tsk.ti_flags &= ~(TIF_NEED_RESCHED | TIF_SIGPENDING);
  tsk.pending = { signal: 0n };
  tsk.se = { ...orig.se };
  tsk.thread = { fn: null, fn_arg: null };
  tsk.tasks = new list_head(tsk);
  tsk.children = new list_head<task_struct>();
  tsk.sibling = new list_head(tsk);
  tsk.nvcsw = 0;
  tsk.nivcsw = 0;
  return tsk;
});

const copy_files = kleaf(function copy_files(clone_flags: number, tsk: task_struct): number {
  const old = current().files;
  if (old === null) return 0;
  if (clone_flags & CLONE_FILES) {
    old.count++;
    return 0;
  }
  const files = kmem_cache_alloc<files_struct>("files_cache", 704, () => ({ count: 1, __slab: null }));
  if (files === null) return -ENOMEM;
  tsk.files = files;
  return 0;
});

export function put_files_struct(files: files_struct): void {
  if (--files.count === 0) kfree(files);
}

const copy_fs = kleaf(function copy_fs(clone_flags: number, tsk: task_struct): number {
  const fs = current().fs;
  if (fs === null) return 0;
  if (clone_flags & CLONE_FS) {
    if (fs.in_exec) return -EAGAIN;
    fs.users++;
    return 0;
  }
  const copy = kmem_cache_alloc<fs_struct>("fs_cache", 56, () => ({
    users: 1,
    umask: fs.umask,
    in_exec: false,
    __slab: null,
  }));
  if (copy === null) return -ENOMEM;
  tsk.fs = copy;
  return 0;
});

export function free_fs_struct_ref(fs: fs_struct): void {
  if (--fs.users === 0) kfree(fs);
}

const copy_sighand = kleaf(function copy_sighand(clone_flags: number, tsk: task_struct): number {
  const old = current().sighand;
  if (old === null) return 0;
  if (clone_flags & CLONE_SIGHAND) {
    old.count++;
    return 0;
  }
  const sig = kmem_cache_alloc<sighand_struct>("sighand_cache", 2088, () => ({
    count: 1,
    action: Int32Array.from(old.action),
    __slab: null,
  }));
  if (sig === null) return -ENOMEM;
  tsk.sighand = sig;
  return 0;
});

export function __cleanup_sighand(sighand: sighand_struct): void {
  if (--sighand.count === 0) kfree(sighand);
}

const copy_signal = kleaf(function copy_signal(clone_flags: number, tsk: task_struct): number {
  if (clone_flags & CLONE_THREAD) {
    tsk.signal.sigcnt++;
    return 0;
  }
  const sig = kmem_cache_alloc<signal_struct>("signal_cache", 1136, () => ({
    sigcnt: 1,
    nr_threads: 1,
    live: 1,
    oom_score_adj: current().signal.oom_score_adj,
    flags: 0,
    shared_pending: { signal: 0n },
    __slab: null,
  }));
  if (sig === null) return -ENOMEM;
  tsk.signal = sig;
  return 0;
});

/** copy_mm: a kernel parent has no mm, nor does its child; user address spaces come later. */
const copy_mm = kleaf(function copy_mm(clone_flags: number, tsk: task_struct): number {
  tsk.mm = null;
  tsk.active_mm = null;
  const oldmm = current().mm;
  if (oldmm === null) return 0;
  if (clone_flags & CLONE_VM) {
    oldmm.mm_users++;
    tsk.mm = oldmm;
  } else {
    const mm = kmem_cache_alloc<mm_struct>("mm_struct", 1408, () => ({ mm_users: 1, __slab: null }));
    if (mm === null) return -ENOMEM;
    tsk.mm = mm;
  }
  tsk.active_mm = tsk.mm;
  return 0;
});

export function mmput(mm: mm_struct): void {
  if (--mm.mm_users === 0) kfree(mm);
}

/** copy_thread: the new task starts in ret_from_fork, which calls args.fn for kernel-started tasks. */
const copy_thread = kleaf(function copy_thread(p: task_struct, args: kernel_clone_args): void {
  p.thread = { fn: args.fn, fn_arg: args.fn_arg };
  p.sim = activeEngine().spawn(p, ret_from_fork(p), args.idle);
});

/**
 * ret_from_fork: where every new task begins. schedule_tail's work (finishing the switch)
 * was done when the CPU switched here; a task started in a kernel function runs it and,
 * should it return, exits with its value (kernel threads normally exit from inside).
 */
const ret_from_fork = kfunc(function* ret_from_fork(p: task_struct) {
  const fn = p.thread.fn;
  if (fn === null) throw new Error(`task ${p.pid} has no function to run`);
  const ret = yield* fn(p.thread.fn_arg);
  yield* do_exit(ret);
});

/** The clone flag combinations copy_process refuses (the checks every era has). */
function check_clone_flags(clone_flags: number, me: task_struct): number {
  if ((clone_flags & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) return -EINVAL;
  if ((clone_flags & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) return -EINVAL;
  if (clone_flags & CLONE_THREAD && !(clone_flags & CLONE_SIGHAND)) return -EINVAL;
  if (clone_flags & CLONE_SIGHAND && !(clone_flags & CLONE_VM)) return -EINVAL;
  // An init's siblings would escape its namespace: no CLONE_PARENT from an init.
  if (clone_flags & CLONE_PARENT && me.signal.flags & SIGNAL_UNKILLABLE) return -EINVAL;
  if (clone_flags & CLONE_THREAD && clone_flags & (CLONE_NEWUSER | CLONE_NEWPID)) return -EINVAL;
  return 0;
}

/**
 * copy_process: builds the new task without starting it. Returns the task (TASK_NEW, on
 * no run queue) or a negative errno; on failure everything done so far is undone.
 */
export const copy_process = kfunc(function* copy_process(args: kernel_clone_args): KGen<task_struct | number> {
  const clone_flags = args.flags;
  const me = current();
  let retval = check_clone_flags(clone_flags, me);
  if (retval) return retval;
  // A signal that arrives during the fork restarts the syscall instead (user space never sees it).
  if (me.ti_flags & TIF_SIGPENDING) return -ERESTARTNOINTR;

  const p = yield* dup_task_struct(me);
  if (p === null) return -ENOMEM;
  const undo: (() => void)[] = [() => free_task(p)];
  const fail = (err: number): number => {
    for (let i = undo.length - 1; i >= 0; i--) (undo[i] as () => void)();
    return err;
  };

  p.flags &= ~PF_KTHREAD;
  if (args.kthread) p.flags |= PF_KTHREAD;
  if (args.name !== null) p.comm = args.name.slice(0, 15);
  p.set_child_tid = clone_flags & CLONE_CHILD_SETTID ? args.child_tid : 0;
  p.clear_child_tid = clone_flags & CLONE_CHILD_CLEARTID ? args.child_tid : 0;

  if (K.nr_threads >= K.max_threads) return fail(-EAGAIN);
  p.flags &= ~(PF_SUPERPRIV | PF_WQ_WORKER | PF_IDLE | PF_NO_SETAFFINITY);
  p.flags |= PF_FORKNOEXEC;
  p.vfork_done = null;
  p.start_time = local_clock();
  if (args.kthread && !set_kthread_struct(p)) return fail(-EAGAIN);

  retval = yield* sched_fork(clone_flags, p);
  if (retval) return fail(retval);

  retval = yield* copy_files(clone_flags, p);
  if (retval) return fail(retval);
  if (p.files !== null) {
    const files = p.files;
    undo.push(() => put_files_struct(files));
  }
  retval = yield* copy_fs(clone_flags, p);
  if (retval) return fail(retval);
  if (p.fs !== null) {
    const fs = p.fs;
    undo.push(() => free_fs_struct_ref(fs));
  }
  retval = yield* copy_sighand(clone_flags, p);
  if (retval) return fail(retval);
  if (p.sighand !== null) {
    const sighand = p.sighand;
    undo.push(() => __cleanup_sighand(sighand));
  }
  retval = yield* copy_signal(clone_flags, p);
  if (retval) return fail(retval);
  undo.push(() => {
    if (--p.signal.sigcnt === 0) kfree(p.signal);
  });
  retval = yield* copy_mm(clone_flags, p);
  if (retval) return fail(retval);
  if (p.mm !== null) {
    const mm = p.mm;
    undo.push(() => mmput(mm));
  }
  yield* copy_thread(p, args);

  if (args.idle) {
    p.pid = 0;
    p.thread_pid = null;
  } else {
    const pid = yield* alloc_pid(K.init_pid_ns);
    if (typeof pid === "number") return fail(pid);
    undo.push(() => free_pid(K.init_pid_ns, pid));
    p.pid = pid.nr;
    p.thread_pid = pid;
    // is_child_reaper: the first task of the namespace becomes its unkillable init.
    if (pid.nr === 1) p.signal.flags |= SIGNAL_UNKILLABLE;
  }
  if (clone_flags & CLONE_THREAD) {
    p.group_leader = me.group_leader;
    p.tgid = me.tgid;
  } else {
    p.group_leader = p;
    p.tgid = p.pid;
  }

  // Under tasklist_lock: parent, exit signal, and the last checks.
  if (clone_flags & (CLONE_PARENT | CLONE_THREAD)) {
    p.real_parent = me.real_parent;
    p.exit_signal = clone_flags & CLONE_THREAD ? -1 : me.group_leader.exit_signal;
  } else {
    p.real_parent = me;
    p.exit_signal = args.exit_signal;
  }
  p.parent = p.real_parent;
  if (fatal_signal_pending(me)) return fail(-EINTR);

  if (p.pid !== 0) {
    (p.thread_pid as NonNullable<typeof p.thread_pid>).task = p;
    if (p.group_leader === p) {
      list_add_tail(p.sibling, p.real_parent.children);
      list_add_tail(p.tasks, K.init_task.tasks);
    } else {
      p.signal.nr_threads++;
      p.signal.live++;
    }
    K.nr_threads++;
  }
  K.total_forks++;
  trace_task_newtask(p, clone_flags);
  return p;
});

/**
 * kernel_clone: fork in all its forms. Copies the task, reports sched_process_fork,
 * starts the child (wake_up_new_task) and returns its pid as the caller's namespace
 * sees it, or a negative errno.
 */
export const kernel_clone = kfunc(function* kernel_clone(args: kernel_clone_args) {
  const p = yield* copy_process(args);
  if (typeof p === "number") return p;
  trace_sched_process_fork(current(), p);
  const nr = p.pid;
  yield* wake_up_new_task(p);
  return nr;
});

/**
 * kernel_thread: starts a kernel thread running fn(arg), named `name` (6.4+) or
 * inheriting the caller's name when null. Returns its pid or a negative errno.
 */
export const kernel_thread = kfunc(function* kernel_thread(
  fn: ThreadFn,
  arg: unknown,
  name: string | null,
  flags: number,
) {
  return yield* kernel_clone(
    clone_args({
      flags: (flags | CLONE_VM | CLONE_UNTRACED) & ~CSIGNAL,
      exit_signal: flags & CSIGNAL,
      fn,
      fn_arg: arg,
      name,
      kthread: true,
    }),
  );
});

/** user_mode_thread (6.1+): like kernel_thread but not a kthread (pid 1 starts this way). */
export const user_mode_thread = kfunc(function* user_mode_thread(fn: ThreadFn, arg: unknown, flags: number) {
  return yield* kernel_clone(
    clone_args({
      flags: (flags | CLONE_VM | CLONE_UNTRACED) & ~CSIGNAL,
      exit_signal: flags & CSIGNAL,
      fn,
      fn_arg: arg,
    }),
  );
});

/** fork_idle: the idle task of a secondary CPU: a copy of init_task with pid 0, on no list. */
export function* fork_idle(cpu: number, idle_fn: ThreadFn): KGen<task_struct | number> {
  const p = yield* copy_process(clone_args({ flags: CLONE_VM, fn: idle_fn, fn_arg: cpu, idle: true, kthread: true }));
  return p;
}
