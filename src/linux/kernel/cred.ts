/**
 * Credentials, capabilities and user namespaces (kernel/cred.c, kernel/capability.c,
 * kernel/user_namespace.c, kernel/ucount.c), as far as fork needs them: who the task is,
 * whether it may create namespaces (CAP_SYS_ADMIN over its user namespace), and the
 * per-user task count RLIMIT_NPROC is checked against.
 */

import { current } from "../include/current.js";
import { ENOMEM, EPERM } from "../include/errno.js";
import type { cred, task_struct, user_namespace } from "../include/task_struct.js";
import { CLONE_NEWUSER, CLONE_THREAD } from "../include/uapi/sched.js";
import { K } from "../kernel.js";
import { kfree, kmem_cache_alloc } from "../mm/slab.js";

export const CAP_KILL = 5;
export const CAP_SETUID = 7;
export const CAP_SYS_ADMIN = 21;
export const CAP_SYS_RESOURCE = 24;
export const CAP_CHECKPOINT_RESTORE = 40;
/** Every capability (CAP_LAST_CAP is 40 in 6.19). */
export const CAP_FULL_SET = (1n << 41n) - 1n;
/** RLIMIT_NPROC's default: unlimited here (a distribution sets it from the memory size). */
export const RLIM_INFINITY = Number.MAX_SAFE_INTEGER;
/** The user max_user_namespaces stops at (MAX nesting is 32 levels). */
const MAX_USER_NS_LEVEL = 32;

const cap = (c: number): bigint => 1n << BigInt(c);

/**
 * ns_capable: whether the current task has capability c over `ns`: it has c in its own
 * user namespace when that is ns or an ancestor of it, and the owner of a namespace holds
 * every capability in the namespaces below its own.
 */
export function ns_capable(ns: user_namespace, c: number): boolean {
  return has_ns_capability(current().cred, ns, c);
}

export function has_ns_capability(cred: cred, target: user_namespace, c: number): boolean {
  let ns: user_namespace | null = target;
  for (;;) {
    if (ns === null) return false;
    if (ns === cred.user_ns) return (cred.cap_effective & cap(c)) !== 0n;
    if (ns.level <= cred.user_ns.level) return false;
    if (ns.parent === cred.user_ns && ns.owner === cred.euid) return true;
    ns = ns.parent;
  }
}

/** capable: c over the initial user namespace. */
export function capable(c: number): boolean {
  return ns_capable(K.init_user_ns, c);
}

export function get_cred(c: cred): cred {
  c.usage++;
  return c;
}

export function put_cred(c: cred): void {
  if (--c.usage === 0) {
    put_user_ns(c.user_ns);
    kfree(c);
  }
}

function get_user_ns(ns: user_namespace): user_namespace {
  if (ns.level > 0) ns.count++;
  return ns;
}

export function put_user_ns(ns: user_namespace): void {
  let n: user_namespace | null = ns;
  while (n !== null && n.level > 0 && --n.count === 0) {
    const parent: user_namespace | null = n.parent;
    kfree(n);
    n = parent;
  }
}

/** prepare_creds: a private copy of the current task's credentials. */
export function prepare_creds(): cred | null {
  const old = current().cred;
  return kmem_cache_alloc<cred>("cred_jar", 184, () => ({
    usage: 1,
    uid: old.uid,
    euid: old.euid,
    cap_effective: old.cap_effective,
    cap_permitted: old.cap_permitted,
    cap_inheritable: old.cap_inheritable,
    keep_caps: old.keep_caps,
    user_ns: get_user_ns(old.user_ns),
    __slab: null,
  }));
}

/**
 * create_user_ns: makes `c` the credentials of the first task of a new user namespace,
 * owned by its euid, with every capability inside it. Unprivileged users may do this.
 */
function create_user_ns(c: cred): number {
  const parent = c.user_ns;
  if (parent.level >= MAX_USER_NS_LEVEL) return -28; // -ENOSPC
  const ns = kmem_cache_alloc<user_namespace>("user_namespace", 560, () => ({
    count: 1,
    level: parent.level + 1,
    parent,
    owner: c.euid,
    __slab: null,
  }));
  if (ns === null) return -ENOMEM;
  c.user_ns = ns; // the parent reference moves from the cred to the new namespace
  c.cap_effective = CAP_FULL_SET;
  c.cap_permitted = CAP_FULL_SET;
  return 0;
}

/**
 * copy_creds: a thread shares its creator's credentials; a process gets its own copy
 * (with a new user namespace for CLONE_NEWUSER). Either way the new task counts against
 * its user's RLIMIT_NPROC.
 */
export function copy_creds(p: task_struct, clone_flags: number): number {
  if (clone_flags & CLONE_THREAD) {
    p.cred = get_cred(current().cred);
    incNproc(p.cred.uid);
    return 0;
  }
  const c = prepare_creds();
  if (c === null) return -ENOMEM;
  if (clone_flags & CLONE_NEWUSER) {
    const err = create_user_ns(c);
    if (err) {
      put_cred(c);
      return err;
    }
  }
  p.cred = c;
  incNproc(c.uid);
  return 0;
}

/**
 * The tasks a user runs (ucounts' UCOUNT_RLIMIT_NPROC), counted at fork, dropped at release.
 * Models inc_rlimit_ucounts (UCOUNT_RLIMIT_NPROC).
 */
export function incNproc(uid: number): void {
  K.nproc.set(uid, (K.nproc.get(uid) ?? 0) + 1);
}

/** Models dec_rlimit_ucounts (UCOUNT_RLIMIT_NPROC). */
export function decNproc(uid: number): void {
  const n = (K.nproc.get(uid) ?? 0) - 1;
  if (n <= 0) K.nproc.delete(uid);
  else K.nproc.set(uid, n);
}

/** is_rlimit_overlimit for RLIMIT_NPROC: more tasks than the limit allows (the new one counted). */
export function nprocOverlimit(uid: number, limit: number): boolean {
  return (K.nproc.get(uid) ?? 0) > limit;
}

/** commit_creds: `c` becomes the task's credentials (the old ones' reference dropped). */
export function commit_creds(p: task_struct, c: cred): void {
  const old = p.cred;
  p.cred = c;
  put_cred(old);
}

/**
 * __sys_setuid as root drops to `uid` entirely (real, effective and saved ids) and
 * (cap_emulate_setxuid) loses its effective capabilities, and its permitted ones too unless
 * PR_SET_KEEPCAPS kept them. An unprivileged caller may only "set" its own uid.
 */
export function commitSetuid(p: task_struct, uid: number): number {
  const old = p.cred;
  if (!has_ns_capability(old, old.user_ns, CAP_SETUID) && uid !== old.uid) return -EPERM;
  const c = prepare_creds();
  if (c === null) return -ENOMEM;
  c.uid = uid;
  c.euid = uid;
  if (uid !== 0 && (old.uid === 0 || old.euid === 0)) {
    if (!c.keep_caps) c.cap_permitted = 0n;
    c.cap_effective = 0n;
  }
  decNproc(old.uid);
  incNproc(uid);
  p.cred = c;
  put_cred(old);
  return 0;
}
