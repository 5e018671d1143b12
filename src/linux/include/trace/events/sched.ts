/**
 * The sched and task tracepoints (include/trace/events/sched.h, task.h): each records a
 * typed event with the context header ftrace adds. Off, a tracepoint is one branch.
 */
import { activeEngine } from "../../../../sim/engine.js";
import { K } from "../../../kernel.js";
import { current, local_clock, smp_processor_id } from "../../current.js";
import {
  __TASK_STOPPED,
  __TASK_TRACED,
  __task_state_index,
  TASK_DEAD,
  TASK_FROZEN,
  TASK_INTERRUPTIBLE,
  TASK_NEW,
  TASK_NOLOAD,
  TASK_PARKED,
  TASK_UNINTERRUPTIBLE,
  TASK_WAKEKILL,
  TASK_WAKING,
  TIF_NEED_RESCHED,
} from "../../sched.js";
import type { task_struct } from "../../task_struct.js";
import type { EventType, TraceEvent, TraceRecord, WakeupEvent } from "./records.js";

/**
 * Every value of the context flags, indexed by irqs-off, need-resched, irq context and depth:
 * four characters, and a fifth, migrate-disable, from 5.17 (K.era.trace_irq_chars).
 */
const FLAGS4: string[] = [];
for (let off = 0; off < 2; off++)
  for (let nr = 0; nr < 2; nr++)
    for (let ctx = 0; ctx < 3; ctx++)
      for (let depth = 0; depth < 16; depth++) {
        FLAGS4.push((off ? "d" : ".") + (nr ? "N" : ".") + ".hs"[ctx] + (depth === 0 ? "." : depth.toString(16)));
      }
const FLAGS5 = FLAGS4.map((f) => `${f}.`);

/** irqs-off, need-resched, hardirq/softirq, preempt depth[, migrate-disable]: one table lookup. */
export function irqflags(t: task_struct): string {
  const cpu = activeEngine().runningCpu;
  const ctx = cpu.inIrq > 0 ? 1 : cpu.inSoftirq > 0 ? 2 : 0;
  const depth = t.preempt_count > 15 ? 15 : t.preempt_count;
  return (K.era.trace_irq_chars === 5 ? FLAGS5 : FLAGS4)[
    (((cpu.irqsOff > 0 ? 2 : 0) + (t.ti_flags & TIF_NEED_RESCHED ? 1 : 0)) * 3 + ctx) * 16 + depth
  ] as string;
}

/** Adds the context header ftrace puts before an event's own fields, and records it. */
function emit(ev: TraceEvent): void {
  const t = current();
  const cpu = smp_processor_id();
  K.trace.noteCurrent(cpu, t.pid, t.comm);
  // Filled into the event object itself: one allocation per event, no copying.
  const r = ev as TraceRecord;
  r.ts = local_clock();
  r.cpu = cpu;
  r.pid = t.pid;
  r.tgid = t.tgid;
  r.irqflags = irqflags(t);
  K.trace.push(r);
}

/** Whether the event is on; an event the release lacks never is (TraceBuffer.enable). */
function on(e: EventType): boolean {
  return K.trace.enabled[e];
}

/** `queued`: try_to_wake_up found the task still queued (2.6.32 then records success=0). */
function wakeup(type: "sched_waking" | "sched_wakeup" | "sched_wakeup_new", p: task_struct, queued: boolean): void {
  const ev: WakeupEvent = { type, comm: p.comm, tpid: p.pid, prio: p.prio, target_cpu: p.cpu };
  // 2.6.32–4.1 record success: 3.x always true, 2.6.32 the outcome of its try_to_wake_up.
  if (K.era.trace_wakeup_success) ev.success = queued && K.era.trace_legacy_formats ? 0 : 1;
  emit(ev);
}

export function trace_sched_waking(p: task_struct): void {
  if (on("sched_waking")) wakeup("sched_waking", p, false);
}

export function trace_sched_wakeup(p: task_struct, queued = false): void {
  if (on("sched_wakeup")) wakeup("sched_wakeup", p, queued);
}

export function trace_sched_wakeup_new(p: task_struct): void {
  if (on("sched_wakeup_new")) wakeup("sched_wakeup_new", p, false);
}

/** sched_migrate_task: p is about to move from its CPU to dest_cpu (set_task_cpu). */
export function trace_sched_migrate_task(p: task_struct, dest_cpu: number): void {
  if (on("sched_migrate_task"))
    emit({ type: "sched_migrate_task", comm: p.comm, tpid: p.pid, prio: p.prio, orig_cpu: p.cpu, dest_cpu });
}

/** The model's state bits (6.19 values) as the raw p->state of 2.6.32–4.13 (same bits there). */
const RAW_STATE: readonly [number, number][] = [
  [TASK_INTERRUPTIBLE, 1],
  [TASK_UNINTERRUPTIBLE, 2],
  [__TASK_STOPPED, 4],
  [__TASK_TRACED, 8],
  [TASK_DEAD, 64],
  [TASK_WAKEKILL, 128],
  [TASK_WAKING, 256],
  [TASK_PARKED, 512],
  [TASK_NOLOAD, 1024],
  [TASK_NEW, 2048],
  [TASK_FROZEN, 2], // a frozen task sleeps uninterruptibly in the older refrigerator
];

/**
 * __trace_sched_switch_state as the running release computes it (K.era.trace_prev_state):
 * one TASK_REPORT bit (4.14+) or the raw state bits the release has, or the preempted mark.
 * Up to 5.17 the state is read here, after a pending signal may have set it running.
 */
function switchState(preempt: boolean, prev_state: number, p: task_struct): number {
  const how = K.era.trace_prev_state;
  if (preempt && how.max !== 0 && !(how.plus_needs_preempt && K.cfg.preempt !== "full")) return how.max;
  const state = how.reread ? p.__state : prev_state;
  if (!how.raw) {
    const idx = __task_state_index(state, p.exit_state);
    return idx === 0 ? 0 : 1 << (idx - 1);
  }
  let raw = 0;
  for (const [model, bit] of RAW_STATE) if (state & model) raw |= bit;
  return raw & ((1 << how.letters.length) - 1);
}

export function trace_sched_switch(preempt: boolean, prev: task_struct, next: task_struct, prev_state: number): void {
  if (K.trace.enabled.sched_switch) {
    K.trace.saveCmdline(next.pid, next.comm);
    emit({
      type: "sched_switch",
      prev_comm: prev.comm,
      prev_pid: prev.pid,
      prev_prio: prev.prio,
      prev_state: switchState(preempt, prev_state, prev),
      next_comm: next.comm,
      next_pid: next.pid,
      next_prio: next.prio,
    });
  }
}

export function trace_sched_process_fork(parent: task_struct, child: task_struct): void {
  if (on("sched_process_fork")) {
    emit({
      type: "sched_process_fork",
      comm: parent.comm,
      tpid: parent.pid,
      child_comm: child.comm,
      child_pid: child.pid,
    });
  }
}

export function trace_sched_process_exit(p: task_struct, group_dead: boolean): void {
  if (on("sched_process_exit"))
    emit({ type: "sched_process_exit", comm: p.comm, tpid: p.pid, prio: p.prio, group_dead });
}

export function trace_sched_process_free(p: task_struct): void {
  if (on("sched_process_free")) emit({ type: "sched_process_free", comm: p.comm, tpid: p.pid, prio: p.prio });
}

/** sched_process_wait: a wait4/waitid begins; pid is the pid waited for (0: any child). */
export function trace_sched_process_wait(me: task_struct, pid: number): void {
  if (on("sched_process_wait")) emit({ type: "sched_process_wait", comm: me.comm, tpid: pid, prio: me.prio });
}

/** sched_wait_task: wait_task_inactive looks at p under its run queue's lock. */
export function trace_sched_wait_task(p: task_struct): void {
  if (on("sched_wait_task")) emit({ type: "sched_wait_task", comm: p.comm, tpid: p.pid, prio: p.prio });
}

/** sched_prepare_exec: begin_new_exec is past the point of no return; `p` still has its old comm. */
export function trace_sched_prepare_exec(p: task_struct, interp: string, filename: string): void {
  if (on("sched_prepare_exec")) emit({ type: "sched_prepare_exec", interp, filename, tpid: p.pid, comm: p.comm });
}

export function trace_sched_process_exec(p: task_struct, filename: string, old_pid: number): void {
  if (on("sched_process_exec")) emit({ type: "sched_process_exec", filename, tpid: p.pid, old_pid });
}

/** `clone_flags` as copy_process got them: before 5.3 with the exit signal in the low byte (fork.ts). */
export function trace_task_newtask(p: task_struct, clone_flags: number): void {
  if (on("task_newtask")) {
    const flags = clone_flags < 0 ? clone_flags + 0x100000000 : clone_flags;
    emit({
      type: "task_newtask",
      tpid: p.pid,
      comm: p.comm,
      clone_flags: flags,
      oom_score_adj: p.signal.oom_score_adj,
    });
  }
}

/** task_rename; the saved cmdline takes the new name after the event (which notes the old one). */
export function trace_task_rename(p: task_struct, comm: string): void {
  if (on("task_rename")) {
    emit({ type: "task_rename", tpid: p.pid, oldcomm: p.comm, newcomm: comm, oom_score_adj: p.signal.oom_score_adj });
  }
  K.trace.saveCmdline(p.pid, comm);
}

export function trace_sched_kthread_stop(p: task_struct): void {
  if (on("sched_kthread_stop")) emit({ type: "sched_kthread_stop", comm: p.comm, tpid: p.pid });
}

export function trace_sched_kthread_stop_ret(ret: number): void {
  if (on("sched_kthread_stop_ret")) emit({ type: "sched_kthread_stop_ret", ret });
}

/** The name %ps prints for a function: its symbol (an anonymous function has none). */
function symbol(fn: { name: string }): string {
  return fn.name || "0x0";
}

export function trace_sched_kthread_work_queue_work(worker: object, work: { func: { name: string } }): void {
  if (on("sched_kthread_work_queue_work")) {
    emit({
      type: "sched_kthread_work_queue_work",
      work: K.trace.hashedPointer(work),
      function: symbol(work.func),
      worker: K.trace.hashedPointer(worker),
    });
  }
}

export function trace_sched_kthread_work_execute_start(work: { func: { name: string } }): void {
  if (on("sched_kthread_work_execute_start")) {
    emit({ type: "sched_kthread_work_execute_start", work: K.trace.hashedPointer(work), function: symbol(work.func) });
  }
}

export function trace_sched_kthread_work_execute_end(work: object, func: { name: string }): void {
  if (on("sched_kthread_work_execute_end")) {
    emit({ type: "sched_kthread_work_execute_end", work: K.trace.hashedPointer(work), function: symbol(func) });
  }
}
