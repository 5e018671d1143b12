/**
 * The resources copy_process gives a new task (kernel/fork.c): its task_struct and stack,
 * and, each shared with the parent or copied per its clone flag, the fd table, fs_struct,
 * signal handlers, signal_struct (the thread group) and address space. Each copy_* returns
 * 0 or a negative errno; the matching put undoes it.
 */
import { kfunc, kleaf } from "../../sim/functions.js";
import { dup_fd } from "../fs/file.js";
import { current } from "../include/current.js";
import { EAGAIN, ENOMEM } from "../include/errno.js";
import { TIF_NEED_RESCHED, TIF_SIGPENDING } from "../include/sched.js";
import type { fs_struct, sighand_struct, signal_struct, task_struct } from "../include/task_struct.js";
import {
  CLONE_CLEAR_SIGHAND_HI,
  CLONE_FILES,
  CLONE_FS,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_VM,
  cloneFlagsHi,
} from "../include/uapi/sched.js";
import { list_head } from "../lib/list.js";
import type { mm_struct } from "../mm/mm_types.js";
import { dup_mmap, exit_mmap, mm_alloc } from "../mm/mmap.js";
import { kfree, kmem_cache_alloc } from "../mm/slab.js";
import { init_waitqueue_head } from "./sched/wait.js";
import { flush_signal_handlers } from "./signal.js";

// Sizes of the slab objects, as on x86-64 6.x (task_struct depends on the config).
const TASK_STRUCT_SIZE = 9856;
const THREAD_SIZE = 16384;

/**
 * dup_task_struct: a copy of the parent's task_struct and a fresh kernel stack. The copy
 * shares nothing mutable with the parent. Returns null when an allocation fails.
 */
export const dup_task_struct = kleaf(function dup_task_struct(orig: task_struct): task_struct | null {
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
  tsk.jobctl = 0;
  tsk.se = { ...orig.se };
  tsk.thread = { fn: null, fn_arg: null, user_mode: false };
  tsk.user = null;
  tsk.restart_expires = 0;
  tsk.restart_poll = null;
  tsk.saved_sigmask = null;
  tsk.tasks = new list_head(tsk);
  tsk.children = new list_head<task_struct>();
  tsk.sibling = new list_head(tsk);
  tsk.thread_node = new list_head(tsk);
  tsk.nvcsw = 0;
  tsk.nivcsw = 0;
  tsk.last_switch_time = 0;
  tsk.held_locks = [];
  tsk.blocker = null;
  return tsk;
});

/** copy_files: CLONE_FILES shares the fd table; otherwise dup_fd copies it. */
export const copy_files = kleaf(function copy_files(clone_flags: number, tsk: task_struct): number {
  const old = current().files;
  if (old === null) return 0;
  if (clone_flags & CLONE_FILES) {
    old.count++;
    return 0;
  }
  const files = dup_fd(old);
  if (files === null) return -ENOMEM;
  tsk.files = files;
  return 0;
});

/** copy_fs: CLONE_FS shares root, cwd and umask (-EAGAIN while the fs_struct is in an exec). */
export const copy_fs = kleaf(function copy_fs(clone_flags: number, tsk: task_struct): number {
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

/** Models free_fs_struct (exit_fs's --fs->users). */
export function putFsStruct(fs: fs_struct): void {
  if (--fs.users === 0) kfree(fs);
}

/**
 * copy_sighand: CLONE_SIGHAND shares the handler table; otherwise it is copied, and
 * CLONE_CLEAR_SIGHAND (clone3) resets every handler that is not SIG_IGN to the default.
 */
export const copy_sighand = kleaf(function copy_sighand(clone_flags: number, tsk: task_struct): number {
  const old = current().sighand;
  if (old === null) return 0;
  if (clone_flags & CLONE_SIGHAND) {
    old.count++;
    return 0;
  }
  const sig = dupSighand(old);
  if (sig === null) return -ENOMEM;
  tsk.sighand = sig;
  if (cloneFlagsHi(clone_flags) & CLONE_CLEAR_SIGHAND_HI) flush_signal_handlers(tsk);
  return 0;
});

/** A private copy of a handler table (copy_sighand, and exec's unshare_sighand). */
export function dupSighand(old: sighand_struct): sighand_struct | null {
  const sh = kmem_cache_alloc<sighand_struct>("sighand_cache", 2088, () => ({
    count: 1,
    action: old.action,
    sa_flags: old.sa_flags,
    sa_mask: old.sa_mask,
    text: old.text,
    action_shared: true,
    __slab: null,
  }));
  if (sh !== null) old.action_shared = true;
  return sh;
}

export function __cleanup_sighand(sighand: sighand_struct): void {
  if (--sighand.count === 0) kfree(sighand);
}

/** copy_signal: a thread joins its creator's group; a process gets a signal_struct of its own. */
export const copy_signal = kleaf(function copy_signal(clone_flags: number, tsk: task_struct): number {
  if (clone_flags & CLONE_THREAD) {
    tsk.signal.sigcnt++;
    return 0;
  }
  const parent = current().signal;
  const sig = kmem_cache_alloc<signal_struct>("signal_cache", 1136, () => ({
    sigcnt: 1,
    nr_threads: 1,
    live: 1,
    thread_head: new list_head<task_struct>(),
    wait_chldexit: init_waitqueue_head(),
    oom_score_adj: parent.oom_score_adj,
    flags: 0,
    group_exit_code: 0,
    group_stop_count: 0,
    shared_pending: { signal: 0n },
    rlim_nproc: parent.rlim_nproc,
    group_exec_task: null,
    pgrp: null,
    session: null,
    leader: false,
    is_child_subreaper: false,
    has_child_subreaper: false,
    __slab: null,
  }));
  if (sig === null) return -ENOMEM;
  tsk.signal = sig;
  return 0;
});

export function put_signal_struct(sig: signal_struct): void {
  if (--sig.sigcnt === 0) kfree(sig);
}

/** dup_mm: the child's own copy of the parent's address space (copy-on-write). */
const dup_mm = kfunc(function* dup_mm(oldmm: mm_struct) {
  const mm = mm_alloc();
  if (mm === null) return null;
  mm.mmap_base = oldmm.mmap_base;
  if ((yield* dup_mmap(mm, oldmm)) < 0) {
    yield* exit_mmap(mm);
    kfree(mm);
    return null;
  }
  return mm;
});

/** copy_mm: CLONE_VM shares the address space, else dup_mm copies it; a kernel parent has none. */
export const copy_mm = kfunc(function* copy_mm(clone_flags: number, tsk: task_struct) {
  tsk.mm = null;
  tsk.active_mm = null;
  const oldmm = current().mm;
  if (oldmm === null) return 0;
  let mm: mm_struct | null = oldmm;
  if (clone_flags & CLONE_VM) oldmm.mm_users++;
  else mm = yield* dup_mm(oldmm);
  if (mm === null) return -ENOMEM;
  tsk.mm = mm;
  tsk.active_mm = mm;
  return 0;
});

/** mmput: the last user of an address space tears it down (exit_mmap) and frees it. */
export const mmput = kfunc(function* mmput(mm: mm_struct) {
  if (--mm.mm_users !== 0) return;
  yield* exit_mmap(mm);
  kfree(mm);
});
