import { describe, expect, it } from "vitest";
import { IS_ERR, PTR_ERR } from "../../src/linux/include/err.js";
import { EAGAIN } from "../../src/linux/include/errno.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import { kthread_create } from "../../src/linux/kernel/kthread.js";
import { kthread_stop } from "../../src/linux/kernel/kthread_control.js";
import { K } from "../../src/linux/kernel.js";
import { Machine } from "../../src/machine.js";
import { problems, type RunOptions } from "../../src/run.js";
import { runMain } from "../helpers.js";

function* idle() {
  return 0;
}

/** Creates kthreads until one fails, then stops them all: how many, the error, the reports. */
function createUntilError(opts: RunOptions) {
  let made = 0;
  let tasksBefore = 0;
  let err = 0;
  const r = runMain(function* () {
    tasksBefore = K.nr_threads;
    const live: task_struct[] = [];
    for (;;) {
      const t = yield* kthread_create(idle, null, "t%d", live.length);
      if (IS_ERR(t)) {
        err = PTR_ERR(t);
        break;
      }
      live.push(t);
    }
    made = live.length;
    for (const t of live) yield* kthread_stop(t);
  }, opts);
  return { made, tasksBefore, err, problems: problems(r.reports) };
}

describe("pid allocation", () => {
  it("hands out pids cyclically and wraps to RESERVED_PIDS (300) below pid_max", () => {
    const pids: number[] = [];
    const r = runMain(
      function* () {
        for (let i = 0; i < 400; i++) {
          const t = yield* kthread_create(idle, null, "t%d", i);
          if (IS_ERR(t)) throw new Error(`kthread_create failed: ${PTR_ERR(t)}`);
          pids.push(t.pid);
          yield* kthread_stop(t);
        }
      },
      { pid_max: 400 },
    );
    expect(problems(r.reports)).toEqual([]);
    const first = pids[0] as number;
    const wrap = pids.indexOf(399) + 1;
    expect(pids.slice(0, wrap)).toEqual(Array.from({ length: 400 - first }, (_, i) => first + i));
    expect(pids.slice(wrap, wrap + 3)).toEqual([300, 301, 302]);
  });

  it("fails with -EAGAIN when every pid is taken, and leaves nothing allocated by the failed fork", () => {
    const r = createUntilError({ pid_max: 400 });
    expect(r.err).toBe(-EAGAIN);
    // Boot took pids 1-38: 39..399 are all that is left.
    expect(r.made).toBe(399 - 38);
    expect(r.problems).toEqual([]);
  });

  it("fails with -EAGAIN at kernel.threads-max (threads_max), pids to spare, and leaves nothing allocated", () => {
    const r = createUntilError({ threads_max: 60 });
    expect(r.err).toBe(-EAGAIN);
    expect(r.tasksBefore).toBeGreaterThan(30);
    expect(r.made).toBe(60 - r.tasksBefore);
    expect(r.problems).toEqual([]);
  });

  it("takes threads_max within the sysctl's bounds (MIN_THREADS 20 to FUTEX_TID_MASK)", () => {
    for (const bad of [19, 0, -1, 1.5, Number.NaN, 0x40000000])
      expect(() => new Machine({ threads_max: bad })).toThrow(RangeError);
    expect(() => new Machine({ threads_max: 20 })).not.toThrow();
  });
});
