/**
 * Process groups and sessions (kernel/sys.c setpgid, getpgid, getpgrp, setsid, getsid;
 * kernel/pid.c attach_pid/change_pid for PIDTYPE_PGID and PIDTYPE_SID; kernel/exit.c
 * will_become_orphaned_pgrp), as Linux 6.19 has them. Each process (its signal_struct)
 * belongs to a process group and a session, named by a struct pid; a new process inherits
 * its creator's, and leaves them when its leader is released. A pid that is some process's
 * group or session keeps its number while it is (free_pid). The first tasks are in
 * init_struct_pid's group and session, number 0, until a program calls setsid() (as an
 * init does); there is no terminal, so no controlling tty and no foreground group (tpgid -1).
 */
import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EACCES, EINVAL, EPERM, ESRCH } from "../include/errno.js";
import { PF_FORKNOEXEC } from "../include/sched.js";
import { SIGCONT, SIGHUP, SIGNAL_STOP_STOPPED } from "../include/signal.js";
import type { pid, signal_struct, task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { find_pid_ns, get_pid, type pid_namespace, pid_nr_ns, put_pid, task_active_pid_ns, unhashPid } from "./pid.js";
import { send_signal } from "./signal.js";

function attach(p: pid | null): pid | null {
  if (p !== null) {
    p.group_users++;
    get_pid(p);
  }
  return p;
}

function detach(p: pid | null): void {
  if (p === null) return;
  if (--p.group_users === 0 && p.task === null) unhashPid(p);
  put_pid(p);
}

/** copy_process for a new process: it joins its creator's process group and session. */
export function attachPgrpSession(sig: signal_struct, parent: signal_struct): void {
  sig.pgrp = attach(parent.pgrp);
  sig.session = attach(parent.session);
}

/** __unhash_process of a group's leader: the process leaves its group and session. */
export function detachPgrpSession(sig: signal_struct): void {
  detach(sig.pgrp);
  detach(sig.session);
  sig.pgrp = null;
  sig.session = null;
}

/** change_pid(PIDTYPE_PGID): moves the process to another group. */
function changePgrp(sig: signal_struct, pgrp: pid | null): void {
  const old = sig.pgrp;
  sig.pgrp = attach(pgrp);
  detach(old);
}

/**
 * The live processes (leaders) of the task list whose group is `pgrp` (pid->tasks[PIDTYPE_PGID]).
 * Models do_each_pid_task(pgrp, PIDTYPE_PGID).
 */
export function pgrpMembers(pgrp: pid | null): task_struct[] {
  const out: task_struct[] = [];
  for (const p of K.init_task.tasks)
    if (p.group_leader === p && p !== K.init_task && p.signal.pgrp === pgrp) out.push(p);
  return out;
}

/** Models task_active_pid_ns. */
function activePidNs(me: task_struct): pid_namespace {
  return task_active_pid_ns(me) ?? K.init_pid_ns;
}

/** pid_vnr: the number the caller's namespace gives pid (0: init_struct_pid, or not visible). */
function pid_vnr(p: pid | null): number {
  return p === null ? 0 : pid_nr_ns(p, activePidNs(current()));
}

/** find_task_by_vpid for the caller's namespace (a live task of that number). */
function find_task_by_vpid(nr: number): task_struct | null {
  const p = find_pid_ns(nr, activePidNs(current()));
  return p?.task ?? null;
}

/**
 * will_become_orphaned_pgrp: no member of the group (but `ignored`) has a parent in another
 * group of the same session, other than the global init: no shell is left to continue it.
 * Members that are dead zombies are left out.
 */
export function will_become_orphaned_pgrp(pgrp: pid | null, ignored: task_struct | null): boolean {
  for (const p of pgrpMembers(pgrp)) {
    if (p === ignored || (p.exit_state !== 0 && p.signal.nr_threads <= 1)) continue;
    const parent = p.real_parent;
    if (parent.tgid === 1) continue; // is_global_init
    if (parent.signal.pgrp !== pgrp && parent.signal.session === p.signal.session) return false;
  }
  return true;
}

/** has_stopped_jobs: some process of the group is stopped. */
function has_stopped_jobs(pgrp: pid | null): boolean {
  return pgrpMembers(pgrp).some((p) => (p.signal.flags & SIGNAL_STOP_STOPPED) !== 0);
}

/**
 * kill_orphaned_pgrp: tsk's exit (parent null) or the reparenting of tsk away from `parent`
 * orphans tsk's process group while some of it is stopped: nobody is left to continue it,
 * so every member gets SIGHUP, then SIGCONT (POSIX 3.2.2.2).
 */
export function* kill_orphaned_pgrp(tsk: task_struct, parent: task_struct | null): KGen<void> {
  const pgrp = tsk.signal.pgrp;
  const ignored = parent === null ? tsk : null;
  const outside = parent ?? tsk.real_parent;
  if (
    outside.signal.pgrp === pgrp ||
    outside.signal.session !== tsk.signal.session ||
    !will_become_orphaned_pgrp(pgrp, ignored) ||
    !has_stopped_jobs(pgrp)
  )
    return;
  for (const sig of [SIGHUP, SIGCONT]) for (const p of pgrpMembers(pgrp)) yield* send_signal(sig, p, true);
}

/** is_current_pgrp_orphaned: SIGTSTP, SIGTTIN and SIGTTOU do not stop an orphaned group. */
export function is_current_pgrp_orphaned(me: task_struct): boolean {
  return will_become_orphaned_pgrp(me.signal.pgrp, null);
}

/**
 * setpgid(pid, pgid): puts process pid (0: the caller) in group pgid (0: its own number).
 * Only the caller or a child of it that has not exec'd yet (-EACCES), in the caller's
 * session (-EPERM), not a session leader (-EPERM), into a group of that session (-EPERM).
 */
export const __x64_sys_setpgid = kfunc(function* __x64_sys_setpgid(upid: number, upgid: number) {
  if (!Number.isInteger(upid) || !Number.isInteger(upgid)) return -EINVAL;
  const leader = current().group_leader;
  const nr = upid === 0 ? pid_vnr(leader.thread_pid) : upid;
  const pgid = upgid === 0 ? nr : upgid;
  if (pgid < 0) return -EINVAL;
  const p = find_task_by_vpid(nr);
  if (p === null) return -ESRCH;
  if (p.group_leader !== p) return -EINVAL;
  if (p.real_parent.signal === leader.signal) {
    if (p.signal.session !== leader.signal.session) return -EPERM;
    if (!(p.flags & PF_FORKNOEXEC)) return -EACCES;
  } else if (p !== leader) {
    return -ESRCH;
  }
  if (p.signal.leader) return -EPERM;
  let pgrp = p.thread_pid;
  if (pgid !== nr) {
    pgrp = find_pid_ns(pgid, activePidNs(current()));
    const g = pgrp === null ? undefined : pgrpMembers(pgrp)[0];
    if (g === undefined || g.signal.session !== leader.signal.session) return -EPERM;
  }
  if (p.signal.pgrp !== pgrp) changePgrp(p.signal, pgrp);
  return 0;
});

/** getpgid(pid): the process group of pid (0: the caller), as the caller's namespace numbers it. */
export const __x64_sys_getpgid = kfunc(function* __x64_sys_getpgid(upid: number) {
  if (!Number.isInteger(upid)) return -ESRCH;
  const p = upid === 0 ? current() : find_task_by_vpid(upid);
  return p === null ? -ESRCH : pid_vnr(p.signal.pgrp);
});

/** getpgrp(): the caller's process group. */
export const __x64_sys_getpgrp = kfunc(function* __x64_sys_getpgrp() {
  return pid_vnr(current().signal.pgrp);
});

/** getsid(pid): the session of pid (0: the caller). */
export const __x64_sys_getsid = kfunc(function* __x64_sys_getsid(upid: number) {
  if (!Number.isInteger(upid)) return -ESRCH;
  const p = upid === 0 ? current() : find_task_by_vpid(upid);
  return p === null ? -ESRCH : pid_vnr(p.signal.session);
});

/**
 * setsid(): the caller becomes the leader of a new session and of a new process group, both
 * numbered by its pid; -EPERM for a session leader, or when a group of that number exists
 * (the caller leads a group already).
 */
export const __x64_sys_setsid = kfunc(function* __x64_sys_setsid() {
  const leader = current().group_leader;
  const sid = leader.thread_pid;
  if (sid === null || leader.signal.leader || pgrpMembers(sid).length > 0) return -EPERM;
  const sig = leader.signal;
  sig.leader = true;
  const old = sig.session;
  sig.session = attach(sid);
  detach(old);
  changePgrp(sig, sid);
  return pid_vnr(sid);
});
