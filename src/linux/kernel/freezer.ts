/**
 * The freezer (kernel/freezer.c, kernel/power/process.c), for kernel threads: while the
 * system freezes, a freezable thread (one that called set_freezable(), dropping the
 * PF_NOFREEZE it inherited from kthreadd) parks itself in TASK_FROZEN at its next
 * try_to_freeze() or kthread_freezable_should_stop(), until thawed. Frozen tasks report as D.
 */
import { kfunc } from "../../sim/functions.js";
import { current, local_clock } from "../include/current.js";
import { EBUSY } from "../include/errno.js";
import {
  PF_KTHREAD,
  PF_NOFREEZE,
  TASK_FROZEN,
  TASK_INTERRUPTIBLE,
  TASK_NORMAL,
  TASK_RUNNING,
} from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { kthread_should_stop } from "./kthread.js";
import { schedule, wake_up_state } from "./sched/core.js";
import { msleep } from "./time/timer.js";

/** freezing: the freezer wants p frozen (kernel threads only while kernel threads freeze). */
export function freezing(p: task_struct): boolean {
  if (p.flags & PF_NOFREEZE) return false;
  return K.pm_nosig_freezing || (K.pm_freezing && !(p.flags & PF_KTHREAD));
}

export function frozen(p: task_struct): boolean {
  return (p.__state & TASK_FROZEN) !== 0;
}

/**
 * __refrigerator: sleeps in TASK_FROZEN while freezing (or until kthread_stop, if asked to
 * check). Returns whether it was frozen. May sleep.
 */
export const __refrigerator = kfunc(function* __refrigerator(check_kthr_stop: boolean) {
  const me = current();
  let was_frozen = false;
  for (;;) {
    me.__state = TASK_FROZEN;
    if (!freezing(me) || (check_kthr_stop && kthread_should_stop())) break;
    was_frozen = true;
    yield* schedule();
  }
  me.__state = TASK_RUNNING;
  return was_frozen;
});

/** try_to_freeze: enters the refrigerator if the freezer asks. May sleep. */
export const try_to_freeze = kfunc(function* try_to_freeze() {
  if (!freezing(current())) return false;
  return yield* __refrigerator(false);
});

/** set_freezable: the current kernel thread agrees to be frozen. */
export const set_freezable = kfunc(function* set_freezable() {
  current().flags &= ~PF_NOFREEZE;
  return yield* try_to_freeze();
});

/**
 * freeze_task: wakes a task the freezer wants, so that it freezes itself: a kernel thread
 * from any sleep, a user task only from an interruptible one (fake_signal_wake_up).
 */
function* freeze_task(p: task_struct) {
  if (!freezing(p) || frozen(p)) return false;
  yield* wake_up_state(p, p.flags & PF_KTHREAD ? TASK_NORMAL : TASK_INTERRUPTIBLE);
  return true;
}

/** How long the freezer waits for every freezable task (freeze_timeout_msecs: 20 s), ns. */
const FREEZE_TIMEOUT = 20e9;

/**
 * freeze_kernel_threads: asks every freezable kernel thread to freeze and waits until all
 * are frozen. Returns 0, or -EBUSY (all thawed again) when some did not freeze in time.
 * May sleep.
 */
export const freeze_kernel_threads = kfunc(function* freeze_kernel_threads() {
  K.pm_nosig_freezing = true;
  const me = current();
  const deadline = local_clock() + FREEZE_TIMEOUT;
  for (;;) {
    let todo = 0;
    for (const p of K.init_task.tasks) {
      if (p !== me && (yield* freeze_task(p))) todo++;
    }
    if (todo === 0) return 0;
    if (local_clock() >= deadline) {
      yield* thaw_kernel_threads();
      return -EBUSY;
    }
    yield* msleep(1);
  }
});

/** thaw_kernel_threads: ends the freeze of kernel threads and wakes the frozen ones. */
export const thaw_kernel_threads = kfunc(function* thaw_kernel_threads() {
  K.pm_nosig_freezing = false;
  for (const p of K.init_task.tasks) if (p.flags & PF_KTHREAD && frozen(p)) yield* wake_up_state(p, TASK_FROZEN);
});
