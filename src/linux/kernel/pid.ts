import { kleaf } from "../../sim/functions.js";
import { EAGAIN, ENOMEM } from "../include/errno.js";
import type { pid, task_struct } from "../include/task_struct.js";
import { should_fail_point } from "../lib/fault-inject.js";
import { kfree, kmem_cache_alloc } from "../mm/slab.js";

export const RESERVED_PIDS = 300;
export const PID_MAX_DEFAULT = 0x8000;
export const PID_MAX_LIMIT = 4 * 1024 * 1024;

export interface pid_namespace {
  pid_max: number;
  /** idr cursor: where the next search starts. */
  cursor: number;
  used: Uint8Array;
  pids: Map<number, pid>;
  nr_allocated: number;
}

export function create_pid_namespace(pid_max: number): pid_namespace {
  if (!Number.isInteger(pid_max) || pid_max < RESERVED_PIDS + 1 || pid_max > PID_MAX_LIMIT) {
    throw new RangeError(`pid_max must be an integer from ${RESERVED_PIDS + 1} to ${PID_MAX_LIMIT}, got ${pid_max}`);
  }
  return { pid_max, cursor: 0, used: new Uint8Array(pid_max), pids: new Map(), nr_allocated: 0 };
}

/** idr_alloc_cyclic over [min, max): the first free number from the cursor, wrapping to min. */
function idr_alloc_cyclic(ns: pid_namespace, min: number): number {
  const max = ns.pid_max;
  const start = Math.max(ns.cursor, min);
  for (let nr = start; nr < max; nr++) {
    if (!ns.used[nr]) return nr;
  }
  for (let nr = min; nr < start; nr++) {
    if (!ns.used[nr]) return nr;
  }
  return -1;
}

/**
 * alloc_pid: a struct pid with the next free number. Returns -EAGAIN when the space is
 * exhausted (4.1+), -ENOMEM when the allocation fails.
 */
export const alloc_pid = kleaf(function alloc_pid(ns: pid_namespace): pid | number {
  const p = kmem_cache_alloc<pid>("pid", 96, () => ({ count: 1, nr: 0, task: null, __slab: null }));
  if (p === null) return -ENOMEM;
  const min = ns.cursor > RESERVED_PIDS ? RESERVED_PIDS : 1;
  // The "alloc_pid" fault point behaves as an exhausted pid space.
  const nr = should_fail_point("alloc_pid") ? -1 : idr_alloc_cyclic(ns, min);
  if (nr < 0) {
    kfree(p);
    return -EAGAIN;
  }
  ns.used[nr] = 1;
  ns.cursor = nr + 1;
  ns.nr_allocated++;
  p.nr = nr;
  ns.pids.set(nr, p);
  return p;
});

/** free_pid: the number becomes free again; the struct goes when its last reference does. */
export function free_pid(ns: pid_namespace, p: pid): void {
  if (ns.pids.get(p.nr) === p) {
    ns.pids.delete(p.nr);
    ns.used[p.nr] = 0;
    ns.nr_allocated--;
  }
  put_pid(p);
}

export function put_pid(p: pid): void {
  if (--p.count === 0) kfree(p);
}

export function get_pid(p: pid): pid {
  p.count++;
  return p;
}

export function find_task_by_pid_ns(nr: number, ns: pid_namespace): task_struct | null {
  return ns.pids.get(nr)?.task ?? null;
}
