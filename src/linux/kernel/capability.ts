/**
 * Capabilities a task holds (kernel/capability.c and security/commoncap.c, 6.19): capget
 * reads a task's effective, permitted and inheritable sets, capset changes the caller's own
 * under cap_capset's rules (no new permitted capability; effective within the new permitted;
 * inheritable within the old inheritable and permitted, or the bounding set with
 * CAP_SETPCAP). What task creation asks of them: CAP_SYS_ADMIN over the user namespace for
 * clone's and unshare's namespace flags, CAP_CHECKPOINT_RESTORE (5.9+) or CAP_SYS_ADMIN for
 * clone3's set_tid (kernel/pid.c).
 *
 * In user memory: struct __user_cap_header_struct { u32 version; int pid; } and, for
 * _LINUX_CAPABILITY_VERSION_3 (and _2), two struct __user_cap_data_struct { u32 effective,
 * permitted, inheritable; } (12 bytes each: capabilities 0-31, then 32-63); version 1 has one.
 */
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EFAULT, EINVAL, ENOMEM, EPERM, ESRCH } from "../include/errno.js";
import { get_user, put_user } from "../mm/memory.js";
import { CAP_FULL_SET, commit_creds, has_ns_capability, prepare_creds } from "./cred.js";
import { find_task_by_pid_ns, task_active_pid_ns, task_pid_nr_ns } from "./pid.js";

export const _LINUX_CAPABILITY_VERSION_1 = 0x19980330;
export const _LINUX_CAPABILITY_VERSION_2 = 0x20071026;
export const _LINUX_CAPABILITY_VERSION_3 = 0x20080522;
export const CAP_SETPCAP = 8;

/** cap_validate_magic: the number of 32-bit words of the version (0: unknown, the kernel's own written back). */
function* cap_validate_magic(header: number) {
  const me = current();
  const version = get_user(me.mm, header);
  if (version === null) return -EFAULT;
  if (version === _LINUX_CAPABILITY_VERSION_1) return 1;
  if (version === _LINUX_CAPABILITY_VERSION_2 || version === _LINUX_CAPABILITY_VERSION_3) return 2;
  if ((yield* put_user(_LINUX_CAPABILITY_VERSION_3, me.mm, header)) < 0) return -EFAULT;
  return 0;
}

const word = (set: bigint, i: number) => Number((set >> BigInt(32 * i)) & 0xffffffffn);

/**
 * capget(header, data): the sets of the task header->pid names (0: the caller) stored at
 * data. An unknown version: the kernel's written to header, then 0 for a NULL data (a
 * probe), else -EINVAL. A negative pid -EINVAL, one not found -ESRCH.
 */
export const __x64_sys_capget = kfunc(function* __x64_sys_capget(header: number, dataptr: number) {
  const words = yield* cap_validate_magic(header);
  if (words < 0) return words;
  if (words === 0) return dataptr === 0 ? 0 : -EINVAL;
  const me = current();
  const pid = get_user(me.mm, header + 4);
  if (typeof pid !== "number") return -EFAULT;
  if (pid < 0) return -EINVAL;
  const ns = task_active_pid_ns(me);
  const t = pid === 0 || ns === null ? me : find_task_by_pid_ns(pid, ns);
  if (t === null) return -ESRCH;
  const c = t.cred;
  for (let i = 0; i < words; i++) {
    const at = dataptr + 12 * i;
    if ((yield* put_user(word(c.cap_effective, i), me.mm, at)) < 0) return -EFAULT;
    if ((yield* put_user(word(c.cap_permitted, i), me.mm, at + 4)) < 0) return -EFAULT;
    if ((yield* put_user(word(c.cap_inheritable, i), me.mm, at + 8)) < 0) return -EFAULT;
  }
  return 0;
});

/**
 * capset(header, data): the caller's new sets (only its own: another pid is -EPERM), under
 * cap_capset's rules, else -EPERM; capabilities past the last one are dropped.
 */
export const __x64_sys_capset = kfunc(function* __x64_sys_capset(header: number, data: number) {
  const words = yield* cap_validate_magic(header);
  if (words < 0) return words;
  if (words === 0) return -EINVAL;
  const me = current();
  const pid = get_user(me.mm, header + 4);
  if (typeof pid !== "number") return -EFAULT;
  const ns = task_active_pid_ns(me);
  if (pid !== 0 && pid !== (ns === null ? me.pid : task_pid_nr_ns(me, ns))) return -EPERM;
  const sets = [0n, 0n, 0n];
  for (let i = 0; i < words; i++) {
    for (let k = 0; k < 3; k++) {
      const v = get_user(me.mm, data + 12 * i + 4 * k);
      if (v === null) return -EFAULT;
      sets[k] = (sets[k] as bigint) | (BigInt((typeof v === "number" ? v : 0) >>> 0) << BigInt(32 * i));
    }
  }
  const [effective, permitted, inheritable] = sets.map((s) => s & CAP_FULL_SET) as [bigint, bigint, bigint];
  const old = me.cred;
  const setpcap = has_ns_capability(old, old.user_ns, CAP_SETPCAP);
  const inh_limit = old.cap_inheritable | (setpcap ? CAP_FULL_SET : old.cap_permitted);
  if (inheritable & ~inh_limit) return -EPERM;
  if (permitted & ~old.cap_permitted) return -EPERM;
  if (effective & ~permitted) return -EPERM;
  const c = prepare_creds();
  if (c === null) return -ENOMEM;
  c.cap_effective = effective;
  c.cap_permitted = permitted;
  c.cap_inheritable = inheritable;
  commit_creds(me, c);
  return 0;
});
