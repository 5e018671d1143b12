/**
 * The body of a kernel thread that waits for work the model does not generate: sleep in
 * `state` until kthread_stop(), freezing when asked. Daemons whose real work is outside task creation
 * (kswapd, khungtaskd, the RCU threads, …) run this, so they exist, sleep and stop as
 * the real ones do.
 */
import type { KGen } from "../../sim/engine.js";
import { current } from "../include/current.js";
import { TASK_IDLE, TASK_INTERRUPTIBLE, TASK_RUNNING } from "../include/sched.js";
import { K } from "../kernel.js";
import { try_to_freeze } from "./freezer.js";
import { kthread_should_stop } from "./kthread.js";
import { schedule } from "./sched/core.js";

/** tasklab's own: main loop of daemons whose work is not modeled. */
export function* kthreadIdleLoop(state: number): KGen<number> {
  const me = current();
  // Before 4.14 the idle sleepers (kworkers, RCU's threads) slept interruptibly.
  const sleep = state === TASK_IDLE && !K.era.task_idle ? TASK_INTERRUPTIBLE : state;
  for (;;) {
    me.__state = sleep;
    if (kthread_should_stop()) break;
    yield* schedule();
    yield* try_to_freeze(); // a freezable daemon freezes when the freezer wakes it
  }
  me.__state = TASK_RUNNING;
  return 0;
}

/** tasklab's own: a thread function that sleeps (S) until kthread_stop(), then returns 0. */
export function* sleepUntilStopped(_data: unknown): KGen<number> {
  return yield* kthreadIdleLoop(TASK_INTERRUPTIBLE);
}
