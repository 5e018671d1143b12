/**
 * Run queues and scheduling classes (kernel/sched/sched.h). One rq per CPU; the classes
 * are asked in priority order: stop (migration/N), fair (SCHED_NORMAL), idle (swapper/N).
 * The fair class orders by vruntime as CFS does (not EEVDF's eligibility rule of 6.6+).
 */
import type { task_struct } from "../../include/task_struct.js";
import { K } from "../../kernel.js";

export interface sched_class {
  readonly name: string;
  enqueue_task(rq: rq, p: task_struct, flags: number): void;
  dequeue_task(rq: rq, p: task_struct, flags: number): void;
  /** The task this class would run next on rq, or null; takes it off the queue. */
  pick_next_task(rq: rq): task_struct | null;
  /** prev stops running; if still runnable it goes back on the queue. */
  put_prev_task(rq: rq, prev: task_struct): void;
  /** Whether the newly runnable p should preempt rq's current task of this class. */
  wakeup_preempt(rq: rq, p: task_struct, wake_flags: number): boolean;
  /** Accounts a tick; true when the running task should be preempted. */
  task_tick(rq: rq, curr: task_struct): boolean;
  /** Sets up a forked task's class state (sched_fork). */
  task_fork(p: task_struct): void;
  /** p moves from one CPU's queue to another's (set_task_cpu). */
  migrate_task_rq(p: task_struct, from: rq, to: rq): void;
}

export interface cfs_rq {
  /** Runnable tasks not currently running, ordered by (vruntime, pid): the rb-tree. */
  queue: task_struct[];
  nr_running: number;
  /** Sum of the weights of the runnable tasks, including the running one. */
  load: number;
  min_vruntime: number;
}

export interface rq {
  cpu: number;
  nr_running: number;
  curr: task_struct;
  idle: task_struct;
  /** The stop-class task of this CPU (migration/N), when queued. */
  stop: task_struct | null;
  stop_queued: boolean;
  cfs: cfs_rq;
  /** Tasks other CPUs are waking onto this one, activated here (ttwu_queue_wakelist). */
  wake_list: task_struct[];
  /** Times the CPU switched tasks; with the time of the last switch (soft-lockup watchdog). */
  nr_switches: number;
  last_switch: number;
  softlockup_reported: boolean;
}

/** cpu_rq (kernel/sched/sched.h): the run queue of `cpu`. */
export function cpu_rq(cpu: number): rq {
  return K.runqueues[cpu] as rq;
}

// enqueue/dequeue flags
export const DEQUEUE_SLEEP = 0x01;
export const ENQUEUE_WAKEUP = 0x01;
export const ENQUEUE_INITIAL = 0x80;

// wake flags
export const WF_EXEC = 0x02;
export const WF_FORK = 0x04;
export const WF_TTWU = 0x08;
export const WF_SYNC = 0x10;

export const TASK_ON_RQ_QUEUED = 1;

/** Load weight per nice level -20..19 (kernel/sched/core.c sched_prio_to_weight). */
export const sched_prio_to_weight: readonly number[] = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991,
  1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];
export const NICE_0_LOAD = 1024;

// CFS tunables (ns), the defaults before scaling by log2(1 + ncpus).
export const sysctl_sched_latency = 6_000_000;
export const sysctl_sched_min_granularity = 750_000;
export const sysctl_sched_wakeup_granularity = 1_000_000;
