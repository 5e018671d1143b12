/**
 * The core scheduler (kernel/sched/core.c, 6.x): schedule(), wakeups, wake_up_new_task,
 * sched_fork, the tick, priorities and affinity.
 *
 * Modeling rule: what the kernel does under p->pi_lock or a runqueue lock happens inside
 * one step (synchronously), so no other CPU can see a half-done wakeup or switch; each
 * modeled function pays its cost at entry, before taking those locks.
 *
 * Size: longer than most files here, as core.c is the kernel's longest scheduler file: the wakeup
 * path, the switch and the tick share the runqueue helpers, and splitting them would put
 * try_to_wake_up and the schedule() it races with in different files.
 */
import { activeEngine, type Cpu, SWITCH } from "../../../sim/engine.js";
import { kfunc, kleaf, ksync } from "../../../sim/functions.js";
import { current, local_clock, smp_processor_id } from "../../include/current.js";
import {
  MAX_RT_PRIO,
  NICE_TO_PRIO,
  PF_IDLE,
  PF_NO_SETAFFINITY,
  SCHED_FIFO,
  SCHED_NORMAL,
  TASK_DEAD,
  TASK_NEW,
  TASK_NORMAL,
  TASK_RUNNING,
  TASK_UNINTERRUPTIBLE,
  TASK_WAKING,
  TIF_NEED_RESCHED,
  task_state_to_char,
} from "../../include/sched.js";
import type { task_struct } from "../../include/task_struct.js";
import {
  trace_sched_migrate_task,
  trace_sched_switch,
  trace_sched_wait_task,
  trace_sched_wakeup,
  trace_sched_wakeup_new,
  trace_sched_waking,
} from "../../include/trace/events/sched.js";
import { K } from "../../kernel.js";
import type { cpumask } from "../../lib/cpumask.js";
import { finishTaskSwitchDead } from "../exit.js";
import { check_hung_uninterruptible_tasks } from "../hung_task.js";
import { signal_pending_state } from "../signal.js";
import { schedule_timeout } from "../time/timer.js";
import { fair_sched_class } from "./fair.js";
import { fairSelectCpu, select_task_rq_fair } from "./fair_select.js";
import { idle_sched_class } from "./idle_task.js";
import {
  cpu_rq,
  DEQUEUE_SLEEP,
  ENQUEUE_INITIAL,
  ENQUEUE_WAKEUP,
  type rq,
  type sched_class,
  sched_prio_to_weight,
  TASK_ON_RQ_QUEUED,
  WF_FORK,
  WF_TTWU,
} from "./sched.js";
import { stop_sched_class } from "./stop_task.js";

/** Classes from highest to lowest; pick_next_task asks them in this order. */
const sched_classes: readonly sched_class[] = [stop_sched_class, fair_sched_class, idle_sched_class];
/** Models sched_class_above's order (the linker's order of the classes): higher ranks first. */
function schedClassRank(c: sched_class): number {
  return sched_classes.length - sched_classes.indexOf(c);
}

export function this_rq(): rq {
  return cpu_rq(smp_processor_id());
}
/** tasklab's own: the engine's CPU `cpu` (its clock, timers and current thread). */
function engineCpu(cpu: number): Cpu {
  return activeEngine().cpus[cpu] as Cpu;
}

// ---- preemption and interrupt masking -------------------------------------------------

export function preempt_disable(): void {
  current().preempt_count++;
}

/** Re-enables preemption; a pending reschedule is acted on at the next preemption point. */
export function preempt_enable(): void {
  const p = current();
  if (p.preempt_count === 0) return; // an underflow (after a reported bug) is ignored, as DEBUG_PREEMPT does
  if (--p.preempt_count === 0 && p.ti_flags & TIF_NEED_RESCHED) activeEngine().runningCpu.needResched = true;
}

export function preempt_enable_no_resched(): void {
  const p = current();
  if (p.preempt_count > 0) p.preempt_count--;
}

export function local_irq_disable(): void {
  activeEngine().runningCpu.irqsOff++;
}

export function local_irq_enable(): void {
  activeEngine().runningCpu.irqsOff--;
}

/**
 * set_current_state: the caller is about to sleep in `state`. Set it before testing the
 * condition it waits for, then schedule(): a wakeup in between sets it back to running
 * and schedule() returns at once. (In C this is a store with a full barrier; steps of the
 * model are atomic, so the plain store __set_current_state is the same thing here.)
 */
export function set_current_state(state: number): void {
  current().__state = state;
}

export const __set_current_state = set_current_state;

export function need_resched(): boolean {
  return (current().ti_flags & TIF_NEED_RESCHED) !== 0;
}

/** Marks rq's running task for rescheduling and tells its CPU (an IPI if remote). */
export const resched_curr = ksync(function resched_curr(rq: rq): void {
  const curr = rq.curr;
  if (curr.ti_flags & TIF_NEED_RESCHED) return;
  curr.ti_flags |= TIF_NEED_RESCHED;
  const e = activeEngine();
  const cpu = engineCpu(rq.cpu);
  if (cpu.halted) e.kick(cpu, local_clock() + e.costOfName("ipi_idle_wakeup"));
  else cpu.needResched = true;
});

// ---- priorities ------------------------------------------------------------------------

function set_load_weight(p: task_struct): void {
  p.se.weight = sched_prio_to_weight[p.static_prio - MAX_RT_PRIO] ?? 1024;
}

function normal_prio(p: task_struct): number {
  return p.policy === SCHED_FIFO ? MAX_RT_PRIO - 1 - p.rt_priority : p.static_prio;
}

/** Runs `change` with p off its queue, then puts it back (the kernel's sched_change guard). */
function withDequeued(p: task_struct, change: () => void): void {
  const rq = cpu_rq(p.cpu);
  const queued = p.on_rq === TASK_ON_RQ_QUEUED;
  const running = rq.curr === p;
  if (queued) p.sched_class.dequeue_task(rq, p, 0);
  change();
  if (queued) p.sched_class.enqueue_task(rq, p, 0);
  if (queued && !running && p.sched_class !== rq.curr.sched_class) wakeup_preempt(rq, p, 0);
}

/** set_user_nice: changes a SCHED_NORMAL task's nice level (-20..19). */
export function set_user_nice(p: task_struct, nice: number): void {
  withDequeued(p, () => {
    p.static_prio = NICE_TO_PRIO(Math.max(-20, Math.min(19, nice)));
    set_load_weight(p);
    p.normal_prio = normal_prio(p);
    p.prio = p.normal_prio;
  });
}

/** sched_setscheduler_nocheck for SCHED_NORMAL (priority 0) and SCHED_FIFO. */
export function sched_setscheduler_nocheck(p: task_struct, policy: number, sched_priority: number): void {
  withDequeued(p, () => {
    p.policy = policy;
    p.rt_priority = policy === SCHED_FIFO ? sched_priority : 0;
    p.normal_prio = normal_prio(p);
    p.prio = p.normal_prio;
    if (p.sched_class !== stop_sched_class && p.sched_class !== idle_sched_class) p.sched_class = fair_sched_class;
  });
}

/** Makes p the stop-class task of cpu (migration/N): SCHED_FIFO 99, runs before all else. */
export function sched_set_stop_task(cpu: number, p: task_struct): void {
  sched_setscheduler_nocheck(p, SCHED_FIFO, MAX_RT_PRIO - 1);
  withDequeued(p, () => {
    p.sched_class = stop_sched_class;
  });
  cpu_rq(cpu).stop = p;
}

// ---- affinity --------------------------------------------------------------------------

/**
 * Sets p's allowed CPUs. A sleeping task is only re-placed at its next wakeup; a queued,
 * not running task on a CPU it may no longer use is moved now. (Moving the running task
 * needs the stopper, which the model leaves out: it moves at its next wakeup.)
 */
export function do_set_cpus_allowed(p: task_struct, mask: cpumask): void {
  p.cpus_mask = mask;
  p.nr_cpus_allowed = mask.weight;
  if (mask.test(p.cpu) || p.on_rq !== TASK_ON_RQ_QUEUED || cpu_rq(p.cpu).curr === p) return;
  const dest = firstOnline(mask);
  if (dest < 0) return;
  deactivate_task(cpu_rq(p.cpu), p, 0);
  set_task_cpu(p, dest);
  activate_task(cpu_rq(dest), p, 0);
  wakeup_preempt(cpu_rq(dest), p, 0);
}

/**
 * migrate_tasks (sched_cpu_dying): every task still queued on a CPU going down moves to
 * `to`; one bound there loses its binding (select_fallback_rq).
 */
export function migrate_tasks(rq: rq, to: number): void {
  for (const p of [...rq.cfs.queue]) {
    deactivate_task(rq, p, 0);
    if (!p.cpus_mask.test(to)) do_set_cpus_allowed(p, K.cpu_possible_mask);
    set_task_cpu(p, to);
    activate_task(cpu_rq(to), p, 0);
    wakeup_preempt(cpu_rq(to), p, 0);
  }
}

/** set_cpus_allowed_ptr: -EINVAL when no CPU of the mask is online. */
export function set_cpus_allowed_ptr(p: task_struct, mask: cpumask): number {
  if (firstOnline(mask) < 0) return -22;
  do_set_cpus_allowed(p, mask);
  return 0;
}
/** Models cpumask_first_and(mask, cpu_online_mask): -1 for none. */
function firstOnline(mask: cpumask): number {
  for (const c of mask) if (K.cpu_online_mask.test(c)) return c;
  return -1;
}

/** __set_task_cpu: p's CPU; its queue-relative state (vruntime) moves with it. */
function __set_task_cpu(p: task_struct, cpu: number): void {
  if (p.cpu !== cpu) p.sched_class.migrate_task_rq(p, cpu_rq(p.cpu), cpu_rq(cpu));
  p.cpu = cpu;
  p.wake_cpu = cpu;
}

/**
 * set_task_cpu: traces sched_migrate_task (even for the same CPU: callers test first, except
 * the fork path up to 4.4) and counts a move in se.nr_migrations.
 */
export function set_task_cpu(p: task_struct, cpu: number): void {
  trace_sched_migrate_task(p, cpu);
  if (p.cpu !== cpu) p.se.nr_migrations++;
  __set_task_cpu(p, cpu);
}

// ---- enqueue / dequeue -----------------------------------------------------------------

export const activate_task = ksync(function activate_task(rq: rq, p: task_struct, flags: number): void {
  p.sched_class.enqueue_task(rq, p, flags);
  p.on_rq = TASK_ON_RQ_QUEUED;
  rq.nr_running++;
});

export const deactivate_task = ksync(function deactivate_task(rq: rq, p: task_struct, flags: number): void {
  // Dequeued while still on_rq, as dequeue_entity charges it first: a task going to sleep
  // moves its queue's min_vruntime up to where it got.
  p.sched_class.dequeue_task(rq, p, flags);
  p.on_rq = 0;
  rq.nr_running--;
});

/** Models wakeup_preempt (check_preempt_curr before 6.8): should p preempt rq's task? Then resched it. */
function preemptCurrIf(rq: rq, p: task_struct, flags: number): void {
  const curr = rq.curr;
  if (p.sched_class === curr.sched_class) {
    if (p.sched_class.wakeup_preempt(rq, p, flags)) resched_curr(rq);
  } else if (schedClassRank(p.sched_class) > schedClassRank(curr.sched_class)) {
    resched_curr(rq);
  }
}

/** wakeup_preempt (6.8+; read: kernel/sched/core.c of 6.4 and 6.8). */
const wakeup_preempt_68 = ksync(function wakeup_preempt(rq: rq, p: task_struct, flags: number): void {
  preemptCurrIf(rq, p, flags);
});

/** check_preempt_curr: the same check under its name before 6.8. */
const check_preempt_curr = ksync(function check_preempt_curr(rq: rq, p: task_struct, flags: number): void {
  preemptCurrIf(rq, p, flags);
});

/** The wakeup preemption check, by the running release's name for it. */
export function wakeup_preempt(rq: rq, p: task_struct, flags: number): void {
  if (K.era.wakeup_preempt_name === "wakeup_preempt") wakeup_preempt_68(rq, p, flags);
  else check_preempt_curr(rq, p, flags);
}

// ---- CPU selection ---------------------------------------------------------------------

/** is_cpu_allowed: p may run on cpu, and cpu is up. */
function is_cpu_allowed(p: task_struct, cpu: number): boolean {
  return p.cpus_mask.test(cpu) && K.cpu_online_mask.test(cpu);
}

/**
 * select_fallback_rq: none of p's CPUs is up (a per-CPU thread parked before its CPU came
 * online): the first allowed online CPU, else p loses its affinity (kthread_unpark binds
 * it again) and takes the first online CPU.
 */
function select_fallback_rq(p: task_struct): number {
  let dest = firstOnline(p.cpus_mask);
  if (dest >= 0) return dest;
  do_set_cpus_allowed(p, K.cpu_possible_mask);
  dest = firstOnline(p.cpus_mask);
  return dest >= 0 ? dest : p.cpu;
}

/**
 * 2.6.24's fork balancing (sched_fork: sched_balance_self(cpu, SD_BALANCE_FORK)), traced by
 * its name; the same idlest-CPU search as later releases' slow path.
 */
const sched_balance_self = ksync(function sched_balance_self(p: task_struct, cpu: number): number {
  return fairSelectCpu(p, cpu, WF_FORK);
});

/**
 * select_task_rq (inline in the kernel, so never traced): a task that may use one CPU goes
 * there; others ask their class (select_task_rq_fair; 2.6.24 chose inside try_to_wake_up
 * and sched_balance_self); a CPU that is not allowed or not up is replaced by
 * select_fallback_rq.
 */
export function select_task_rq(p: task_struct, cpu: number, wake_flags: number): number {
  if (p.nr_cpus_allowed > 1) {
    if (K.era.wake_up_new_task !== "activate") cpu = select_task_rq_fair(p, cpu, wake_flags);
    else if (wake_flags & WF_FORK) cpu = sched_balance_self(p, cpu);
    else cpu = fairSelectCpu(p, cpu, wake_flags);
  } else {
    cpu = p.cpus_mask.first();
  }
  return is_cpu_allowed(p, cpu) ? cpu : select_fallback_rq(p);
}

// ---- wakeups ---------------------------------------------------------------------------

/**
 * try_to_wake_up: if p sleeps in one of `state`, make it runnable. A task that set its
 * state but has not scheduled out yet is still on its queue: it is only set back to
 * running (ttwu_runnable), which is how a wakeup racing with going to sleep is never lost.
 * Returns 1 if p was woken, 0 if it was not in `state`. Takes p->pi_lock and the rq lock.
 */
export const try_to_wake_up = kleaf(function try_to_wake_up(p: task_struct, state: number, wake_flags: number) {
  const me = current();
  if (p === me) {
    if (!(p.__state & state)) return 0;
    trace_sched_waking(p);
    p.__state = TASK_RUNNING;
    trace_sched_wakeup(p, true);
    return 1;
  }
  preempt_disable();
  local_irq_disable();
  me.preempt_count++; // p->pi_lock
  let woken = 0;
  if (p.__state & state) {
    woken = 1;
    trace_sched_waking(p);
    if (p.on_rq === TASK_ON_RQ_QUEUED) {
      // ttwu_runnable: still queued (it set its state but has not switched out yet).
      me.preempt_count++;
      if (!p.on_cpu) wakeup_preempt(cpu_rq(p.cpu), p, wake_flags);
      p.__state = TASK_RUNNING;
      trace_sched_wakeup(p, true);
      me.preempt_count--;
    } else {
      p.__state = TASK_WAKING;
      const cpu = select_task_rq(p, p.wake_cpu, wake_flags | WF_TTWU);
      if (p.cpu !== cpu) set_task_cpu(p, cpu);
      if (ttwu_queue_cond(p, cpu)) {
        // The target CPU activates the task itself when the IPI gets there.
        cpu_rq(cpu).wake_list.push(p);
        send_call_function_single_ipi(cpu);
      } else {
        me.preempt_count++; // rq lock
        ttwu_do_activate(cpu_rq(cpu), p, wake_flags);
        me.preempt_count--;
      }
    }
  }
  me.preempt_count--;
  local_irq_enable();
  preempt_enable();
  return woken;
});

const ttwu_do_activate = ksync(function ttwu_do_activate(rq: rq, p: task_struct, wake_flags: number): void {
  activate_task(rq, p, ENQUEUE_WAKEUP);
  wakeup_preempt(rq, p, wake_flags);
  p.__state = TASK_RUNNING;
  trace_sched_wakeup(p);
});

/**
 * ttwu_queue_cond: from 6.1, a wakeup onto another CPU that has nothing running is handed to
 * that CPU (its wake list) instead of being done from here; then sched_wakeup is traced
 * there. Before (read: 5.10.7, 5.17), only a CPU that shares no cache with this one, or one
 * the wakee is still switching out of, got the wakeup queued: neither happens in the model
 * (one shared cache; a switch is one step), so the waker activates the task itself.
 * (The stop class is never queued so.)
 */
function ttwu_queue_cond(p: task_struct, cpu: number): boolean {
  if (!K.era.ttwu_queue_idle) return false;
  if (p.sched_class === stop_sched_class) return false;
  if (!K.cpu_online_mask.test(cpu) || !p.cpus_mask.test(cpu)) return false;
  if (cpu === smp_processor_id()) return false;
  return cpu_rq(cpu).nr_running === 0;
}

/** The IPI that makes `cpu` look at its wake list (waking it from idle). */
function send_call_function_single_ipi(cpu: number): void {
  const e = activeEngine();
  e.kick(engineCpu(cpu), local_clock() + e.costOfName("ipi_idle_wakeup"));
}

/**
 * sched_ttwu_pending (flush_smp_call_function_queue from the idle loop): activates the
 * tasks other CPUs queued for this one.
 */
export function sched_ttwu_pending(): void {
  const rq = this_rq();
  if (rq.wake_list.length === 0) return;
  const me = current();
  local_irq_disable();
  me.preempt_count++; // rq lock
  const list = rq.wake_list.splice(0);
  for (const p of list) ttwu_do_activate(rq, p, 0);
  me.preempt_count--;
  local_irq_enable();
}

/**
 * wait_task_inactive: waits until p is off its CPU and off its run queue, asleep in
 * `match_state`. Returns 0 if p's state stops matching meanwhile, else nonzero. Spins while
 * p is on a CPU; sleeps a jiffy at a time while it is preempted but queued. May sleep.
 */
export const wait_task_inactive = kfunc(function* wait_task_inactive(p: task_struct, match_state: number) {
  const relax = activeEngine().costOfName("spin_relax");
  for (;;) {
    if (match_state && !(p.__state & match_state)) return 0;
    if (p.on_cpu) {
      yield relax;
      continue;
    }
    // task_rq_lock (p->pi_lock, then the rq lock), under which the kernel traces the look.
    const me = current();
    local_irq_disable();
    me.preempt_count += 2;
    trace_sched_wait_task(p);
    me.preempt_count -= 2;
    local_irq_enable();
    if (p.on_rq === TASK_ON_RQ_QUEUED) {
      set_current_state(TASK_UNINTERRUPTIBLE);
      yield* schedule_timeout(1);
      continue;
    }
    return 1;
  }
});

/** wake_up_process: wakes p from any normal sleep (S or D). Returns 1 if it was asleep. */
export function wake_up_process(p: task_struct) {
  return try_to_wake_up(p, TASK_NORMAL, 0);
}

export function wake_up_state(p: task_struct, state: number) {
  return try_to_wake_up(p, state, 0);
}

/**
 * wake_up_new_task: the first wakeup of a forked task: NEW → R, a CPU chosen with fork
 * balancing within its allowed CPUs, enqueued as a new entity, sched_wakeup_new traced,
 * and the CPU's current task checked for preemption. Per release (§5.3): 3.10+ choose the
 * CPU here under p->pi_lock (3.x–4.8 find the task already R: sched_fork left it so);
 * 2.6.32 marks it TASK_WAKING, chooses, sets it R, then activates; 2.6.24 chooses nothing:
 * it activates the task on the CPU sched_fork picked.
 */
export const wake_up_new_task = kleaf(function wake_up_new_task(p: task_struct) {
  const me = current();
  const how = K.era.wake_up_new_task;
  local_irq_disable();
  me.preempt_count++; // p->pi_lock (2.6.x: the task's rq lock)
  if (how === "pi_lock") {
    p.__state = TASK_RUNNING;
    p.recent_used_cpu = p.cpu;
    // Up to 4.4 (4.8) the new task is placed with set_task_cpu, which traces the placement.
    if (K.era.fork_set_task_cpu) set_task_cpu(p, select_task_rq(p, p.cpu, WF_FORK));
    else __set_task_cpu(p, select_task_rq(p, p.cpu, WF_FORK));
  } else if (how === "waking") {
    // TASK_WAKING keeps the mask still while the CPU is chosen with the rq lock dropped.
    p.__state = TASK_WAKING;
    set_task_cpu(p, select_task_rq(p, p.cpu, WF_FORK));
    p.__state = TASK_RUNNING;
  }
  const rq = cpu_rq(p.cpu);
  me.preempt_count++; // rq lock
  activate_task(rq, p, ENQUEUE_INITIAL);
  trace_sched_wakeup_new(p);
  wakeup_preempt(rq, p, WF_FORK);
  me.preempt_count -= 2;
  local_irq_enable();
});

// ---- fork ------------------------------------------------------------------------------

/**
 * sched_fork: the child's scheduler state. From 4.9 it is TASK_NEW (no wakeup can reach
 * it) until wake_up_new_task; before, it is already TASK_RUNNING though on no run queue
 * (K.era.sched_fork_state), and 2.6.24 also chooses its CPU here (balance on fork). It
 * inherits the parent's normal priority, not a boosted one.
 */
export const sched_fork = kleaf(function sched_fork(_clone_flags: number, p: task_struct): number {
  p.on_rq = 0;
  p.se = { vruntime: 0, weight: 1024, exec_start: 0, sum_exec_runtime: 0, prev_sum_exec_runtime: 0, nr_migrations: 0 };
  p.__state = K.era.sched_fork_state === "NEW" ? TASK_NEW : TASK_RUNNING;
  p.prio = current().normal_prio;
  set_load_weight(p);
  p.sched_class = fair_sched_class;
  if (p.policy !== SCHED_NORMAL && p.policy !== SCHED_FIFO) p.policy = SCHED_NORMAL;
  if (p.policy === SCHED_FIFO) p.prio = p.normal_prio;
  // 2.6.24 balances here; up to 4.4 (4.8) the child is put on this CPU with set_task_cpu.
  if (K.era.wake_up_new_task === "activate") set_task_cpu(p, select_task_rq(p, p.cpu, WF_FORK));
  else if (K.era.fork_set_task_cpu) {
    const me = current();
    me.preempt_count++; // get_cpu()
    local_irq_disable();
    me.preempt_count++; // p->pi_lock
    set_task_cpu(p, smp_processor_id());
    me.preempt_count -= 2;
    local_irq_enable();
  }
  p.sched_class.task_fork(p);
  p.on_cpu = 0;
  p.preempt_count = 0;
  p.ti_flags &= ~TIF_NEED_RESCHED;
  return 0;
});

// ---- schedule --------------------------------------------------------------------------

const pick_next_task = ksync(function pick_next_task(rq: rq, prev: task_struct): task_struct {
  prev.sched_class.put_prev_task(rq, prev);
  for (const c of sched_classes) {
    const p = c.pick_next_task(rq);
    if (p !== null) return p;
  }
  return rq.idle;
});

/** Switches the CPU to next; prev's finishing (finish_task_switch) is done here too, since nothing can run between the two in the model. */
function context_switch(rq: rq, prev: task_struct, next: task_struct): void {
  next.on_cpu = 1;
  const e = activeEngine();
  e.setCurr(e.runningCpu, next.sim);
  rq.nr_switches++;
  rq.last_switch = local_clock();
  rq.softlockup_reported = false;
  prev.on_cpu = 0;
  if (prev.__state === TASK_DEAD) finishTaskSwitchDead(prev);
}

/**
 * __schedule: the core of schedule(). A task that is not TASK_RUNNING leaves its queue
 * (unless a signal it may be woken by is pending), the highest class's next task is
 * picked and the CPU switched to it. Returns the task that now runs on this CPU.
 */
export function __schedule(preempt: boolean): task_struct {
  const rq = this_rq();
  const prev = rq.curr;
  local_irq_disable();
  prev.preempt_count++; // rq lock
  prev.ti_flags &= ~TIF_NEED_RESCHED;
  activeEngine().runningCpu.needResched = false;
  const prev_state = prev.__state;
  if (!preempt && prev_state !== TASK_RUNNING) {
    if (signal_pending_state(prev_state, prev)) prev.__state = TASK_RUNNING;
    else deactivate_task(rq, prev, DEQUEUE_SLEEP);
  }
  const next = pick_next_task(rq, prev);
  if (next !== prev) {
    if (!preempt && prev_state !== TASK_RUNNING) prev.nvcsw++;
    else prev.nivcsw++;
    prev.last_switch_time = local_clock();
    rq.curr = next;
    trace_sched_switch(preempt, prev, next, prev_state);
    context_switch(rq, prev, next);
  }
  prev.preempt_count--;
  local_irq_enable();
  return next;
}

const PREEMPT_DISABLED = 1;
const SOFTIRQ_OFFSET = 0x100;
const HARDIRQ_OFFSET = 0x10000;

/**
 * schedule_debug: sleeping in atomic context is a bug. Called with schedule's own
 * preempt_disable() done, so a clean caller has a count of exactly 1. On a bug the count
 * is printed as preempt_count() shows it (irq offsets included) and reset, as Linux does,
 * so one bug is reported once. Returns false in interrupt context, where the model
 * cannot switch at all.
 */
function schedule_debug(prev: task_struct): boolean {
  const cpu = activeEngine().runningCpu;
  const count = prev.preempt_count + (cpu.inIrq > 0 ? HARDIRQ_OFFSET : 0) + (cpu.inSoftirq > 0 ? SOFTIRQ_OFFSET : 0);
  if (count === PREEMPT_DISABLED) return true;
  activeEngine().report({
    kind: "atomic-sleep",
    title: `BUG: scheduling while atomic: ${prev.comm}/${prev.pid}/0x${count.toString(16).padStart(8, "0")}`,
    lines: ["Call Trace:", ...prev.sim.backtrace().map((f) => ` ${f}`)],
  });
  prev.preempt_count = PREEMPT_DISABLED;
  return cpu.inIrq + cpu.inSoftirq === 0;
}

/**
 * schedule: gives up the CPU. The caller has set its state first (S, D, …) and will
 * sleep until woken; with TASK_RUNNING it only yields to a task that should run first.
 * Must not be called in atomic context (reported as "scheduling while atomic").
 */
export const schedule = kfunc(function* schedule() {
  const prev = current();
  preempt_disable();
  if (!schedule_debug(prev)) {
    preempt_enable_no_resched();
    return;
  }
  for (;;) {
    if (__schedule(false) !== prev) yield SWITCH;
    preempt_enable_no_resched();
    if (!need_resched()) break;
    preempt_disable();
  }
});

/** schedule() for a caller that runs with preemption disabled, which stays disabled. */
export const schedule_preempt_disabled = kfunc(function* schedule_preempt_disabled() {
  preempt_enable_no_resched();
  yield* schedule();
  preempt_disable();
});

/** The idle task's way into the scheduler (no atomic check: idle runs preempt-disabled). */
export const schedule_idle = kfunc(function* schedule_idle() {
  if (__schedule(false) !== current()) yield SWITCH;
});

/** cond_resched: reschedules if needed (the only preemption point of PREEMPT_NONE kernel code). */
export const cond_resched = kfunc(function* cond_resched() {
  const p = current();
  if (p.ti_flags & TIF_NEED_RESCHED && p.preempt_count === 0) {
    preempt_disable();
    if (__schedule(true) !== p) yield SWITCH;
    preempt_enable_no_resched();
  }
});

/** Engine hook at a preemption point with a reschedule pending (preempt_schedule_irq). */
export function schedPreemptHook(cpu: Cpu): void {
  cpu.needResched = false;
  const rq = cpu_rq(cpu.id);
  const curr = rq.curr;
  if (!(curr.ti_flags & TIF_NEED_RESCHED) || curr === rq.idle) return;
  // User mode is preemptible under every preemption model (the return from the tick interrupt).
  if (curr.preempt_count !== 0 || (K.cfg.preempt !== "full" && !curr.thread.user_mode)) return;
  curr.preempt_count++; // preempt_schedule_irq's preempt_disable
  __schedule(true);
  curr.preempt_count--;
}

/**
 * sched_tick: the periodic tick on a busy CPU: account the running task, preempt it if
 * its slice is used up, and run the soft-lockup watchdog and, every hung_task_timeout_secs,
 * the hung task check (khungtaskd's, without its thread). Returns the tick's cost.
 */
export function sched_tick(cpu: Cpu): number {
  const rq = cpu_rq(cpu.id);
  const curr = rq.curr;
  if (curr.sched_class.task_tick(rq, curr)) resched_curr(rq);
  if (!rq.softlockup_reported && cpu.clock - rq.last_switch > K.cfg.softlockup_thresh) {
    rq.softlockup_reported = true;
    const secs = Math.floor((cpu.clock - rq.last_switch) / 1e9);
    activeEngine().report({
      kind: "softlockup",
      title: `watchdog: BUG: soft lockup - CPU#${cpu.id} stuck for ${secs}s! [${curr.comm}:${curr.pid}]`,
      lines: ["Call Trace:", ...curr.sim.backtrace().map((f) => ` ${f}`)],
    });
  }
  const timeout = K.cfg.hung_task_timeout_secs * 1e9;
  if (timeout > 0 && cpu.clock - K.hung_task_last_checked >= timeout) check_hung_uninterruptible_tasks(cpu.clock);
  return activeEngine().costOfName("sched_tick");
}

/** sched_show_task: a task's line of scheduler facts, then its call trace. */
export function sched_show_task(p: task_struct): string[] {
  const state = task_state_to_char(p);
  const hex = (n: number, w: number) => n.toString(16).padStart(w, "0");
  return [
    `task:${p.comm.padEnd(15)} state:${state}${p.__state === TASK_RUNNING ? "  running task    " : ""} stack:0     pid:${String(p.pid).padEnd(5)} tgid:${String(p.tgid).padEnd(5)} ppid:${String(p.real_parent.pid).padEnd(6)} task_flags:0x${hex(p.flags, 4)} flags:0x${hex(p.ti_flags, 8)}`,
    "Call Trace:",
    ...p.sim.backtrace().map((f) => ` ${f}`),
  ];
}

/** init_idle: makes `idle` the idle task of `cpu` (swapper/N, idle class, pid 0). */
export function init_idle(idle: task_struct, cpu: number): void {
  idle.__state = TASK_RUNNING;
  idle.se.exec_start = 0;
  idle.flags |= PF_IDLE | PF_NO_SETAFFINITY;
  idle.cpu = cpu;
  idle.wake_cpu = cpu;
  idle.on_cpu = 1;
  idle.on_rq = TASK_ON_RQ_QUEUED;
  idle.sched_class = idle_sched_class;
  idle.preempt_count = 1;
  idle.comm = K.era.idle_comm === "swapper" ? "swapper" : `swapper/${cpu}`; // ≤2.6.32: all "swapper"
  const rq = cpu_rq(cpu);
  rq.idle = idle;
  rq.curr = idle;
}
