/**
 * Waiting for children (kernel/exit.c: kernel_wait4, kernel_waitid, do_wait): a parent
 * sleeps interruptibly on its signal_struct's wait_chldexit until a child it may wait for
 * is a zombie, reaps it (release_task) and gets its status; or, when asked (WUNTRACED /
 * WSTOPPED, WCONTINUED), until a child's group stopped or was continued (job control). By default only children whose
 * exit signal is SIGCHLD count (__WCLONE: only the others; __WALL: all); a leader whose
 * threads still run is not reapable yet. Any thread of the group may reap the group's
 * children (unless __WNOTHREAD). pid 0 (P_PGID 0) waits for the caller's process group's
 * children, a negative pid (P_PGID id) for those of that group.
 */
import { kfunc } from "../../sim/functions.js";
import { fget } from "../fs/file.js";
import { current } from "../include/current.js";
import { EAGAIN, ECHILD, EINVAL, ERESTARTSYS, ESRCH } from "../include/errno.js";
import { EXIT_DEAD, EXIT_ZOMBIE, TASK_INTERRUPTIBLE } from "../include/sched.js";
import {
  CLD_CONTINUED,
  CLD_DUMPED,
  CLD_EXITED,
  CLD_KILLED,
  CLD_STOPPED,
  SIGCHLD,
  SIGCONT,
  SIGNAL_GROUP_EXIT,
  SIGNAL_STOP_CONTINUED,
  SIGNAL_STOP_STOPPED,
} from "../include/signal.js";
import type { pid, task_struct } from "../include/task_struct.js";
import { trace_sched_process_wait } from "../include/trace/events/sched.js";
import { O_NONBLOCK } from "../include/uapi/fcntl.js";
import {
  __WALL,
  __WCLONE,
  __WNOTHREAD,
  P_ALL,
  P_PGID,
  P_PID,
  P_PIDFD,
  WCONTINUED,
  WEXITED,
  WNOHANG,
  WNOWAIT,
  WSTOPPED,
  WUNTRACED,
} from "../include/uapi/wait.js";
import { K } from "../kernel.js";
import { put_user } from "../mm/memory.js";
import { release_task, thread_group_empty, thread_group_leader } from "./exit.js";
import { find_pid_ns, pid_nr, pid_nr_ns, task_active_pid_ns } from "./pid.js";
import { schedule } from "./sched/core.js";
import { finish_wait, init_wait_entry, prepare_to_wait } from "./sched/wait.js";
import { signal_pending } from "./signal.js";

const INT_MIN = -0x80000000;

/**
 * Which children a wait is for (wo_type and wo_pid): all (PIDTYPE_MAX), the one with pid
 * (PIDTYPE_PID), those of process group pid (PIDTYPE_PGID; null is init_struct_pid's group,
 * number 0), or none (a pid or group that does not exist).
 */
type wait_target_t = { type: "all" } | { type: "pid"; pid: pid } | { type: "pgid"; pid: pid | null } | { type: "none" };

/** What to wait for (struct wait_opts). */
interface wait_opts {
  target: wait_target_t;
  flags: number;
  /** What was found: wait4's status word, and waitid's si_code (CLD_*), si_status and si_uid. */
  stat: number;
  cause: number;
  status: number;
  uid: number;
}

/** tasklab's own: a wait_opts for `target` with `flags`, nothing found yet. */
function waitOptsFor(target: wait_target_t, flags: number): wait_opts {
  return { target, flags, stat: 0, cause: 0, status: 0, uid: 0 };
}

/** wait_task_zombie's report: CLD_EXITED with the exit status, else CLD_KILLED / CLD_DUMPED with the signal. */
function zombieReport(wo: wait_opts, p: task_struct): void {
  const s = p.signal.flags & SIGNAL_GROUP_EXIT ? p.signal.group_exit_code : p.exit_code;
  wo.stat = s;
  wo.cause = s & 0x7f ? (s & 0x80 ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED;
  wo.status = s & 0x7f ? s & 0x7f : s >> 8;
  wo.uid = p.cred.uid;
}

/**
 * wait_task_stopped: with WUNTRACED (WSTOPPED), a child whose group stopped and whose stop
 * no waiter consumed yet: status (sig << 8) | 0x7f, CLD_STOPPED with the signal. The stop
 * is consumed unless WNOWAIT. False: nothing to report.
 */
function wait_task_stopped(wo: wait_opts, p: task_struct): boolean {
  if (!(wo.flags & WUNTRACED)) return false;
  const sig = p.signal;
  if (!(sig.flags & SIGNAL_STOP_STOPPED) || sig.group_exit_code === 0) return false;
  const code = sig.group_exit_code;
  if (!(wo.flags & WNOWAIT)) {
    sig.group_exit_code = 0;
    wo.stat = (code << 8) | 0x7f;
  }
  wo.cause = CLD_STOPPED;
  wo.status = code;
  wo.uid = p.cred.uid;
  return true;
}

/**
 * wait_task_continued: with WCONTINUED, a child continued by SIGCONT since its stop:
 * status 0xffff, CLD_CONTINUED with SIGCONT; consumed unless WNOWAIT.
 */
function wait_task_continued(wo: wait_opts, p: task_struct): boolean {
  if (!(wo.flags & WCONTINUED) || !(p.signal.flags & SIGNAL_STOP_CONTINUED)) return false;
  if (!(wo.flags & WNOWAIT)) p.signal.flags &= ~SIGNAL_STOP_CONTINUED;
  wo.stat = 0xffff;
  wo.cause = CLD_CONTINUED;
  wo.status = SIGCONT;
  wo.uid = p.cred.uid;
  return true;
}

function eligible_child(wo: wait_opts, p: task_struct): boolean {
  const t = wo.target;
  if (
    t.type === "none" ||
    (t.type === "pid" && p.thread_pid !== t.pid) ||
    (t.type === "pgid" && p.signal.pgrp !== t.pid)
  )
    return false;
  if (wo.flags & __WALL) return true;
  return (p.exit_signal !== SIGCHLD) === ((wo.flags & __WCLONE) !== 0);
}

/** delay_group_leader: a zombie leader whose threads still run cannot be reaped yet. */
function delay_group_leader(p: task_struct): boolean {
  return thread_group_leader(p) && !thread_group_empty(p);
}

/**
 * One pass over the children of every thread of the caller's group (wait_consider_task):
 * reaps the first zombie it may, or reports the first stop or continue asked for (returning
 * the child's pid); else returns 0 if some eligible child may still change, or -ECHILD if
 * there is none (a zombie that may be reaped but WEXITED was not asked for is none).
 * Models do_wait_thread (the wait_consider_task loop).
 */
function* waitChildren(wo: wait_opts) {
  const me = current();
  let notask_error = -ECHILD;
  const ns = task_active_pid_ns(me);
  for (const t of wo.flags & __WNOTHREAD ? [me] : [...me.signal.thread_head]) {
    for (const p of t.children) {
      if (p.exit_state === EXIT_DEAD || !eligible_child(wo, p)) continue;
      const nr = ns === null ? p.pid : pid_nr_ns(p.thread_pid, ns);
      if (p.exit_state === EXIT_ZOMBIE && !delay_group_leader(p)) {
        if (!(wo.flags & WEXITED)) continue;
        zombieReport(wo, p);
        if (!(wo.flags & WNOWAIT)) {
          p.exit_state = EXIT_DEAD;
          yield* release_task(p);
        }
        return nr;
      }
      notask_error = 0;
      if (wait_task_stopped(wo, p) || wait_task_continued(wo, p)) return nr;
    }
  }
  return notask_error;
}

/**
 * do_wait: traces sched_process_wait, then sleeps (S) until a child can be reaped.
 * Returns its pid, 0 (WNOHANG and nothing yet), -ECHILD, or -ERESTARTSYS on a signal.
 */
const do_wait = kfunc(function* do_wait(wo: wait_opts) {
  const me = current();
  const t = wo.target;
  trace_sched_process_wait(me, pid_nr(t.type === "pid" || t.type === "pgid" ? t.pid : null));
  const w = init_wait_entry(me, false);
  let retval: number;
  for (;;) {
    prepare_to_wait(me.signal.wait_chldexit, w, TASK_INTERRUPTIBLE);
    retval = yield* waitChildren(wo);
    if (retval !== 0 || wo.flags & WNOHANG) break;
    if (signal_pending(me)) {
      retval = -ERESTARTSYS;
      break;
    }
    yield* schedule();
  }
  finish_wait(me.signal.wait_chldexit, w);
  return retval;
});

/** The target of a wait as the caller's namespace names it. */
function find_vpid(nr: number): pid | null {
  const ns = task_active_pid_ns(current());
  return ns === null ? null : find_pid_ns(nr, ns);
}

/** Process group nr (0: the caller's). Models kernel_wait4 (pid 0 / pid < -1: PIDTYPE_PGID). */
function pgidTarget(nr: number): wait_target_t {
  if (nr === 0) return { type: "pgid", pid: current().signal.pgrp };
  const p = find_vpid(nr);
  return p === null ? { type: "none" } : { type: "pgid", pid: p };
}

/**
 * wait4's pid: -1 any child, 0 the caller's process group, < -1 process group -pid, > 0 that child.
 * Models kernel_wait4 (pid to PIDTYPE_*).
 */
function waitTarget(upid: number): wait_target_t {
  if (upid === -1) return { type: "all" };
  if (upid <= 0) return pgidTarget(-upid);
  const p = find_vpid(upid);
  return p === null ? { type: "none" } : { type: "pid", pid: p };
}

/**
 * kernel_wait4(upid, stat_addr, options, rusage): waits for a child to exit; stores its
 * status at stat_addr (0: nowhere) and returns its pid, 0 (WNOHANG), or a negative errno.
 */
export const kernel_wait4 = kfunc(function* kernel_wait4(
  upid: number,
  stat_addr: number,
  options: number,
  _ru: unknown,
) {
  if (
    !Number.isInteger(options) ||
    (options >>> 0) & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)
  )
    return -EINVAL;
  if (!Number.isInteger(upid) || upid === INT_MIN) return -ESRCH;
  const wo = waitOptsFor(waitTarget(upid), (options | WEXITED) >>> 0);
  const ret = yield* do_wait(wo);
  if (ret > 0 && stat_addr !== 0 && (yield* put_user(wo.stat, current().mm, stat_addr)) < 0) return -14; // -EFAULT
  return ret;
});

export const __x64_sys_wait4 = kfunc(function* __x64_sys_wait4(
  upid: number,
  stat_addr: number,
  options: number,
  ru: unknown,
) {
  return yield* kernel_wait4(upid, stat_addr, options, ru);
});

/**
 * waitid(which, id, infop, options): like wait4 but says what to wait for by idtype
 * (P_ALL, P_PID, P_PGID, P_PIDFD), needs WEXITED, and reports in a siginfo at infop
 * (si_signo, si_code CLD_*, si_pid, si_uid, si_status at their x86-64 offsets). Returns 0.
 */
export const __x64_sys_waitid = kfunc(function* __x64_sys_waitid(
  which: number,
  upid: number,
  infop: number,
  options: number,
) {
  const known = WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL;
  if (!Number.isInteger(options) || (options >>> 0) & ~known) return -EINVAL;
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
  let target: wait_target_t;
  let nonblock = false;
  const me = current();
  switch (which) {
    case P_ALL:
      target = { type: "all" };
      break;
    case P_PID:
      if (!Number.isInteger(upid) || upid <= 0) return -EINVAL;
      target = waitTarget(upid);
      break;
    case P_PGID:
      if (!Number.isInteger(upid) || upid < 0) return -EINVAL;
      target = pgidTarget(upid);
      break;
    case P_PIDFD: {
      // P_PIDFD came in 5.4, the first modeled release with pidfds (an unknown idtype before).
      if (!K.era.clone3 || !Number.isInteger(upid) || upid < 0) return -EINVAL;
      const f = me.files === null ? null : fget(me.files, upid);
      if (f === null || f.kind !== "pidfd") return -9; // -EBADF
      target = f.pid === null ? { type: "none" } : { type: "pid", pid: f.pid };
      nonblock = (f.f_flags & O_NONBLOCK) !== 0;
      break;
    }
    default:
      return -EINVAL;
  }
  // A PIDFD_NONBLOCK pidfd waits as WNOHANG; where the caller did not ask for WNOHANG
  // itself, "nothing yet" is -EAGAIN (kernel_waitid).
  const wo = waitOptsFor(target, (options | (nonblock ? WNOHANG : 0)) >>> 0);
  let ret = yield* do_wait(wo);
  if (ret === 0 && nonblock && !(options & WNOHANG)) ret = -EAGAIN;
  if (ret < 0) return ret;
  if (infop !== 0) {
    const fields: [number, number][] = [
      [0, ret === 0 ? 0 : SIGCHLD],
      [4, 0],
      [8, wo.cause],
      [16, ret],
      [20, wo.uid],
      [24, wo.status],
    ];
    for (const [off, v] of fields) if ((yield* put_user(v, me.mm, infop + off)) < 0) return -14; // -EFAULT
  }
  return 0;
});

/** kernel_wait(pid): the kernel's own wait for a child (user-mode helpers): its pid or -errno, and its status. */
export const kernel_wait = kfunc(function* kernel_wait(upid: number) {
  const wo = waitOptsFor(waitTarget(upid), WEXITED);
  const ret = yield* do_wait(wo);
  return { pid: ret, status: ret > 0 ? wo.stat : 0 };
});
