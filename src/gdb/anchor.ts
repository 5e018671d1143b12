/**
 * What names a kernel object across the machines of one run's time travel: the debugger
 * goes back to a snapshot's copy, whose objects are other host objects than the ones a
 * watchpoint or the selected task pointed at. A slab object is named by its allocation id
 * (the same in every copy, since the run is the same), a static task (the idle tasks,
 * init_task) by pid and name.
 */
import type { task_struct } from "../linux/include/task_struct.js";
import { SlabRecord } from "../linux/mm/slab.js";
import type { Machine } from "../machine.js";
import { referencesOf } from "../snapshot.js";

export type Anchor = { slab: number } | { pid: number; comm: string };

export function isTask(v: object): boolean {
  return "__state" in v && "comm" in v && "pid" in v;
}

/** The anchor of `o`, or null for an object that is neither a slab object nor a task. */
export function anchorOf(o: object): Anchor | null {
  const rec = (o as { __slab?: unknown }).__slab;
  if (rec instanceof SlabRecord) return { slab: rec.id };
  if (isTask(o)) {
    const p = o as task_struct;
    return { pid: p.pid, comm: p.comm };
  }
  return null;
}

/** Objects found per machine (an object keeps its host identity in the machine it lives in). */
const found = new WeakMap<Machine, Map<string, object>>();

export const keyOf = (a: Anchor): string => ("slab" in a ? `s${a.slab}` : `t${a.pid}/${a.comm}`);

/**
 * The object `a` names in `m`, or null when `m` does not have it (not allocated yet at
 * this point of the run, or a task that is gone). A freed slab object is still found
 * while something points at it.
 */
export function locate(m: Machine, a: Anchor): object | null {
  let seen = found.get(m);
  if (seen === undefined) found.set(m, (seen = new Map()));
  const key = keyOf(a);
  const hit = seen.get(key);
  if (hit !== undefined) return hit;
  const o = "slab" in a ? findSlabObject(m, a.slab) : findTask(m, a.pid, a.comm);
  if (o !== null) seen.set(key, o);
  return o;
}

function findTask(m: Machine, pid: number, comm: string): object | null {
  const match = (p: task_struct) => p.pid === pid && p.comm === comm;
  for (const p of m.kernel.idle_tasks) if (p !== null && match(p)) return p;
  if (match(m.kernel.init_task)) return m.kernel.init_task;
  return search(m, (o) => isTask(o) && match(o as task_struct));
}

function findSlabObject(m: Machine, id: number): object | null {
  const slab = m.kernel.slab;
  if (id >= slab.nextId) return null;
  for (const rec of slab.live.values()) if (rec.id === id) return rec.object;
  // Freed: found through what still points at it (a frame's argument, a list).
  return search(m, (o) => {
    const rec = (o as { __slab?: unknown }).__slab;
    return rec instanceof SlabRecord && rec.id === id;
  });
}

/** The first object of `m`'s graph (breadth first) that `test` accepts. */
function search(m: Machine, test: (o: object) => boolean): object | null {
  const seen = new Set<object>([m]);
  const queue: object[] = [m];
  for (let i = 0; i < queue.length; i++) {
    const o = queue[i] as object;
    if (test(o)) return o;
    for (const v of referencesOf(o)) {
      if (typeof v !== "object" || v === null || seen.has(v)) continue;
      seen.add(v);
      queue.push(v);
    }
  }
  return null;
}
