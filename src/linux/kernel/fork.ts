/**
 * Creating tasks (kernel/fork.c, 6.19): kernel_clone → copy_process → wake_up_new_task,
 * and the kernel-thread entry points kernel_thread, user_mode_thread and fork_idle.
 * copy_process makes its checks in the kernel's order, so the first failing one decides
 * the errno, and undoes every step already done when a later one fails, so a failed fork
 * leaves nothing allocated. The system calls that reach kernel_clone are in fork_syscalls.ts,
 * the resources it copies in fork_copy.ts.
 *
 * Size: over 400 lines because copy_process (its checks in the kernel's order and its ladder
 * of cleanup labels) reads beside the entry points that call it, as in fork.c.
 */
import { activeEngine, type KGen } from "../../sim/engine.js";
import { kfunc, kleaf, ksync } from "../../sim/functions.js";
import { forkUserState, scheduleTailUser } from "../arch/x86/entry/user_mode.js";
import { kernel_thread_helper, kernelThreadRegs, type pt_regs } from "../arch/x86/kernel/process_32.js";
import { alloc_file, fd_install, fput, get_unused_fd, put_files_struct, put_unused_fd } from "../fs/file.js";
import { data_race } from "../include/compiler.js";
import { current, local_clock } from "../include/current.js";
import { ERR_PTR, type ErrOr, type ErrPtr, IS_ERR, PTR_ERR } from "../include/err.js";
import { EAGAIN, EBADF, EINTR, EINVAL, ENOMEM, EPERM, ERESTARTNOINTR } from "../include/errno.js";
import {
  PF_FORKNOEXEC,
  PF_IDLE,
  PF_KTHREAD,
  PF_NO_SETAFFINITY,
  PF_SUPERPRIV,
  PF_WQ_WORKER,
  TASK_FREEZABLE,
  TASK_KILLABLE,
  TASK_UNINTERRUPTIBLE,
  TIF_SIGPENDING,
} from "../include/sched.js";
import { SIGNAL_UNKILLABLE } from "../include/signal.js";
import type { completion, file, files_struct, pid, task_struct } from "../include/task_struct.js";
import { trace_sched_process_fork, trace_task_newtask } from "../include/trace/events/sched.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_DETACHED,
  CLONE_FS,
  CLONE_INTO_CGROUP_HI,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_SETTLS,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_UNTRACED,
  CLONE_VFORK,
  CLONE_VM,
  CSIGNAL,
  cloneFlagsHi,
} from "../include/uapi/sched.js";
import { K } from "../kernel.js";
import { list_add_tail } from "../lib/list.js";
import { put_user } from "../mm/memory.js";
import { TASK_SIZE } from "../mm/mm_types.js";
import { kfree } from "../mm/slab.js";
import {
  CAP_SETUID,
  CAP_SYS_ADMIN,
  CAP_SYS_RESOURCE,
  capable,
  copy_creds,
  decNproc,
  nprocOverlimit,
  put_cred,
} from "./cred.js";
import { do_exit } from "./exit.js";
import {
  __cleanup_sighand,
  copy_files,
  copy_fs,
  copy_mm,
  copy_sighand,
  copy_signal,
  dup_task_struct,
  mmput,
  put_signal_struct,
  putFsStruct,
} from "./fork_copy.js";
import { free_kthread_struct, set_kthread_struct } from "./kthread.js";
import { copy_namespaces, put_nsproxy } from "./nsproxy.js";
import { attachPgrpSession } from "./pgrp.js";
import { alloc_pid, free_pid, ns_of_pid, pid_nr, pid_nr_ns, task_active_pid_ns } from "./pid.js";
import {
  init_completion,
  wait_for_completion,
  wait_for_completion_killable,
  wait_for_completion_state,
} from "./sched/completion.js";
import { sched_fork, wake_up_new_task } from "./sched/core.js";
import { fatal_signal_pending, signal_pending } from "./signal.js";

/** CAP_SETGID (include/uapi/linux/capability.h): 2.6.32's do_fork asks it for CLONE_NEWUSER. */
const CAP_SETGID = 6;

/** A function a new task starts in (a kernel thread's body, or kernel_init). */
export type ThreadFn = (arg: unknown) => KGen<number>;

/** struct kernel_clone_args: everything a fork is asked to do. */
export interface kernel_clone_args {
  /** 64-bit clone flags (bits above 31 only from clone3). */
  flags: number;
  exit_signal: number;
  /** User addresses: where to store the pidfd, the child's tid (child side), the parent's copy. */
  pidfd: number;
  child_tid: number;
  parent_tid: number;
  /** The new user stack (its top) and TLS; recorded, not used by the model. */
  stack: number;
  stack_size: number;
  tls: number;
  /** clone3's requested pid per namespace level, deepest first. */
  set_tid: number[];
  cgroup: number;
  fn: ThreadFn | null;
  fn_arg: unknown;
  /** 6.4+: the new task's name, set inside copy_process. */
  name: string | null;
  kthread: boolean;
  idle: boolean;
  /** 2.6.x: the frame a kernel thread starts from (its ip: kernel_thread_helper); null otherwise. */
  regs: pt_regs | null;
}
/** Models a designated initializer of struct kernel_clone_args: the fields not given are 0. */
export function kernelCloneArgs(partial: Partial<kernel_clone_args>): kernel_clone_args {
  return {
    flags: 0,
    exit_signal: 0,
    pidfd: 0,
    child_tid: 0,
    parent_tid: 0,
    stack: 0,
    stack_size: 0,
    tls: 0,
    set_tid: [],
    cgroup: 0,
    fn: null,
    fn_arg: null,
    name: null,
    kthread: false,
    idle: false,
    regs: null,
    ...partial,
  };
}

export function get_task_struct(t: task_struct): task_struct {
  t.usage++;
  return t;
}

/** Drops a reference; the last one frees the task (its stack, struct kthread, itself). */
export function put_task_struct(t: task_struct): void {
  if (--t.usage === 0) __put_task_struct(t);
}

function __put_task_struct(t: task_struct): void {
  put_cred(t.cred);
  put_signal_struct(t.signal);
  free_task(t);
}

/** free_task: releases what the task_struct owns and the task_struct itself. */
export const free_task = ksync(function free_task(t: task_struct): void {
  kfree(t.stack);
  t.stack = null;
  if (t.flags & PF_KTHREAD) free_kthread_struct(t);
  kfree(t);
});

/** copy_thread: the new task starts in ret_from_fork; a user task's registers are its parent's. */
const copy_thread = kleaf(function copy_thread(p: task_struct, args: kernel_clone_args): number {
  // x86's new TLS (do_arch_prctl_64 ARCH_SET_FS): a base outside user space is refused.
  if (args.fn === null && args.flags & CLONE_SETTLS && args.tls >= TASK_SIZE) return -EPERM;
  p.thread = { fn: args.fn, fn_arg: args.fn_arg, user_mode: false };
  const parent = current().user;
  if (args.fn === null && parent !== null) p.user = forkUserState(current(), parent);
  const regs = args.regs;
  const start = regs?.ip ? retFromForkTo(p, regs) : ret_from_fork(p);
  p.sim = activeEngine().spawn(p, start, args.idle);
  return 0;
});

/**
 * ret_from_fork: where every new task begins. A task started in a kernel function runs it
 * and, should it return, exits with its value; a forked user task finishes schedule_tail
 * (its CLONE_CHILD_SETTID write) and returns to user mode with 0.
 */
const ret_from_fork = kfunc(function* ret_from_fork(p: task_struct) {
  const fn = p.thread.fn;
  if (fn === null) {
    yield* scheduleTailUser(p);
    throw new Error(`task ${p.pid} returned from user mode`);
  }
  const ret = yield* fn(p.thread.fn_arg);
  yield* do_exit(ret);
});

/** 2.6.x's ret_from_fork for a kernel thread: it returns through the saved frame (no call of fn). */
const retFromForkIret = kfunc(function* ret_from_fork(_p: task_struct) {});

/** 2.6.x: ret_from_fork, then the iret to the frame's ip (its frame is gone: the helper is the outermost). */
function* retFromForkTo(p: task_struct, regs: pt_regs): KGen<number> {
  yield* retFromForkIret(p);
  return yield* kernel_thread_helper(regs);
}

/**
 * The clone flag combinations copy_process refuses before it allocates anything, in the
 * kernel's order; which rows exist is the era's (K.era.clone_checks, §2.3 of the spec).
 */
function checkCloneFlags(clone_flags: number, me: task_struct): number {
  const c = K.era.clone_checks;
  if ((clone_flags & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) return -EINVAL;
  if (c.newuser_fs && (clone_flags & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) return -EINVAL;
  if (clone_flags & CLONE_THREAD && !(clone_flags & CLONE_SIGHAND)) return -EINVAL;
  if (clone_flags & CLONE_SIGHAND && !(clone_flags & CLONE_VM)) return -EINVAL;
  // An init's siblings would escape its namespace: no CLONE_PARENT from an init.
  if (c.parent_from_init && clone_flags & CLONE_PARENT && me.signal.flags & SIGNAL_UNKILLABLE) return -EINVAL;
  // A thread (4.4+; a shared sighand 3.13–4.1; in 3.10 a sighand or new pid ns) must stay in its pid namespace.
  const ns_flag = c.ns_vs === "thread" ? CLONE_THREAD : c.ns_vs === "sighand" ? CLONE_SIGHAND : 0;
  const foreign =
    me.nsproxy !== null && task_active_pid_ns(me) !== null && task_active_pid_ns(me) !== me.nsproxy.pid_ns_for_children;
  if (clone_flags & ns_flag) {
    if (clone_flags & (CLONE_NEWUSER | CLONE_NEWPID)) return -EINVAL;
    if (foreign) return -EINVAL;
  }
  if (c.do_fork_newuser === "3.10" && clone_flags & (CLONE_SIGHAND | CLONE_NEWPID) && foreign) return -EINVAL;
  if (c.pidfd && clone_flags & CLONE_PIDFD) {
    // CLONE_DETACHED stays reserved; CLONE_THREAD is refused until 6.9.
    if (clone_flags & CLONE_DETACHED) return -EINVAL;
    if (!c.pidfd_thread && clone_flags & CLONE_THREAD) return -EINVAL;
  }
  return 0;
}

/**
 * The signal check: a pending signal restarts the fork (−ERESTARTNOINTR: user space never
 * sees it). 4.19+ checks first, before allocating, and again at the commit point only for a
 * fatal signal (−EINTR); ≤4.14 checks once, late, under the tasklist lock.
 * Models copy_process (its signal_pending checks).
 */
function forkSignalCheck(me: task_struct, at: "early" | "commit"): number {
  if (K.era.fork_signal_check === "early") {
    if (at === "early") return me.ti_flags & TIF_SIGPENDING ? -ERESTARTNOINTR : 0;
    return fatal_signal_pending(me) ? -EINTR : 0;
  }
  return at === "commit" && signal_pending(me) ? -ERESTARTNOINTR : 0;
}

/** What copy_process's error path undoes besides the task's own fields: the pid and pidfd made so far. */
interface ForkSoFar {
  p: task_struct;
  pid: pid | null;
  /** The parent's fd table the pidfd was reserved in, the fd (-1: none) and its file. */
  files: files_struct | null;
  pidfd: number;
  pidfile: file | null;
}

/**
 * copy_process's error labels, in the kernel's order (6.19 fork.c, the ones the model has
 * steps for): a failure jumps to the label of the last step that was done, and undoes it
 * and every step before it, newest first.
 */
const BAD_FORK = [
  "bad_fork_put_pidfd",
  "bad_fork_free_pid",
  "bad_fork_cleanup_namespaces",
  "bad_fork_cleanup_mm",
  "bad_fork_cleanup_signal",
  "bad_fork_cleanup_sighand",
  "bad_fork_cleanup_fs",
  "bad_fork_cleanup_files",
  "bad_fork_cleanup_count",
  "bad_fork_free",
] as const;

/** Runs copy_process's error path from `label` down and returns ERR_PTR(err). */
function* badFork(f: ForkSoFar, label: (typeof BAD_FORK)[number], err: number): KGen<ErrPtr> {
  const p = f.p;
  for (let i = BAD_FORK.indexOf(label); i < BAD_FORK.length; i++) {
    switch (BAD_FORK[i]) {
      case "bad_fork_put_pidfd":
        if (f.pidfile !== null) fput(f.pidfile);
        if (f.pidfd >= 0) put_unused_fd(f.files as files_struct, f.pidfd);
        break;
      case "bad_fork_free_pid":
        if (f.pid !== null) free_pid(f.pid);
        break;
      case "bad_fork_cleanup_namespaces":
        if (p.nsproxy !== null) put_nsproxy(p.nsproxy);
        break;
      case "bad_fork_cleanup_mm":
        if (p.mm !== null) yield* mmput(p.mm);
        break;
      case "bad_fork_cleanup_signal":
        put_signal_struct(p.signal);
        break;
      case "bad_fork_cleanup_sighand":
        if (p.sighand !== null) __cleanup_sighand(p.sighand);
        break;
      case "bad_fork_cleanup_fs":
        if (p.fs !== null) putFsStruct(p.fs);
        break;
      case "bad_fork_cleanup_files":
        if (p.files !== null) put_files_struct(p.files);
        break;
      case "bad_fork_cleanup_count":
        decNproc(p.cred.uid);
        put_cred(p.cred);
        break;
      case "bad_fork_free":
        free_task(p);
        break;
    }
  }
  return ERR_PTR(err);
}

/**
 * copy_process: builds the new task without starting it. Returns the task (TASK_NEW, on
 * no run queue) or a negative errno; on failure everything done so far is undone.
 */
export const copy_process = kfunc(function* copy_process(args: kernel_clone_args): KGen<ErrOr<task_struct>> {
  const clone_flags = args.flags;
  const me = current();
  let retval = checkCloneFlags(clone_flags, me);
  if (retval) return ERR_PTR(retval);
  retval = forkSignalCheck(me, "early");
  if (retval) return ERR_PTR(retval);

  const p = yield* dup_task_struct(me);
  if (p === null) return ERR_PTR(-ENOMEM);
  const f: ForkSoFar = { p, pid: null, files: null, pidfd: -1, pidfile: null };
  // 6.1+: a kernel thread because the caller says so; before, PF_KTHREAD is the parent's.
  if (K.era.pf_kthread === "args") {
    p.flags &= ~PF_KTHREAD;
    if (args.kthread) p.flags |= PF_KTHREAD;
  }
  if (args.name !== null) p.comm = args.name.slice(0, 15);
  p.set_child_tid = clone_flags & CLONE_CHILD_SETTID ? args.child_tid : 0;
  p.clear_child_tid = clone_flags & CLONE_CHILD_CLEARTID ? args.child_tid : 0;

  retval = copy_creds(p, clone_flags);
  if (retval < 0) return yield* badFork(f, "bad_fork_free", retval);
  const cred = p.cred;
  if (nprocOverlimit(cred.uid, p.signal.rlim_nproc)) {
    if (cred.uid !== 0 && !capable(CAP_SYS_RESOURCE) && !capable(CAP_SYS_ADMIN))
      return yield* badFork(f, "bad_fork_cleanup_count", -EAGAIN);
  }
  // nr_threads: every fork and exit changes it
  if (data_race(K.nr_threads >= K.max_threads)) return yield* badFork(f, "bad_fork_cleanup_count", -EAGAIN);

  p.flags &= ~(PF_SUPERPRIV | PF_WQ_WORKER | PF_IDLE | PF_NO_SETAFFINITY);
  p.flags |= PF_FORKNOEXEC;
  p.vfork_done = null;
  // struct kthread: copy_process makes it for a kernel thread from 5.17 (the kthread helper decides).
  const is_kthread = K.era.pf_kthread === "args" ? args.kthread : (p.flags & PF_KTHREAD) !== 0;
  // The kernel's labels for the next three (delayacct, policy, semundo) undo nothing modeled.
  if (is_kthread && !set_kthread_struct(p)) return yield* badFork(f, "bad_fork_cleanup_count", -EAGAIN);

  retval = yield* sched_fork(clone_flags, p);
  if (retval) return yield* badFork(f, "bad_fork_cleanup_count", retval);

  retval = yield* copy_files(clone_flags, p);
  if (retval) return yield* badFork(f, "bad_fork_cleanup_count", retval);
  retval = yield* copy_fs(clone_flags, p);
  if (retval) return yield* badFork(f, "bad_fork_cleanup_files", retval);
  retval = yield* copy_sighand(clone_flags, p);
  if (retval) return yield* badFork(f, "bad_fork_cleanup_fs", retval);
  retval = yield* copy_signal(clone_flags, p);
  if (retval) return yield* badFork(f, "bad_fork_cleanup_sighand", retval);
  retval = yield* copy_mm(clone_flags, p);
  if (retval) return yield* badFork(f, "bad_fork_cleanup_signal", retval);
  retval = copy_namespaces(clone_flags, p);
  if (retval) return yield* badFork(f, "bad_fork_cleanup_mm", retval);
  // (copy_io: bad_fork_cleanup_io, nothing modeled.)
  retval = yield* copy_thread(p, args);
  if (retval) return yield* badFork(f, "bad_fork_cleanup_namespaces", retval);

  let pid = null;
  if (args.idle) {
    p.pid = 0;
    p.thread_pid = null;
  } else {
    const ns = p.nsproxy === null ? K.init_pid_ns : p.nsproxy.pid_ns_for_children;
    const r = yield* alloc_pid(ns, args.set_tid);
    // bad_fork_cleanup_thread: nothing modeled.
    if (IS_ERR(r)) return yield* badFork(f, "bad_fork_cleanup_namespaces", PTR_ERR(r));
    pid = r;
    f.pid = r;
    p.pid = pid_nr(pid);
    p.thread_pid = pid;
  }

  let pidfd = -1;
  let pidfile: file | null = null;
  if (clone_flags & CLONE_PIDFD && K.era.clone_checks.pidfd && pid !== null && me.files !== null) {
    pidfd = get_unused_fd(me.files);
    if (pidfd < 0) return yield* badFork(f, "bad_fork_free_pid", pidfd);
    f.files = me.files;
    f.pidfd = pidfd;
    pidfile = alloc_file("pidfd", pid);
    if (pidfile === null) return yield* badFork(f, "bad_fork_put_pidfd", -ENOMEM);
    f.pidfile = pidfile;
    if ((yield* put_user(pidfd, me.mm, args.pidfd)) < 0) return yield* badFork(f, "bad_fork_put_pidfd", -14); // -EFAULT
  }

  // cgroup_can_fork: no cgroup directory can be opened in the model, so CLONE_INTO_CGROUP's
  // fd is never one (cgroup_css_set_fork's -EBADF).
  if (cloneFlagsHi(clone_flags) & CLONE_INTO_CGROUP_HI) return yield* badFork(f, "bad_fork_put_pidfd", -EBADF);

  if (clone_flags & CLONE_THREAD) {
    p.group_leader = me.group_leader;
    p.tgid = me.tgid;
  } else {
    p.group_leader = p;
    p.tgid = p.pid;
  }
  p.start_time = local_clock();

  // Under tasklist_lock: parent, exit signal, and the last checks (bad_fork_cancel_cgroup:
  // nothing modeled).
  activeEngine().shared();
  if (clone_flags & (CLONE_PARENT | CLONE_THREAD)) {
    p.real_parent = me.real_parent;
    p.exit_signal = clone_flags & CLONE_THREAD ? -1 : me.group_leader.exit_signal;
  } else {
    p.real_parent = me;
    p.exit_signal = args.exit_signal;
  }
  p.parent = p.real_parent;
  // ≤4.14 tests for any signal before the dying namespace; 4.19+ for a fatal one after it.
  const late = K.era.fork_signal_check === "late";
  retval = late ? forkSignalCheck(me, "commit") : 0;
  if (retval) return yield* badFork(f, "bad_fork_put_pidfd", retval);
  if (pid !== null && !ns_of_pid(pid).adding) return yield* badFork(f, "bad_fork_put_pidfd", -ENOMEM);
  retval = late ? 0 : forkSignalCheck(me, "commit");
  if (retval) return yield* badFork(f, "bad_fork_put_pidfd", retval);

  if (pid !== null) {
    pid.task = p;
    if (p.group_leader === p) {
      // is_child_reaper: the first task of a namespace becomes its unkillable init.
      const ns = ns_of_pid(pid);
      if (pid_nr_ns(pid, ns) === 1) {
        ns.child_reaper = p;
        p.signal.flags |= SIGNAL_UNKILLABLE;
      }
      list_add_tail(p.sibling, p.real_parent.children);
      list_add_tail(p.tasks, K.init_task.tasks);
      attachPgrpSession(p.signal, me.signal);
      const ps = p.real_parent.signal;
      p.signal.has_child_subreaper = ps.has_child_subreaper || ps.is_child_subreaper;
      list_add_tail(p.thread_node, p.signal.thread_head);
    } else {
      p.signal.nr_threads++;
      p.signal.live++;
      list_add_tail(p.thread_node, p.signal.thread_head);
    }
    K.nr_threads++;
  }
  K.total_forks++;
  if (pidfile !== null && me.files !== null) fd_install(me.files, pidfd, pidfile);
  // Before 5.3 the flags word copy_process was given still holds the exit signal.
  trace_task_newtask(p, K.era.clone_args ? clone_flags : (clone_flags | args.exit_signal) >>> 0);
  return p;
});

/**
 * wait_for_vfork_done: the vfork parent sleeps until the child execs or exits. ≤2.6.32 it
 * is an uninterruptible wait_for_completion (a SIGKILL does not end it); 3.x–5.x killable
 * (wait_for_completion_killable, outside the freezer's count); 6.1+ in
 * TASK_KILLABLE|TASK_FREEZABLE (6.1–6.4 spell it with TASK_UNINTERRUPTIBLE, the same bits).
 * Killed first, it detaches from the child, which then completes nothing. Returns 0 when the
 * child released it, -EINTR when killed.
 */
const wait_for_vfork_done = kfunc(function* wait_for_vfork_done(child: task_struct, vfork: completion) {
  const how = K.era.vfork_wait;
  let killed = false;
  if (how === "D") yield* wait_for_completion(vfork);
  else if (how === "KILLABLE") killed = (yield* wait_for_completion_killable(vfork)) < 0;
  else {
    const state = (how === "D|KILLABLE|FREEZABLE" ? TASK_UNINTERRUPTIBLE : 0) | TASK_KILLABLE | TASK_FREEZABLE;
    killed = (yield* wait_for_completion_state(vfork, state)) < 0;
  }
  if (killed) child.vfork_done = null;
  put_task_struct(child);
  return killed ? -EINTR : 0;
});

/**
 * The body every release's fork entry shares (do_fork, _do_fork, kernel_clone): copies the
 * task, reports sched_process_fork, writes CLONE_PARENT_SETTID, starts the child
 * (wake_up_new_task), waits for a vfork child, and returns the child's pid as the caller's
 * namespace sees it, or a negative errno.
 */
function* forkBody(args: kernel_clone_args): KGen<number> {
  const clone_flags = args.flags;
  // 5.10+ refuses a pidfd and a parent tid in one word here (5.4: legacy clone's own check).
  if (K.era.fork_fn === "kernel_clone" && clone_flags & CLONE_PIDFD && clone_flags & CLONE_PARENT_SETTID) {
    if (args.pidfd === args.parent_tid) return -EINVAL;
  }
  // The ptrace event (fork, vfork or clone) would be chosen here; no task is traced in the model.
  const p = yield* copy_process(args);
  if (IS_ERR(p)) return PTR_ERR(p);
  const me = current();
  trace_sched_process_fork(me, p);
  const ns = task_active_pid_ns(me);
  const nr = ns === null ? p.pid : pid_nr_ns(p.thread_pid, ns);
  if (clone_flags & CLONE_PARENT_SETTID) yield* put_user(nr, me.mm, args.parent_tid);
  let vfork: completion | null = null;
  if (clone_flags & CLONE_VFORK) {
    vfork = init_completion();
    p.vfork_done = vfork;
    get_task_struct(p);
  }
  yield* wake_up_new_task(p);
  if (vfork !== null) yield* wait_for_vfork_done(p, vfork);
  return nr;
}

/** kernel_clone (5.10+): fork in all its forms, from struct kernel_clone_args. */
export const kernel_clone = kfunc(function* kernel_clone(args: kernel_clone_args) {
  return yield* forkBody(args);
});

/**
 * _do_fork: 4.2–5.2 `_do_fork(clone_flags, stack_start, stack_size, parent_tidptr,
 * child_tidptr, tls)` with the exit signal in the flags' low byte (`legacy` set); 5.3–5.9
 * `_do_fork(&kernel_clone_args)`.
 */
export const _do_fork = kfunc(function* _do_fork(args: kernel_clone_args, legacy: number | null) {
  return yield* forkBody(legacy === null ? args : fromLegacyFlags(args, legacy));
});

/**
 * do_fork (≤4.1): `do_fork(clone_flags, stack_start, regs, stack_size, parent_tidptr,
 * child_tidptr)` in 2.6.x (regs: for a kernel thread the frame it starts from; a user
 * clone's TLS is in its saved registers, here args.tls), without regs from 3.x; the exit
 * signal is the flags' low byte. 2.6.32 and 3.10 also check CLONE_NEWUSER here.
 */
export const do_fork = kfunc(function* do_fork(args: kernel_clone_args, clone_flags: number) {
  const rows = K.era.clone_checks.do_fork_newuser;
  if (rows === "2.6.32" && clone_flags & CLONE_NEWUSER) {
    if (clone_flags & CLONE_THREAD) return -EINVAL;
    if (!capable(CAP_SYS_ADMIN) || !capable(CAP_SETUID) || !capable(CAP_SETGID)) return -EPERM;
  }
  if (rows === "3.10" && clone_flags & (CLONE_NEWUSER | CLONE_NEWPID) && clone_flags & (CLONE_THREAD | CLONE_PARENT))
    return -EINVAL;
  return yield* forkBody(fromLegacyFlags(args, clone_flags));
});

/** tasklab's own: before 5.3 the request is one flags word, the exit signal in its low byte. */
function legacyFlags(args: kernel_clone_args): number {
  return (args.flags | args.exit_signal) >>> 0;
}

/** tasklab's own: one clone flags word (exit signal in its low byte) into kernel_clone_args, as clone(2) does. */
function fromLegacyFlags(args: kernel_clone_args, clone_flags: number): kernel_clone_args {
  return { ...args, flags: (clone_flags & ~CSIGNAL) >>> 0, exit_signal: clone_flags & CSIGNAL };
}

/**
 * The release's fork entry, called with the request as kernel_clone_args (what the system
 * calls and kernel_thread build): kernel_clone (5.10+), _do_fork (4.2–5.9), do_fork (≤4.1),
 * each given the request in its own shape.
 */
export function forkEntry(args: kernel_clone_args): KGen<number> {
  const e = K.era;
  if (e.fork_fn === "kernel_clone") return kernel_clone(args);
  if (e.fork_fn === "_do_fork") return _do_fork(args, e.clone_args ? null : legacyFlags(args));
  return do_fork(args, legacyFlags(args));
}

/**
 * kernel_thread: starts a kernel thread running fn(arg). Returns its pid or a negative errno.
 * Per release (§1.4): 2.6.x builds a pt_regs whose ip is kernel_thread_helper and passes it
 * to do_fork; 3.x–5.x pass fn and arg as the fork's stack arguments (stack_start,
 * stack_size), the child a kernel thread because it inherits PF_KTHREAD; 6.1+ pass
 * fn/fn_arg/kthread in kernel_clone_args, and 6.4+ also the name (null: inherit the
 * caller's), which copy_process sets. Before 6.4 `name` is not passed: the child is named
 * by whoever created it.
 */
export const kernel_thread = kfunc(function* kernel_thread(
  fn: ThreadFn,
  arg: unknown,
  name: string | null,
  flags: number,
) {
  const kind = K.era.kernel_thread;
  const args = kernelCloneArgs({
    flags: (flags | CLONE_VM | CLONE_UNTRACED) & ~CSIGNAL,
    exit_signal: flags & CSIGNAL,
    fn,
    fn_arg: arg,
  });
  if (kind === "pt_regs") args.regs = kernelThreadRegs(fn, arg);
  if (kind === "pt_regs" || kind === "stack_args") return yield* forkEntry(args);
  args.name = kind === "args_name" ? name : null;
  args.kthread = true;
  return yield* kernel_clone(args);
});

/** user_mode_thread (6.1+): like kernel_thread but not a kthread (pid 1 starts this way). */
export const user_mode_thread = kfunc(function* user_mode_thread(fn: ThreadFn, arg: unknown, flags: number) {
  return yield* kernel_clone(
    kernelCloneArgs({
      flags: (flags | CLONE_VM | CLONE_UNTRACED) & ~CSIGNAL,
      exit_signal: flags & CSIGNAL,
      fn,
      fn_arg: arg,
    }),
  );
});

/**
 * A task that starts in fn(arg) but is meant to become a user process (a spawned program):
 * user_mode_thread from 6.1; before, kernel_thread, whose child inherits its creator's
 * PF_KTHREAD (none from pid 1, whose exec cleared it).
 */
export function userThread(fn: ThreadFn, arg: unknown, flags: number): KGen<number> {
  return K.era.pf_kthread === "args" ? user_mode_thread(fn, arg, flags) : kernel_thread(fn, arg, null, flags);
}

/** fork_idle: the idle task of a secondary CPU: a copy of init_task with pid 0, on no list. */
export function* fork_idle(cpu: number, idle_fn: ThreadFn): KGen<ErrOr<task_struct>> {
  const p = yield* copy_process(
    kernelCloneArgs({ flags: CLONE_VM, fn: idle_fn, fn_arg: cpu, idle: true, kthread: true }),
  );
  return p;
}
