/**
 * Completions (kernel/sched/completion.c): a count of "done" events and a queue of
 * waiters. complete() adds one and wakes one waiter; complete_all() makes it done for
 * everyone; a waiter consumes one. The waits differ in the state they sleep in.
 */
import { kfunc } from "../../../sim/functions.js";
import { current } from "../../include/current.js";
import { ERESTARTSYS } from "../../include/errno.js";
import { TASK_INTERRUPTIBLE, TASK_KILLABLE, TASK_NORMAL, TASK_UNINTERRUPTIBLE } from "../../include/sched.js";
import type { completion } from "../../include/task_struct.js";
import { list_add_tail, list_del_init, list_empty, list_first_entry } from "../../lib/list.js";
import { spin_lock_irq, spin_unlock_irq } from "../locking/spinlock.js";
import { signal_pending_state } from "../signal.js";
import { MAX_SCHEDULE_TIMEOUT, schedule_timeout } from "../time/timer.js";
import { try_to_wake_up } from "./core.js";
import { init_wait_entry, init_waitqueue_head } from "./wait.js";

const UINT_MAX = 0xffffffff;

export function init_completion(): completion {
  return { done: 0, wait: init_waitqueue_head() };
}

export function completion_done(x: completion): boolean {
  return x.done > 0;
}

/** complete: signals one waiter (or the next one to wait). Does not sleep. */
export const complete = kfunc(function* complete(x: completion) {
  const lock = x.wait.lock;
  yield* spin_lock_irq(lock);
  if (x.done !== UINT_MAX) x.done++;
  if (!list_empty(x.wait.head)) {
    const w = list_first_entry(x.wait.head);
    list_del_init(w.node);
    yield* try_to_wake_up(w.task, TASK_NORMAL, 0);
  }
  spin_unlock_irq(lock);
});

/** complete_all: every current and future waiter passes. Does not sleep. */
export const complete_all = kfunc(function* complete_all(x: completion) {
  const lock = x.wait.lock;
  yield* spin_lock_irq(lock);
  x.done = UINT_MAX;
  while (!list_empty(x.wait.head)) {
    const w = list_first_entry(x.wait.head);
    list_del_init(w.node);
    yield* try_to_wake_up(w.task, TASK_NORMAL, 0);
  }
  spin_unlock_irq(lock);
});

/**
 * The common wait: sleeps in `state` until done or `timeout` jiffies pass. Returns the
 * jiffies left (at least 1) when done, 0 on timeout, -ERESTARTSYS if a signal that may
 * interrupt `state` is pending.
 */
const wait_for_common = kfunc(function* wait_for_common(x: completion, timeout: number, state: number) {
  const lock = x.wait.lock;
  yield* spin_lock_irq(lock);
  if (!x.done) {
    const me = current();
    const w = init_wait_entry(me, true);
    list_add_tail(w.node, x.wait.head);
    do {
      if (signal_pending_state(state, me)) {
        timeout = -ERESTARTSYS;
        break;
      }
      if (list_empty(w.node)) list_add_tail(w.node, x.wait.head);
      me.__state = state;
      me.blocker = x;
      spin_unlock_irq(lock);
      timeout = yield* schedule_timeout(timeout);
      me.blocker = null;
      yield* spin_lock_irq(lock);
    } while (!x.done && timeout > 0);
    if (!list_empty(w.node)) list_del_init(w.node);
    if (!x.done) {
      spin_unlock_irq(lock);
      return timeout;
    }
  }
  if (x.done !== UINT_MAX) x.done--;
  spin_unlock_irq(lock);
  return timeout || 1;
});

/** Waits uninterruptibly (D) for x. May sleep. */
export const wait_for_completion = kfunc(function* wait_for_completion(x: completion) {
  yield* wait_for_common(x, MAX_SCHEDULE_TIMEOUT, TASK_UNINTERRUPTIBLE);
});

/** Waits killably (shown as D): returns 0, or -ERESTARTSYS if a fatal signal arrived. */
export const wait_for_completion_killable = kfunc(function* wait_for_completion_killable(x: completion) {
  const t = yield* wait_for_common(x, MAX_SCHEDULE_TIMEOUT, TASK_KILLABLE);
  return t === -ERESTARTSYS ? t : 0;
});

/** Waits interruptibly (S): returns 0, or -ERESTARTSYS if any signal arrived. */
export const wait_for_completion_interruptible = kfunc(function* wait_for_completion_interruptible(x: completion) {
  const t = yield* wait_for_common(x, MAX_SCHEDULE_TIMEOUT, TASK_INTERRUPTIBLE);
  return t === -ERESTARTSYS ? t : 0;
});

/** Waits uninterruptibly for at most `timeout` jiffies: 0 on timeout, else jiffies left. */
export const wait_for_completion_timeout = kfunc(function* wait_for_completion_timeout(x: completion, timeout: number) {
  return yield* wait_for_common(x, timeout, TASK_UNINTERRUPTIBLE);
});

/** Waits in any sleep state (killable and freezable, say): 0, or -ERESTARTSYS on a signal that may wake it. */
export const wait_for_completion_state = kfunc(function* wait_for_completion_state(x: completion, state: number) {
  const t = yield* wait_for_common(x, MAX_SCHEDULE_TIMEOUT, state);
  return t === -ERESTARTSYS ? t : 0;
});
