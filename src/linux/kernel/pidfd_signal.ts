/**
 * pidfd_send_signal (kernel/signal.c, 6.19): a signal to the process (or, for a
 * PIDFD_THREAD pidfd, the thread) a pidfd refers to; from 6.9 its flags choose the scope
 * instead (one of PIDFD_SIGNAL_THREAD, _THREAD_GROUP, _PROCESS_GROUP), and from 6.15
 * PIDFD_SELF_THREAD / PIDFD_SELF_THREAD_GROUP name the caller without a pidfd.
 */

import { kfunc } from "../../sim/functions.js";
import { since } from "../eras/profiles.js";
import { fget } from "../fs/file.js";
import { current } from "../include/current.js";
import { EBADF, EFAULT, EINVAL, EPERM, ESRCH } from "../include/errno.js";
import { type kernel_siginfo, SI_TKILL } from "../include/signal.js";
import type { pid } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { get_user } from "../mm/memory.js";
import { __kill_pgrp_info, group_send_sig_info } from "./signal.js";
import { PIDFD_THREAD } from "./sys.js";

export const PIDFD_SIGNAL_THREAD = 1 << 0;
export const PIDFD_SIGNAL_THREAD_GROUP = 1 << 1;
export const PIDFD_SIGNAL_PROCESS_GROUP = 1 << 2;
export const PIDFD_SELF_THREAD = -10000;
export const PIDFD_SELF_THREAD_GROUP = -10001;

type scope = "pid" | "tgid" | "pgid";

/**
 * pidfd_send_signal(pidfd, sig, info, flags): info 0, or the address of a siginfo whose
 * si_signo (at +0) must be sig and whose si_code (at +8) may claim the kernel or a user
 * sender (>= 0, or SI_TKILL) only for the caller's own process (-EPERM); its fields
 * (si_code, si_pid at +16, si_uid at +20, si_status at +24) are what a handler gets.
 */
export const __x64_sys_pidfd_send_signal = kfunc(function* __x64_sys_pidfd_send_signal(
  pidfd: number,
  sig: number,
  info: number,
  flags: number,
) {
  const known = since(K.era, "6.9") ? PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP : 0;
  if (!Number.isInteger(flags) || flags & ~known) return -EINVAL;
  if (flags & (flags - 1)) return -EINVAL; // more than one scope
  const me = current();
  let target: pid | null;
  let type: scope;
  if (since(K.era, "6.15") && (pidfd === PIDFD_SELF_THREAD || pidfd === PIDFD_SELF_THREAD_GROUP)) {
    target = pidfd === PIDFD_SELF_THREAD ? me.thread_pid : me.group_leader.thread_pid;
    type = pidfd === PIDFD_SELF_THREAD ? "pid" : "tgid";
  } else {
    const f = me.files === null ? null : fget(me.files, pidfd);
    if (f === null) return -EBADF;
    if (f.kind !== "pidfd") return -EBADF;
    target = f.pid;
    type = f.f_flags & PIDFD_THREAD ? "pid" : "tgid";
  }
  if (target === null) return -ESRCH;
  if (flags === PIDFD_SIGNAL_THREAD) type = "pid";
  else if (flags === PIDFD_SIGNAL_THREAD_GROUP) type = "tgid";
  else if (flags === PIDFD_SIGNAL_PROCESS_GROUP) type = "pgid";
  let kinfo: kernel_siginfo | null = null;
  if (info !== 0) {
    const w = [0, 8, 16, 20, 24].map((off) => get_user(me.mm, info + off));
    if (w.some((v) => typeof v !== "number")) return -EFAULT;
    const [signo, code, si_pid, si_uid, si_status] = w as number[];
    if (signo !== sig) return -EINVAL;
    if ((me.thread_pid !== target || type === "pgid") && ((code as number) >= 0 || code === SI_TKILL)) return -EPERM;
    // As rt_sigqueueinfo: the handler gets the caller's siginfo as it wrote it.
    kinfo = {
      si_signo: sig,
      si_code: code as number,
      si_pid: si_pid as number,
      si_uid: si_uid as number,
      si_status: si_status as number,
    };
  }
  if (type === "pgid") {
    // kill_pgrp_info of the group the pidfd's process leads.
    return yield* __kill_pgrp_info(sig, target);
  }
  const t = target.task;
  if (t === null) return -ESRCH;
  return yield* group_send_sig_info(sig, t, type === "tgid", kinfo);
});
