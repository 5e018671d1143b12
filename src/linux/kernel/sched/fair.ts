/**
 * The fair class for SCHED_NORMAL (kernel/sched/fair.c), as CFS: tasks ordered by
 * vruntime, which advances inversely to their nice weight; new tasks start one slice
 * behind (START_DEBIT), sleepers get at most half a latency of credit; a wakeup preempts
 * when the woken task is ahead by more than the wakeup granularity, a tick when the
 * running task has used its slice.
 */

import { knownTable } from "../../../sim/code.js";
import { activeEngine } from "../../../sim/engine.js";
import type { task_struct } from "../../include/task_struct.js";
import { insertAt, removeAt } from "../../lib/array.js";
import {
  type cfs_rq,
  NICE_0_LOAD,
  type rq,
  type sched_class,
  sysctl_sched_latency,
  sysctl_sched_min_granularity,
  sysctl_sched_wakeup_granularity,
  WF_FORK,
} from "./sched.js";

function before(a: task_struct, b: task_struct): boolean {
  return a.se.vruntime < b.se.vruntime || (a.se.vruntime === b.se.vruntime && a.pid < b.pid);
}

/** Inserts p in vruntime order (binary search: the rb-tree's job). Models __enqueue_entity. */
function enqueueEntityTree(cfs: cfs_rq, p: task_struct): void {
  const q = cfs.queue;
  let lo = 0;
  let hi = q.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(q[mid] as task_struct, p)) lo = mid + 1;
    else hi = mid;
  }
  insertAt(q, lo, p);
}

/** Models __dequeue_entity. */
function dequeueEntityTree(cfs: cfs_rq, p: task_struct): void {
  const i = cfs.queue.indexOf(p);
  if (i >= 0) removeAt(cfs.queue, i);
}

function calc_delta_fair(delta: number, p: task_struct): number {
  return p.se.weight === NICE_0_LOAD ? delta : (delta * NICE_0_LOAD) / p.se.weight;
}

/** The wall-clock slice p gets out of one latency period (sched_slice). */
function sched_slice(cfs: cfs_rq, p: task_struct): number {
  const nr = cfs.nr_running;
  const period =
    nr > sysctl_sched_latency / sysctl_sched_min_granularity ? nr * sysctl_sched_min_granularity : sysctl_sched_latency;
  return cfs.load > 0 ? (period * p.se.weight) / cfs.load : period;
}

function update_min_vruntime(rq: rq): void {
  const cfs = rq.cfs;
  let v = Number.POSITIVE_INFINITY;
  const curr = rq.curr;
  if (curr.sched_class === fair_sched_class && curr.on_rq) v = curr.se.vruntime;
  const left = cfs.queue[0];
  if (left !== undefined && left.se.vruntime < v) v = left.se.vruntime;
  if (v !== Number.POSITIVE_INFINITY && v > cfs.min_vruntime) cfs.min_vruntime = v;
}

/** Charges the running fair task for the time since it was last accounted. */
export function update_curr(rq: rq): void {
  const curr = rq.curr;
  if (curr.sched_class !== fair_sched_class) return;
  const now = activeEngine().runningCpu.clock;
  const delta = now - curr.se.exec_start;
  if (delta <= 0) return;
  curr.se.exec_start = now;
  curr.se.sum_exec_runtime += delta;
  curr.se.vruntime += calc_delta_fair(delta, curr);
  update_min_vruntime(rq);
}

function place_entity(cfs: cfs_rq, p: task_struct, initial: boolean): void {
  if (initial) {
    p.se.vruntime = cfs.min_vruntime + calc_delta_fair(sched_slice(cfs, p), p);
    return;
  }
  const credit = cfs.min_vruntime - sysctl_sched_latency / 2;
  if (p.se.vruntime < credit) p.se.vruntime = credit;
}

export const fair_sched_class: sched_class = Object.freeze<sched_class>({
  name: "fair",
  enqueue_task(rq, p, flags) {
    const cfs = rq.cfs;
    update_curr(rq);
    cfs.nr_running++;
    cfs.load += p.se.weight;
    if (flags & 0x80) place_entity(cfs, p, true);
    else if (flags & 0x01) place_entity(cfs, p, false);
    if (rq.curr !== p) enqueueEntityTree(cfs, p);
  },
  dequeue_task(rq, p) {
    const cfs = rq.cfs;
    update_curr(rq);
    if (rq.curr !== p) dequeueEntityTree(cfs, p);
    cfs.nr_running--;
    cfs.load -= p.se.weight;
    update_min_vruntime(rq);
  },
  pick_next_task(rq) {
    const q = rq.cfs.queue;
    if (q.length === 0) return null;
    const i = activeEngine().choose("pick_next_task", q.length);
    const p = q[i] as task_struct;
    removeAt(q, i);
    p.se.exec_start = activeEngine().runningCpu.clock;
    p.se.prev_sum_exec_runtime = p.se.sum_exec_runtime;
    return p;
  },
  put_prev_task(rq, prev) {
    update_curr(rq);
    if (prev.on_rq) enqueueEntityTree(rq.cfs, prev);
  },
  wakeup_preempt(rq, p, wake_flags) {
    const curr = rq.curr;
    if (curr.sched_class !== fair_sched_class) return false;
    if (wake_flags & WF_FORK) return false; // 6.19: a forked child never preempts its parent (6.4–6.18 could)
    update_curr(rq);
    const gran = calc_delta_fair(sysctl_sched_wakeup_granularity, p);
    return curr.se.vruntime - p.se.vruntime > gran;
  },
  task_tick(rq, curr) {
    update_curr(rq);
    if (rq.cfs.nr_running <= 1) return false;
    const ran = curr.se.sum_exec_runtime - curr.se.prev_sum_exec_runtime;
    return ran > sched_slice(rq.cfs, curr) && activeEngine().choose("tick_preempt", 2) === 0;
  },
  task_fork(p) {
    // Placed for real when wake_up_new_task enqueues it (ENQUEUE_INITIAL).
    p.se.vruntime = 0;
    p.se.sum_exec_runtime = 0;
    p.se.prev_sum_exec_runtime = 0;
  },
  migrate_task_rq(p, from, to) {
    // vruntime is only meaningful relative to a queue's min_vruntime.
    p.se.vruntime += to.cfs.min_vruntime - from.cfs.min_vruntime;
  },
});

// Saved states point at the class by name (src/sim/code.ts).
knownTable("fair_sched_class", fair_sched_class);
