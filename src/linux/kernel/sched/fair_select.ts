/**
 * Where a fair task runs (kernel/sched/fair.c, read in 6.19): select_task_rq_fair with fork
 * balancing (the slow path: the idlest group, then its CPU) and, for a wakeup, wake_affine
 * and select_idle_sibling (the fast path). Exec balancing (sched_exec, the same slow path
 * with SD_BALANCE_EXEC, then the migration stopper) is not modeled: exec stays on its CPU.
 *
 * The model's topology is one scheduling domain over the online CPUs, as a small VM has:
 * the CPUs share the last-level cache, each is a group of its own, the domain balances on
 * fork and exec and allows affine wakeups (SD_BALANCE_FORK | SD_BALANCE_EXEC |
 * SD_WAKE_AFFINE, not SD_BALANCE_WAKE), imbalance_pct 117, every CPU the same capacity.
 *
 * The kernel weighs CPUs by PELT averages (load, utilisation) the model does not keep. It
 * reads the state of now instead: a CPU's load is the weight of its runnable fair tasks,
 * plus, for a woken task, its own weight on the CPU it last ran on (its blocked load is
 * still counted there); a one-CPU group is has_spare when nothing runs there, fully_busy
 * with one task, overloaded with more. Where the kernel would then decide by utilisation,
 * between idle CPUs, the chooser decides ("wake_cpu"; alternative 0 is the first in the
 * kernel's group order).
 */
import { activeEngine } from "../../../sim/engine.js";
import { ksync } from "../../../sim/functions.js";
import { current, smp_processor_id } from "../../include/current.js";
import { PF_EXITING, PF_KTHREAD } from "../../include/sched.js";
import type { task_struct } from "../../include/task_struct.js";
import { K } from "../../kernel.js";
import { jiffies } from "../time/timer.js";
import { cpu_rq, WF_FORK, WF_SYNC, WF_TTWU } from "./sched.js";

/** sd_init's imbalance_pct for a level that shares the LLC. */
const IMBALANCE_PCT = 117;
/** scale_load_down(NICE_0_LOAD): the load of one nice-0 task. */
const NICE_0_LOAD = 1024;

/** available_idle_cpu: nothing runs or is queued there, and no wakeup is on its way (ttwu_pending). */
export function available_idle_cpu(cpu: number): boolean {
  const rq = cpu_rq(cpu);
  return rq.curr === rq.idle && rq.nr_running === 0 && rq.wake_list.length === 0;
}

function allowed(p: task_struct, cpu: number): boolean {
  return p.cpus_mask.test(cpu) && K.cpu_online_mask.test(cpu);
}

/** cpu_load without PELT: the weight of the CPU's runnable fair tasks. */
function cpu_load(cpu: number): number {
  return cpu_rq(cpu).cfs.load;
}

/** record_wakee: the waker counts how often it wakes another task than last time (decayed each second). */
function record_wakee(p: task_struct, now_jiffies: number): void {
  const me = current();
  if (now_jiffies > me.wakee_flip_decay_ts + K.cfg.hz) {
    me.wakee_flips >>>= 1;
    me.wakee_flip_decay_ts = now_jiffies;
  }
  if (me.last_wakee !== p) {
    me.last_wakee = p;
    me.wakee_flips++;
  }
}

/** wake_wide: a waker of many (flips above the LLC's size, both ways) spreads its wakees. */
function wake_wide(p: task_struct): boolean {
  let master = current().wakee_flips;
  let slave = p.wakee_flips;
  const factor = K.cpu_online_mask.weight; // sd_llc_size
  if (master < slave) [master, slave] = [slave, master];
  return !(slave < factor || master < slave * factor);
}

const NO_CPU = -1;

/** wake_affine_idle: the waking CPU if it is idle (a wakeup from an interrupt), or the previous one if that is. */
function wake_affine_idle(this_cpu: number, prev_cpu: number, sync: boolean): number {
  if (available_idle_cpu(this_cpu)) return available_idle_cpu(prev_cpu) ? prev_cpu : this_cpu;
  if (sync && cpu_rq(this_cpu).nr_running === 1) return this_cpu;
  if (available_idle_cpu(prev_cpu)) return prev_cpu;
  return NO_CPU;
}

/** wake_affine_weight: the waking CPU if its load with p is below the previous one's without, biased to prev (WA_BIAS). */
function wake_affine_weight(p: task_struct, this_cpu: number, prev_cpu: number, sync: boolean): number {
  let this_eff_load = cpu_load(this_cpu);
  if (sync) {
    const current_load = current().se.weight;
    if (current_load > this_eff_load) return this_cpu;
    this_eff_load -= current_load;
  }
  const task_load = p.se.weight;
  this_eff_load = (this_eff_load + task_load) * 100;
  // p's blocked load is still part of prev_cpu's: cpu_load(prev) − task_load is the rest.
  let prev_eff_load = cpu_load(prev_cpu) * (100 + (IMBALANCE_PCT - 100) / 2);
  if (sync) prev_eff_load += 1;
  return this_eff_load < prev_eff_load ? this_cpu : NO_CPU;
}

/** wake_affine: pull the wakee to the waking CPU, or leave it on its previous one. */
function wake_affine(p: task_struct, this_cpu: number, prev_cpu: number, sync: boolean): number {
  let target = wake_affine_idle(this_cpu, prev_cpu, sync);
  if (target === NO_CPU) target = wake_affine_weight(p, this_cpu, prev_cpu, sync);
  return target === this_cpu ? this_cpu : prev_cpu;
}

/** is_per_cpu_kthread: a kernel thread bound to one CPU. */
function is_per_cpu_kthread(t: task_struct): boolean {
  return (t.flags & PF_KTHREAD) !== 0 && t.nr_cpus_allowed === 1;
}

/** select_idle_cpu: the first idle CPU of the LLC that p may use, scanning from target + 1 and wrapping. */
function select_idle_cpu(p: task_struct, target: number): number {
  const nr = K.nr_cpu_ids;
  for (let i = 1; i <= nr; i++) {
    const c = (target + i) % nr;
    if (allowed(p, c) && available_idle_cpu(c)) return c;
  }
  return NO_CPU;
}

/**
 * select_idle_sibling: the target if idle; else the previous CPU if idle; the previous CPU
 * when a per-CPU kthread there wakes p (an I/O completion's pattern); else p's recently
 * used CPU if idle; else the first idle CPU from target on; else the target.
 */
function select_idle_sibling(p: task_struct, prev: number, target: number): number {
  if (available_idle_cpu(target)) return target;
  if (prev !== target && available_idle_cpu(prev)) return prev;
  const cpu = activeEngine().runningCpu;
  if (
    is_per_cpu_kthread(current()) &&
    cpu.inIrq + cpu.inSoftirq === 0 &&
    prev === smp_processor_id() &&
    cpu_rq(prev).nr_running <= 1
  )
    return prev;
  const recent = p.recent_used_cpu;
  p.recent_used_cpu = prev;
  if (recent !== prev && recent !== target && available_idle_cpu(recent) && p.cpus_mask.test(recent)) return recent;
  const i = select_idle_cpu(p, target);
  return i !== NO_CPU ? i : target;
}

// ---- the slow path: sched_balance_find_dst_cpu (find_idlest_cpu before 6.10) ------------

const group_has_spare = 0;
const group_fully_busy = 1;
const group_overloaded = 2;

interface sg_stats {
  type: number;
  load: number;
  idle_cpus: number;
}

/** update_sg_wakeup_stats for a one-CPU group (a new task is on no run queue yet). */
function groupStats(cpu: number, out: sg_stats): void {
  const rq = cpu_rq(cpu);
  const nr = rq.nr_running;
  out.load = rq.cfs.load;
  out.idle_cpus = available_idle_cpu(cpu) ? 1 : 0;
  out.type = nr === 0 ? group_has_spare : nr === 1 ? group_fully_busy : group_overloaded;
}

/** update_pick_idlest: whether `sgs` is idler than the idlest so far; null when the PELT figures the model lacks would decide. */
function idler(sgs: sg_stats, idlest: sg_stats): boolean | null {
  if (sgs.type !== idlest.type) return sgs.type < idlest.type;
  if (sgs.type !== group_has_spare) return sgs.load < idlest.load;
  if (sgs.idle_cpus !== idlest.idle_cpus) return sgs.idle_cpus > idlest.idle_cpus;
  return null; // the lower group_util would win
}

const tied: number[] = [];
const local_sgs: sg_stats = { type: 0, load: 0, idle_cpus: 0 };
const tmp_sgs: sg_stats = { type: 0, load: 0, idle_cpus: 0 };
const idlest_sgs: sg_stats = { type: 0, load: 0, idle_cpus: 0 };

/**
 * sched_balance_find_dst_group: the idlest group other than this CPU's, if it is idler
 * enough than this CPU's to move there; -1 to stay. Groups are visited from this CPU's on,
 * in CPU order, as the domain's group list runs.
 */
function findDstGroup(p: task_struct, this_cpu: number): number {
  const nr = K.nr_cpu_ids;
  let have_local = false;
  let n = 0;
  for (let i = 0; i < nr; i++) {
    const c = (this_cpu + i) % nr;
    if (!allowed(p, c)) continue;
    if (c === this_cpu) {
      groupStats(c, local_sgs);
      have_local = true;
      continue;
    }
    groupStats(c, tmp_sgs);
    const better = n === 0 ? true : idler(tmp_sgs, idlest_sgs);
    if (better === true) n = 0;
    if (better !== false) {
      tied[n++] = c;
      Object.assign(idlest_sgs, tmp_sgs);
    }
  }
  if (n === 0) return NO_CPU;
  const idlest = tied[n > 1 ? activeEngine().choose("wake_cpu", n) : 0] as number;
  if (!have_local) return idlest;
  if (local_sgs.type !== idlest_sgs.type) return local_sgs.type > idlest_sgs.type ? idlest : NO_CPU;
  if (local_sgs.type === group_has_spare) return local_sgs.idle_cpus >= idlest_sgs.idle_cpus ? NO_CPU : idlest;
  const imbalance = (NICE_0_LOAD * (IMBALANCE_PCT - 100)) / 100;
  if (idlest_sgs.load >= local_sgs.load + imbalance) return NO_CPU;
  if (100 * local_sgs.load <= IMBALANCE_PCT * idlest_sgs.load) return NO_CPU;
  return idlest;
}

/**
 * The slow path: this CPU unless a group (here: a CPU) is idler enough. One level, so no descent.
 * Models sched_balance_find_dst_cpu (find_idlest_cpu before 6.10).
 */
function findDstCpu(p: task_struct, this_cpu: number, prev_cpu: number): number {
  let c = 0;
  while (c < K.nr_cpu_ids && !allowed(p, c)) c++;
  if (c === K.nr_cpu_ids) return prev_cpu;
  const group = findDstGroup(p, this_cpu);
  return group === NO_CPU ? this_cpu : group;
}

/**
 * The policy of select_task_rq_fair: a fork takes the slow path (balance over the domain,
 * which has SD_BALANCE_FORK); a wakeup the fast path (wake_affine, which the domain allows,
 * unless the waker wakes many; then select_idle_sibling). 2.6.24 ran it inline
 * (try_to_wake_up, sched_balance_self).
 */
export function fairSelectCpu(p: task_struct, prev_cpu: number, wake_flags: number): number {
  const me = current();
  const sync = (wake_flags & WF_SYNC) !== 0 && (me.flags & PF_EXITING) === 0;
  const cpu = smp_processor_id();
  let new_cpu = prev_cpu;
  if (wake_flags & WF_TTWU) {
    record_wakee(p, jiffies());
    const want_affine = !wake_wide(p) && p.cpus_mask.test(cpu);
    // The one domain spans prev_cpu and allows affine wakeups; it has no SD_BALANCE_WAKE.
    if (want_affine && cpu !== prev_cpu) new_cpu = wake_affine(p, cpu, prev_cpu, sync);
    return select_idle_sibling(p, prev_cpu, new_cpu);
  }
  if (wake_flags & WF_FORK) return findDstCpu(p, cpu, prev_cpu);
  return new_cpu;
}

/** select_task_rq_fair, the fair class's select_task_rq (traced from 2.6.32). */
export const select_task_rq_fair = ksync(function select_task_rq_fair(
  p: task_struct,
  prev_cpu: number,
  wake_flags: number,
): number {
  return fairSelectCpu(p, prev_cpu, wake_flags);
});
