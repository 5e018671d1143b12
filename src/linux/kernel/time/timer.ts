/**
 * Timers and timed sleeps (kernel/time/timer.c, sleep_timeout.c): jiffies, timers that
 * fire in irq context on the CPU that armed them, schedule_timeout and msleep.
 */
import { registerCode } from "../../../sim/code.js";
import { activeEngine, EngineStall, type KGen, type Timer, type TimerFn } from "../../../sim/engine.js";
import { kfunc } from "../../../sim/functions.js";
import { current, local_clock } from "../../include/current.js";
import { TASK_UNINTERRUPTIBLE } from "../../include/sched.js";
import type { task_struct } from "../../include/task_struct.js";
import { K } from "../../kernel.js";
import { schedule, wake_up_process } from "../sched/core.js";

export const MAX_SCHEDULE_TIMEOUT = Number.MAX_SAFE_INTEGER;

export function tick_nsec(): number {
  return Math.round(1e9 / K.cfg.hz);
}

export function jiffies(): number {
  return Math.floor(local_clock() / tick_nsec());
}

export function msecs_to_jiffies(ms: number): number {
  return Math.ceil((ms * 1e6) / tick_nsec());
}

/**
 * Runs modeled code in irq context on this CPU: it must not sleep. Returns the time it
 * took, which the engine charges to the CPU after the interrupt.
 * Models irq_enter / irq_exit around a handler.
 */
export function runInIrq(g: KGen<unknown>): number {
  let cost = 0;
  let spins = 0;
  for (let r = g.next(); !r.done; r = g.next()) {
    if (r.value < 0) throw new Error("modeled irq code tried to sleep");
    // An interrupt handler that spins on a lock held by the code it interrupted (or by a
    // CPU that cannot run meanwhile) never gets it: a deadlock, reported, not a host hang.
    if (++spins > 100_000) throw new EngineStall("an interrupt handler spun on a lock that is never released");
    cost += r.value;
  }
  return cost;
}

/**
 * A timer callback that runs modeled function `fn` on the timer's argument in irq context.
 * Made once at module level per function (a timer keeps `{fn, arg}`, never a closure).
 * Models call_timer_fn (timer callback glue).
 */
export function irqTimerFn<A>(fn: (arg: A) => KGen<unknown>): TimerFn<A> {
  const timer_fn: TimerFn<A> = (arg) => runInIrq(fn(arg));
  registerCode(`irq_timer_fn:${fn.name}`, timer_fn);
  return timer_fn;
}

/**
 * Arms a timer that runs `fn(arg)` in irq context at jiffy `expires` on this CPU.
 * Models add_timer_on (timer on smp_processor_id()).
 */
export function addTimerOnThisCpu<A>(expires_jiffies: number, fn: TimerFn<A>, arg: A): Timer {
  const e = activeEngine();
  return e.addTimer(e.runningCpu, expires_jiffies * tick_nsec(), fn, arg);
}

export function del_timer(t: Timer): void {
  activeEngine().delTimer(t);
}

const process_timeout = kfunc(function* process_timeout(p: task_struct) {
  yield* wake_up_process(p);
});
/** Models process_timeout, run in irq context. */
const processTimeoutIrq = irqTimerFn(process_timeout);

/**
 * schedule_timeout: sleeps (in the state the caller set) for at most `timeout` jiffies.
 * Returns 0 when the time ran out, else the jiffies left when woken early.
 */
export const schedule_timeout = kfunc(function* schedule_timeout(timeout: number) {
  if (timeout === MAX_SCHEDULE_TIMEOUT) {
    yield* schedule();
    return timeout;
  }
  const expire = jiffies() + timeout;
  const p = current();
  const timer = addTimerOnThisCpu(expire, processTimeoutIrq, p);
  yield* schedule();
  del_timer(timer);
  return Math.max(0, expire - jiffies());
});

export const schedule_timeout_uninterruptible = kfunc(function* schedule_timeout_uninterruptible(timeout: number) {
  current().__state = TASK_UNINTERRUPTIBLE;
  return yield* schedule_timeout(timeout);
});

/** msleep: sleeps uninterruptibly for at least `ms` milliseconds. */
export const msleep = kfunc(function* msleep(ms: number) {
  let timeout = msecs_to_jiffies(ms) + 1;
  while (timeout > 0) timeout = yield* schedule_timeout_uninterruptible(timeout);
});

/**
 * schedule_hrtimeout (kernel/time/sleep_timeout.c): sleeps, in the state the caller set,
 * for `ns` nanoseconds on a high-resolution timer, or until woken.
 */
export const schedule_hrtimeout = kfunc(function* schedule_hrtimeout(ns: number) {
  const e = activeEngine();
  const p = current();
  const timer = e.addTimer(e.runningCpu, local_clock() + ns, hrtimerWakeupIrq, p);
  yield* schedule();
  del_timer(timer);
});

const hrtimer_wakeup = kfunc(function* hrtimer_wakeup(p: task_struct) {
  yield* wake_up_process(p);
});
/** Models hrtimer_wakeup, run in irq context. */
const hrtimerWakeupIrq = irqTimerFn(hrtimer_wakeup);
