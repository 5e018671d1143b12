import { describe, expect, it } from "vitest";
import { IS_ERR } from "../../src/linux/include/err.js";
import { TASK_INTERRUPTIBLE, TASK_NORMAL } from "../../src/linux/include/sched.js";
import { kthread_bind, kthread_create } from "../../src/linux/kernel/kthread.js";
import { wake_up_process } from "../../src/linux/kernel/sched/core.js";
import { __wake_up, init_waitqueue_head, wait_event } from "../../src/linux/kernel/sched/wait.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { problems } from "../../src/run.js";
import { records, runMain } from "../helpers.js";

/**
 * A consumer on CPU 0 waits for a flag; a producer on CPU 1 sets it and wakes the queue
 * `delay` ns after starting. Returns whether the consumer woke, and whether the wakeup
 * came while the consumer was between setting its state and scheduling out (the race).
 */
function race(delay: number): { woke: boolean; raced: boolean } {
  const wq = init_waitqueue_head();
  let flag = false;
  let woke = false;
  function* consumer(): Generator<number, number, unknown> {
    yield* wait_event(wq, TASK_INTERRUPTIBLE, () => flag);
    woke = true;
    return 0;
  }
  function* producer(): Generator<number, number, unknown> {
    yield delay;
    flag = true;
    yield* __wake_up(wq, TASK_NORMAL, 1);
    return 0;
  }
  const r = runMain(
    function* () {
      const c = yield* kthread_create(consumer, null, "consumer");
      const p = yield* kthread_create(producer, null, "producer");
      if (IS_ERR(c) || IS_ERR(p)) return;
      kthread_bind(c, 0);
      kthread_bind(p, 1);
      yield* wake_up_process(c);
      yield* wake_up_process(p);
      yield* msleep(5);
    },
    { cpus: 2 },
  );
  expect(problems(r.reports)).toEqual([]);
  // The race: the producer's wakeup of the consumer while the consumer still runs.
  let running = false;
  let raced = false;
  for (const e of records(r)) {
    if (e.type === "sched_switch" && e.next_comm === "consumer") running = true;
    if (e.type === "sched_switch" && e.prev_comm === "consumer") running = false;
    if (e.type === "sched_waking" && e.comm === "consumer" && e.pid !== 1 && running) raced = true;
  }
  return { woke, raced };
}

describe("wait queues", () => {
  it("never lose a wakeup that races with going to sleep (the sleeper's state is set back to running)", () => {
    let raced = 0;
    for (let delay = 15_000; delay <= 30_000; delay += 50) {
      const r = race(delay);
      expect(r.woke, `delay ${delay}`).toBe(true);
      if (r.raced) raced++;
    }
    // The scan must have hit the window at least once, or this test proves nothing.
    expect(raced).toBeGreaterThan(0);
  });
});
