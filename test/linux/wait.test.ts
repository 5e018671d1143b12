import { describe, expect, it } from "vitest";
import { IS_ERR } from "../../src/linux/include/err.js";
import { TASK_INTERRUPTIBLE, TASK_NORMAL } from "../../src/linux/include/sched.js";
import { kthread_create } from "../../src/linux/kernel/kthread.js";
import { kthread_bind } from "../../src/linux/kernel/kthread_control.js";
import { wake_up_process } from "../../src/linux/kernel/sched/core.js";
import { __wake_up, init_waitqueue_head, wait_event } from "../../src/linux/kernel/sched/wait.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { problems } from "../../src/run.js";
import { activeEngine } from "../../src/sim/engine.js";
import { records, runMain } from "../helpers.js";

/**
 * A consumer on CPU 0 waits (after 50 µs) for a flag; a producer on CPU 1 sets it and wakes
 * the queue `delay` ns after it starts. Returns whether the consumer woke, whether the
 * wakeup came while the consumer was between setting its state and switching out (the
 * race), and when the consumer first tested the flag relative to the producer's start.
 */
function race(delay: number): { woke: boolean; raced: boolean; checkOffset: number } {
  const wq = init_waitqueue_head();
  let flag = false;
  let woke = false;
  let producerStart = 0;
  let firstCheck = 0;
  function* consumer(): Generator<number, number, unknown> {
    yield 50_000;
    yield* wait_event(wq, TASK_INTERRUPTIBLE, () => {
      if (firstCheck === 0) firstCheck = activeEngine().runningCpu.clock;
      return flag;
    });
    woke = true;
    return 0;
  }
  function* producer(): Generator<number, number, unknown> {
    producerStart = activeEngine().runningCpu.clock;
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
      yield* kthread_bind(c, 0);
      yield* kthread_bind(p, 1);
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
  return { woke, raced, checkOffset: firstCheck - producerStart };
}

describe("wait queues", () => {
  it("never lose a wakeup that races with going to sleep (the sleeper's state is set back to running)", () => {
    // Where the consumer tests the flag, relative to the producer's start, when nothing races:
    // then sweep the producer's wakeup across that moment in 10 ns steps.
    const centre = race(1_000_000).checkOffset;
    expect(centre).toBeGreaterThan(0);
    let raced = 0;
    for (let delay = centre - 500; delay <= centre + 2500; delay += 10) {
      const r = race(delay);
      expect(r.woke, `delay ${delay}`).toBe(true);
      if (r.raced) raced++;
    }
    // The sweep must have hit the window at least once, or this test proves nothing.
    expect(raced).toBeGreaterThan(0);
  });
});
