/**
 * Test-only scenarios, each broken in the one way a detector looks for: locks taken in
 * both orders, a task left in D for seconds, a wakeup that never comes, a broken invariant.
 */

import { IS_ERR } from "../../src/linux/include/err.js";
import { TASK_UNINTERRUPTIBLE } from "../../src/linux/include/sched.js";
import type { completion, task_struct, wait_queue_head } from "../../src/linux/include/task_struct.js";
import { kthread_create, kthread_run } from "../../src/linux/kernel/kthread.js";
import { kthread_stop } from "../../src/linux/kernel/kthread_control.js";
import {
  DEFINE_SPINLOCK,
  spin_lock,
  spin_lock_irq,
  spin_unlock,
  spin_unlock_irq,
} from "../../src/linux/kernel/locking/spinlock.js";
import { complete, init_completion, wait_for_completion } from "../../src/linux/kernel/sched/completion.js";
import { init_waitqueue_head, wait_event } from "../../src/linux/kernel/sched/wait.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { mdelay } from "../../src/linux/lib/delay.js";
import { defineScenario } from "../../src/scenarios/scenario.js";

const lock_a = DEFINE_SPINLOCK("lock_a");
const lock_b = DEFINE_SPINLOCK("lock_b");
const lock_c = DEFINE_SPINLOCK("lock_c");

function* take_a_then_b() {
  yield* spin_lock(lock_a);
  yield* spin_lock_irq(lock_b);
  spin_unlock_irq(lock_b);
  spin_unlock(lock_a);
  return 0;
}

/** A kthread takes lock_a then lock_b; later pid 1 takes lock_b then lock_a (never at the same time). */
export const abba = defineScenario({
  name: "abba",
  description: "two spinlocks taken in both orders, one after the other",
  *main() {
    yield* kthread_run(take_a_then_b, null, "ab");
    yield* msleep(1);
    yield* spin_lock_irq(lock_b);
    yield* spin_lock(lock_a);
    spin_unlock(lock_a);
    spin_unlock_irq(lock_b);
  },
});

function* take_b_then_c() {
  yield* spin_lock(lock_b);
  yield* spin_lock(lock_c);
  spin_unlock(lock_c);
  spin_unlock(lock_b);
  return 0;
}

/** lock_a → lock_b and lock_b → lock_c by two kthreads, then lock_c → lock_a by pid 1. */
export const abc = defineScenario({
  name: "abc",
  description: "three spinlocks in a cycle of orders",
  *main() {
    yield* kthread_run(take_a_then_b, null, "ab");
    yield* kthread_run(take_b_then_c, null, "bc");
    yield* msleep(1);
    yield* spin_lock(lock_c);
    yield* spin_lock(lock_a);
    spin_unlock(lock_a);
    spin_unlock(lock_c);
  },
});

let done: completion;

function* waiter() {
  yield* wait_for_completion(done);
  return 0;
}

/** A kthread waits (D) on a completion that pid 1 completes 2.5 s later, busy meanwhile. */
export const slowComplete = defineScenario({
  name: "slow-complete",
  description: "a kthread left in D for 2.5 s, then woken",
  *main() {
    done = init_completion();
    yield* kthread_run(waiter, null, "waiter");
    yield* mdelay(2500);
    yield* complete(done);
  },
});

/** A kthread waits on a completion nobody completes; pid 1 is busy for 1.5 s and returns. */
export const neverCompleted = defineScenario({
  name: "never-completed",
  description: "a kthread waits on a completion nobody completes",
  *main() {
    done = init_completion();
    yield* kthread_run(waiter, null, "waiter");
    yield* mdelay(1500);
  },
});

let wq: wait_queue_head;

/** Sleeps (D) on `wq` until a condition nobody ever makes true. */
function* sleeper() {
  yield* wait_event(wq, TASK_UNINTERRUPTIBLE, () => false);
  return 0;
}

/**
 * kthread_stop on a thread sleeping on a wait queue for a condition that never holds: the
 * stop's wakeup finds it false, the thread sleeps again, and pid 1 waits for its exit for ever.
 */
export const stopSleeper = defineScenario({
  name: "stop-sleeper",
  description: "pid 1 waits for the exit of a thread that sleeps for ever",
  *main() {
    wq = init_waitqueue_head();
    const t = yield* kthread_run(sleeper, null, "sleeper");
    if (IS_ERR(t)) return;
    yield* msleep(1);
    yield* kthread_stop(t as task_struct);
  },
});

/** A kthread created and never woken: a legitimate end state, not a deadlock. */
export const createOnly = defineScenario({
  name: "create-only",
  description: "kthread_create without a wakeup",
  *main() {
    yield* kthread_create(waiter, null, "unwoken");
  },
});

/** lock_a is held for a while by a kthread; free again when the run ends. */
export const holdsLock = defineScenario({
  name: "holds-lock",
  description: "invariants about lock_a and the tasks",
  *main() {
    yield* kthread_run(take_a_then_b, null, "ab");
    yield* msleep(1);
  },
  invariants: [
    { name: "lock_a-free", always: true, check: () => (lock_a.owner === null ? null : `held by ${lock_a.owner.comm}`) },
    { name: "few-processes", check: (m) => (m.tasks().length <= 3 ? null : `${m.tasks().length} processes`) },
    {
      name: "throws",
      check: () => {
        throw new Error("no such thing");
      },
    },
  ],
});
