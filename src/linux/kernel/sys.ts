/**
 * Small system calls about the calling task (kernel/sys.c, kernel/sched/syscalls.c,
 * kernel/time/hrtimer.c, kernel/pid.c): its ids as its pid namespace sees them, its name
 * (prctl), its user (setuid) and RLIMIT_NPROC, yielding the CPU, sleeping, and pidfd_open.
 */
import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { since } from "../eras/profiles.js";
import { set_task_comm } from "../fs/exec.js";
import { close_fd, fget, openFile } from "../fs/file.js";
import { comm_write } from "../fs/proc_comm.js";
import { do_restart_poll } from "../fs/select.js";
import { current, local_clock } from "../include/current.js";
import { EBADF, EFAULT, EINTR, EINVAL, ENOENT, ENOMEM, EPERM, ERESTART_RESTARTBLOCK, ESRCH } from "../include/errno.js";
import { TASK_INTERRUPTIBLE, TIF_NEED_RESCHED } from "../include/sched.js";
import type { pid, task_struct } from "../include/task_struct.js";
import { O_EXCL, O_NONBLOCK } from "../include/uapi/fcntl.js";
import {
  PR_GET_CHILD_SUBREAPER,
  PR_GET_KEEPCAPS,
  PR_GET_NAME,
  PR_SET_CHILD_SUBREAPER,
  PR_SET_KEEPCAPS,
  PR_SET_NAME,
} from "../include/uapi/prctl.js";
import { RLIMIT_NPROC } from "../include/uapi/resource.js";
import { K } from "../kernel.js";
import { put_user } from "../mm/memory.js";
import { CAP_SYS_RESOURCE, commit_creds, commitSetuid, ns_capable, prepare_creds } from "./cred.js";
import { find_pid_ns, task_active_pid_ns, task_pid_nr_ns, task_tgid_nr_ns } from "./pid.js";
import { schedule } from "./sched/core.js";
import { signal_pending } from "./signal.js";
import { schedule_hrtimeout } from "./time/timer.js";

export const PIDFD_THREAD = O_EXCL;
export const PIDFD_NONBLOCK = O_NONBLOCK;

/** Models task_active_pid_ns(current). */
function currentPidNs() {
  return task_active_pid_ns(current()) ?? K.init_pid_ns;
}

/** getpid: the thread group id (the leader's pid). */
export const __x64_sys_getpid = kfunc(function* __x64_sys_getpid() {
  return task_tgid_nr_ns(current(), currentPidNs());
});

export const __x64_sys_gettid = kfunc(function* __x64_sys_gettid() {
  return task_pid_nr_ns(current(), currentPidNs());
});

/** getppid: the parent process's id, or 0 when the parent lives outside the caller's namespace. */
export const __x64_sys_getppid = kfunc(function* __x64_sys_getppid() {
  const me = current();
  return task_tgid_nr_ns(me.group_leader.real_parent, currentPidNs());
});

/**
 * prctl(PR_SET_NAME, name) renames the calling thread (15 characters kept, task_rename
 * traced); prctl(PR_GET_NAME, addr) stores its name at addr; PR_SET_CHILD_SUBREAPER (3.4+)
 * makes the process a subreaper (arg2 non-zero) or not, and marks its descendants as having
 * one; PR_GET_CHILD_SUBREAPER stores 0 or 1 at arg2; PR_SET_KEEPCAPS (0 or 1) keeps the
 * permitted capabilities over a setuid away from root, PR_GET_KEEPCAPS returns it. Other options: -EINVAL.
 */
export const __x64_sys_prctl = kfunc(function* __x64_sys_prctl(option: number, arg2: unknown) {
  const me = current();
  if (option === PR_SET_NAME) {
    if (typeof arg2 !== "string") return -EFAULT;
    set_task_comm(me, arg2);
    return 0;
  }
  if (option === PR_GET_NAME) {
    if (typeof arg2 !== "number") return -EFAULT;
    return (yield* put_user(me.comm, me.mm, arg2)) < 0 ? -EFAULT : 0;
  }
  if ((option === PR_SET_CHILD_SUBREAPER || option === PR_GET_CHILD_SUBREAPER) && since(K.era, "3.4")) {
    if (typeof arg2 !== "number") return -EFAULT;
    if (option === PR_GET_CHILD_SUBREAPER)
      return (yield* put_user(me.signal.is_child_subreaper ? 1 : 0, me.mm, arg2)) < 0 ? -EFAULT : 0;
    me.signal.is_child_subreaper = arg2 !== 0;
    if (arg2 !== 0) propagate_has_child_subreaper(me);
    return 0;
  }
  if (option === PR_GET_KEEPCAPS) return me.cred.keep_caps ? 1 : 0;
  if (option === PR_SET_KEEPCAPS) {
    if (arg2 !== 0 && arg2 !== 1) return -EINVAL;
    const c = prepare_creds();
    if (c === null) return -ENOMEM;
    c.keep_caps = arg2 === 1;
    commit_creds(me, c);
    return 0;
  }
  return -EINVAL;
});

/**
 * walk_process_tree with propagate_has_child_subreaper: every descendant process is marked,
 * down to those already marked (their own descendants are then marked too).
 */
function propagate_has_child_subreaper(top: task_struct): void {
  const todo = [...top.children];
  while (todo.length > 0) {
    const p = todo.pop() as task_struct;
    if (p.signal.has_child_subreaper) continue;
    p.signal.has_child_subreaper = true;
    for (const t of p.signal.thread_head) todo.push(...t.children);
  }
}

/** setuid(uid): root becomes uid (losing its capabilities); others may only keep their own. */
export const __x64_sys_setuid = kfunc(function* __x64_sys_setuid(uid: number) {
  if (!Number.isInteger(uid) || uid < 0 || uid > 0xfffffffe) return -EINVAL;
  return commitSetuid(current(), uid);
});

/** setrlimit(RLIMIT_NPROC, { rlim_cur }): raising it needs CAP_SYS_RESOURCE; other limits are not modeled. */
export const __x64_sys_setrlimit = kfunc(function* __x64_sys_setrlimit(resource: number, rlim: unknown) {
  if (resource !== RLIMIT_NPROC) return -EINVAL;
  if (typeof rlim !== "object" || rlim === null) return -EFAULT;
  const cur = (rlim as { rlim_cur?: unknown }).rlim_cur;
  if (typeof cur !== "number" || !(cur >= 0)) return -EINVAL;
  const me = current();
  if (cur > me.signal.rlim_nproc && !ns_capable(K.init_user_ns, CAP_SYS_RESOURCE)) return -EPERM;
  me.signal.rlim_nproc = cur;
  return 0;
});

/** sched_yield: gives the CPU to another runnable task, if there is one. */
export const __x64_sys_sched_yield = kfunc(function* __x64_sys_sched_yield() {
  current().ti_flags |= TIF_NEED_RESCHED;
  yield* schedule();
  return 0;
});

/**
 * hrtimer_nanosleep's sleep until `expires`: 0 when it is over; interrupted by a signal,
 * -ERESTART_RESTARTBLOCK with the end time kept in the restart_block, so that the restarted
 * call (restart_syscall) sleeps only what is left.
 */
function* do_nanosleep(expires: number): KGen<number> {
  const me = current();
  const left = expires - local_clock();
  if (left <= 0) return 0;
  me.__state = TASK_INTERRUPTIBLE;
  yield* schedule_hrtimeout(left);
  if (!signal_pending(me) || local_clock() >= expires) return 0;
  me.restart_expires = expires;
  me.restart_poll = null; // the restart_block is this call's now
  return -ERESTART_RESTARTBLOCK;
}

/**
 * nanosleep({ tv_sec, tv_nsec }, rem): sleeps (S) that long. -EINVAL for a bad time,
 * -EFAULT for a missing one; a caught signal makes it -EINTR, any other goes on sleeping.
 */
export const __x64_sys_nanosleep = kfunc(function* __x64_sys_nanosleep(req: unknown, _rem: number) {
  if (typeof req !== "object" || req === null) return -EFAULT;
  const { tv_sec, tv_nsec } = req as { tv_sec?: unknown; tv_nsec?: unknown };
  if (typeof tv_sec !== "number" || typeof tv_nsec !== "number") return -EFAULT;
  if (!Number.isInteger(tv_sec) || tv_sec < 0 || !Number.isInteger(tv_nsec) || tv_nsec < 0 || tv_nsec >= 1e9)
    return -EINVAL;
  return yield* do_nanosleep(local_clock() + tv_sec * 1e9 + tv_nsec);
});

/** restart_syscall: resumes the interrupted call from the task's restart_block (a poll or a nanosleep here). */
export const __x64_sys_restart_syscall = kfunc(function* __x64_sys_restart_syscall() {
  const me = current();
  const poll = me.restart_poll;
  if (poll !== null) {
    me.restart_poll = null;
    return yield* do_restart_poll(poll);
  }
  const expires = me.restart_expires;
  me.restart_expires = 0;
  return expires === 0 ? -EINTR : yield* do_nanosleep(expires);
});

/** The flags this release's pidfd_open takes (K.era.pidfd_open_flags). */
function pidfdOpenFlags(): number {
  const f = K.era.pidfd_open_flags;
  return f === "thread" ? PIDFD_NONBLOCK | PIDFD_THREAD : f === "nonblock" ? PIDFD_NONBLOCK : 0;
}

/**
 * pidfd_prepare's checks on a pid that is still hashed: its task may have exited and not
 * been reaped yet (a zombie, or a leader whose threads still run: both still hold the
 * pid); without PIDFD_THREAD the pid must be a thread-group leader's (−ENOENT in 6.19,
 * −EINVAL before). 0 when a pidfd may be made.
 */
function pidfdPrepareCheck(p: pid, flags: number): number {
  if (p.task === null) return -ESRCH; // already reaped
  if (!(flags & PIDFD_THREAD) && p.task.group_leader !== p.task)
    return K.era.pidfd_not_leader_errno === "ENOENT" ? -ENOENT : -EINVAL;
  return 0;
}

/**
 * pidfd_open(pid, flags): a file descriptor referring to process pid (or thread, with
 * PIDFD_THREAD); PIDFD_NONBLOCK makes a waitid(P_PIDFD) on it not block (O_NONBLOCK).
 */
export const __x64_sys_pidfd_open = kfunc(function* __x64_sys_pidfd_open(pid: number, flags: number) {
  if (!Number.isInteger(flags) || flags & ~pidfdOpenFlags()) return -EINVAL;
  if (!Number.isInteger(pid) || pid <= 0) return -EINVAL;
  const me = current();
  const p = find_pid_ns(pid, currentPidNs());
  if (p === null) return -ESRCH;
  const err = pidfdPrepareCheck(p, flags);
  if (err < 0) return err;
  if (me.files === null) return -EBADF;
  // Both flags stay on the file (pidfd_prepare adds PIDFD_THREAD to f_flags by hand).
  return openFile(me.files, "pidfd", p, flags & (PIDFD_NONBLOCK | PIDFD_THREAD));
});

/** close(fd). */
export const __x64_sys_close = kfunc(function* __x64_sys_close(fd: number) {
  const files = current().files;
  return files === null ? -EBADF : close_fd(files, fd);
});

/** write(fd, buf): the terminal (fds 0–2 as inherited) takes the text; other descriptors are not writable here. */
export const __x64_sys_write = kfunc(function* __x64_sys_write(fd: number, buf: unknown) {
  const me = current();
  if (typeof buf !== "string") return -EFAULT;
  const f = me.files === null ? null : fget(me.files, fd);
  if (f === null) return -EBADF;
  if (f.kind === "proc_comm") return comm_write(f, buf);
  if (f.kind !== "tty") return -EINVAL;
  K.tty.push({ time: local_clock(), pid: me.pid, comm: me.comm, text: buf });
  return buf.length;
});

/** umask(mask): sets the file-creation mask of the fs_struct (shared with CLONE_FS) and returns the old one. */
export const __x64_sys_umask = kfunc(function* __x64_sys_umask(mask: number) {
  const fs = current().fs;
  if (fs === null) return 0;
  const old = fs.umask;
  fs.umask = (mask | 0) & 0o777;
  return old;
});

export const CLOCK_MONOTONIC = 1;

/** clock_gettime(clk, tp): the virtual time since boot at tp (tv_sec) and tp + 8 (tv_nsec). */
export const __x64_sys_clock_gettime = kfunc(function* __x64_sys_clock_gettime(clk: number, tp: number) {
  if (clk !== 0 && clk !== CLOCK_MONOTONIC) return -EINVAL;
  const me = current();
  const now = local_clock();
  if ((yield* put_user(Math.floor(now / 1e9), me.mm, tp)) < 0) return -EFAULT;
  if ((yield* put_user(now % 1e9, me.mm, tp + 8)) < 0) return -EFAULT;
  return 0;
});
