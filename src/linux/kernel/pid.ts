/**
 * Pids and pid namespaces (kernel/pid.c, kernel/pid_namespace.c). A struct pid has one
 * number per namespace level, from the namespace it was made in up to the initial one;
 * each namespace allocates its numbers cyclically from its own cursor (1 first, then
 * wrapping to RESERVED_PIDS), and the first task of a namespace is its init (pid 1) and
 * child reaper. A numbers is reserved at every level before any is published, so a failure
 * half-way leaves nothing behind.
 */
import { kleaf } from "../../sim/functions.js";
import { since } from "../eras/profiles.js";
import { ERR_PTR, type ErrOr, type ErrPtr } from "../include/err.js";
import { EAGAIN, EEXIST, EINVAL, ENOMEM, EPERM } from "../include/errno.js";
import type { pid, task_struct, upid, user_namespace } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { shouldFailPoint } from "../lib/fault-inject.js";
import { kfree, kmem_cache_alloc, type Tracked } from "../mm/slab.js";
import { CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN, ns_capable } from "./cred.js";
import { pid_bitmap } from "./pid_bitmap.js";

export const RESERVED_PIDS = 300;
export const PID_MAX_DEFAULT = 0x8000;
export const PID_MAX_LIMIT = 4 * 1024 * 1024;
/** How deep pid namespaces nest (MAX_PID_NS_LEVEL). */
export const MAX_PID_NS_LEVEL = 32;

export interface pid_namespace extends Tracked {
  /** References: nsproxies and pids (get_pid_ns). */
  count: number;
  level: number;
  parent: pid_namespace | null;
  user_ns: user_namespace;
  pid_max: number;
  /** idr cursor: where the next search starts. */
  cursor: number;
  used: pid_bitmap;
  /** Published pids by number (idr). */
  pids: Map<number, pid>;
  /** pid_allocated without the PIDNS_ADDING bit. */
  nr_allocated: number;
  /** PIDNS_ADDING: cleared when the namespace's init dies; no task may join after. */
  adding: boolean;
  child_reaper: task_struct | null;
  /** Whether a number was ever allocated here (the first failure resets the cursor). */
  ever_allocated: boolean;
}

/** Models create_pid_namespace (its initialisation). */
function newPidNamespace(level: number, parent: pid_namespace | null, user_ns: user_namespace, pid_max: number) {
  return {
    count: 1,
    level,
    parent,
    user_ns,
    pid_max,
    cursor: 0,
    used: new pid_bitmap(pid_max),
    pids: new Map<number, pid>(),
    nr_allocated: 0,
    adding: true,
    child_reaper: null,
    ever_allocated: false,
  };
}

/** The initial namespace (init_pid_ns): static, never freed. */
export function create_pid_namespace(pid_max: number, user_ns: user_namespace): pid_namespace {
  if (!Number.isInteger(pid_max) || pid_max < RESERVED_PIDS + 1 || pid_max > PID_MAX_LIMIT) {
    throw new RangeError(`pid_max must be an integer from ${RESERVED_PIDS + 1} to ${PID_MAX_LIMIT}, got ${pid_max}`);
  }
  return { ...newPidNamespace(0, null, user_ns, pid_max), __slab: null };
}

/**
 * copy_pid_ns (create_pid_namespace in C): a child namespace of `parent`, owned by
 * user_ns, inheriting its pid_max (per namespace in 6.19). -ENOSPC past 32 levels.
 */
export function copy_pid_ns(parent: pid_namespace, user_ns: user_namespace): pid_namespace | number {
  if (parent.level + 1 > MAX_PID_NS_LEVEL) return -28; // -ENOSPC
  const ns = kmem_cache_alloc<pid_namespace>("pid_namespace", 144, () => ({
    ...newPidNamespace(parent.level + 1, parent, user_ns, parent.pid_max),
    __slab: null,
  }));
  if (ns === null) return -ENOMEM;
  get_pid_ns(parent);
  return ns;
}

export function get_pid_ns(ns: pid_namespace): pid_namespace {
  if (ns.level > 0) ns.count++;
  return ns;
}

export function put_pid_ns(ns: pid_namespace): void {
  let n: pid_namespace | null = ns;
  while (n !== null && n.level > 0 && --n.count === 0) {
    const parent: pid_namespace | null = n.parent;
    kfree(n);
    n = parent;
  }
}

/** idr_alloc_cyclic over [min, max): the first free number from the cursor, wrapping to min. */
function idr_alloc_cyclic(ns: pid_namespace, min: number): number {
  const max = ns.pid_max;
  const start = Math.max(ns.cursor, min);
  for (let nr = start; nr < max; nr++) {
    if (!ns.used.has(nr)) return nr;
  }
  for (let nr = min; nr < start; nr++) {
    if (!ns.used.has(nr)) return nr;
  }
  return -1;
}

/**
 * alloc_pid's way out (out_free): the numbers taken at the levels above `failed` are
 * given back, and the struct freed.
 */
function allocPidFail(ns: pid_namespace, p: pid, failed: number, err: number): ErrPtr {
  for (let i = ns.level; i > failed; i--) {
    const u = p.numbers[i] as { nr: number; ns: pid_namespace };
    u.ns.used.clear(u.nr);
  }
  if (!ns.ever_allocated) ns.cursor = 0;
  kfree(p);
  return ERR_PTR(err);
}

/**
 * alloc_pid: a struct pid with a number at every level from ns up, the deepest levels
 * taken from set_tid when given (clone3). Errors, in the kernel's order: more set_tid
 * entries than levels -EINVAL; no memory -ENOMEM; a requested number out of range, or other
 * than 1 in a namespace without an init, -EINVAL; no CAP_CHECKPOINT_RESTORE over that
 * namespace -EPERM; a requested number in use -EEXIST; a full namespace -EAGAIN (≤3.13 -ENOMEM); a
 * namespace whose init has died -ENOMEM.
 */
export const alloc_pid = kleaf(function alloc_pid(ns: pid_namespace, set_tid: readonly number[]): ErrOr<pid> {
  if (set_tid.length > ns.level + 1) return ERR_PTR(-EINVAL);
  const p = kmem_cache_alloc<pid>("pid", 64 + 16 * ns.level, () => ({
    count: 1,
    level: ns.level,
    numbers: new Array<upid>(ns.level + 1), // one per level, no growth slack
    task: null,
    group_users: 0,
    wait_pidfd: null,
    __slab: null,
  }));
  if (p === null) return ERR_PTR(-ENOMEM);
  let tmp: pid_namespace | null = ns;
  for (let i = ns.level; i >= 0; i--) {
    const level_ns = tmp as pid_namespace;
    const requested = ns.level - i < set_tid.length;
    const tid = requested ? (set_tid[ns.level - i] as number) : 0;
    let nr: number;
    if (requested) {
      if (!Number.isInteger(tid) || tid < 1 || tid >= level_ns.pid_max) return allocPidFail(ns, p, i, -EINVAL);
      if (tid !== 1 && level_ns.child_reaper === null) return allocPidFail(ns, p, i, -EINVAL);
      // checkpoint_restore_ns_capable: CAP_CHECKPOINT_RESTORE came in 5.9; before, CAP_SYS_ADMIN only.
      const cr = since(K.era, "5.9") && ns_capable(level_ns.user_ns, CAP_CHECKPOINT_RESTORE);
      if (!cr && !ns_capable(level_ns.user_ns, CAP_SYS_ADMIN)) return allocPidFail(ns, p, i, -EPERM);
      if (level_ns.used.has(tid)) return allocPidFail(ns, p, i, -EEXIST);
      nr = tid;
    } else {
      const min = level_ns.cursor > RESERVED_PIDS ? RESERVED_PIDS : 1;
      // The "alloc_pid" fault point behaves as an exhausted pid space.
      nr = shouldFailPoint("alloc_pid") ? -1 : idr_alloc_cyclic(level_ns, min);
      // A full namespace: -EAGAIN from 4.1; ≤3.13 alloc_pid returned NULL, which copy_process made -ENOMEM.
      if (nr < 0) return allocPidFail(ns, p, i, K.era.pid_exhausted_errno === "EAGAIN" ? -EAGAIN : -ENOMEM);
      level_ns.cursor = nr + 1;
    }
    level_ns.used.set(nr);
    p.numbers[i] = { nr, ns: level_ns };
    tmp = level_ns.parent;
  }
  if (!ns.adding) return allocPidFail(ns, p, -1, -ENOMEM);
  get_pid_ns(ns);
  for (const u of p.numbers) {
    u.ns.pids.set(u.nr, p);
    u.ns.nr_allocated++;
    u.ns.ever_allocated = true;
  }
  return p;
});

/** The pid's numbers become free again (free_pid's unhashing). */
export function unhashPid(p: pid): void {
  for (const u of p.numbers) {
    if (u.ns.pids.get(u.nr) === p) {
      u.ns.pids.delete(u.nr);
      u.ns.used.clear(u.nr);
      u.ns.nr_allocated--;
    }
  }
}

/**
 * free_pid (its task detached): the numbers become free again, unless the pid is still a
 * process group or session of some process; the struct goes when its last reference does.
 */
export function free_pid(p: pid): void {
  if (p.group_users === 0) unhashPid(p);
  put_pid(p);
}

export function put_pid(p: pid): void {
  if (--p.count === 0) {
    const ns = (p.numbers[p.level] as { ns: pid_namespace }).ns;
    kfree(p);
    put_pid_ns(ns);
  }
}

export function get_pid(p: pid): pid {
  p.count++;
  return p;
}

/** pid_nr: the global number. */
export function pid_nr(p: pid | null): number {
  return p === null ? 0 : (p.numbers[0] as { nr: number }).nr;
}

/** pid_nr_ns: the number in ns, or 0 when the pid is not visible there. */
export function pid_nr_ns(p: pid | null, ns: pid_namespace): number {
  if (p === null || ns.level > p.level) return 0;
  const u = p.numbers[ns.level] as { nr: number; ns: pid_namespace };
  return u.ns === ns ? u.nr : 0;
}

/** The namespace a pid was made in (ns_of_pid). */
export function ns_of_pid(p: pid): pid_namespace {
  return (p.numbers[p.level] as { ns: pid_namespace }).ns;
}

/** task_active_pid_ns: the namespace the task's own pid lives in. */
export function task_active_pid_ns(t: task_struct): pid_namespace | null {
  return t.thread_pid === null ? null : ns_of_pid(t.thread_pid);
}

export function find_pid_ns(nr: number, ns: pid_namespace): pid | null {
  return ns.pids.get(nr) ?? null;
}

export function find_task_by_pid_ns(nr: number, ns: pid_namespace): task_struct | null {
  return ns.pids.get(nr)?.task ?? null;
}

/** task_pid_nr_ns: t's own (thread) id as ns sees it. */
export function task_pid_nr_ns(t: task_struct, ns: pid_namespace): number {
  return pid_nr_ns(t.thread_pid, ns);
}

/** task_tgid_nr_ns: the process id (its leader's) as ns sees it. */
export function task_tgid_nr_ns(t: task_struct, ns: pid_namespace): number {
  return pid_nr_ns(t.group_leader.thread_pid, ns);
}
