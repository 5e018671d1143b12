import { describe, expect, it } from "vitest";
import { current } from "../../src/linux/include/current.js";
import { ERESTARTSYS } from "../../src/linux/include/errno.js";
import { SIGKILL, SIGUSR1 } from "../../src/linux/include/signal.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import { kthread_run } from "../../src/linux/kernel/kthread.js";
import {
  complete,
  complete_all,
  init_completion,
  wait_for_completion,
  wait_for_completion_interruptible,
  wait_for_completion_killable,
  wait_for_completion_timeout,
} from "../../src/linux/kernel/sched/completion.js";
import { allow_signal, send_sig } from "../../src/linux/kernel/signal.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { problems } from "../../src/run.js";
import { runMain } from "../helpers.js";

describe("completions", () => {
  it("wakes one waiter per complete(), all with complete_all(), in the order they waited", () => {
    const order: string[] = [];
    const x = init_completion();
    const waiter = (name: string) =>
      function* () {
        yield* wait_for_completion(x);
        order.push(name);
        return 0;
      };
    const r = runMain(
      function* () {
        yield* kthread_run(waiter("a"), null, "a");
        yield* msleep(1);
        yield* kthread_run(waiter("b"), null, "b");
        yield* kthread_run(waiter("c"), null, "c");
        yield* msleep(1);
        yield* complete(x);
        yield* msleep(1);
        expect(order).toEqual(["a"]);
        yield* complete_all(x);
        yield* msleep(1);
      },
      { cpus: 1 },
    );
    expect(order).toEqual(["a", "b", "c"]);
    expect(problems(r.reports)).toEqual([]);
  });

  it("times out: wait_for_completion_timeout returns 0 after the jiffies pass, else what is left", () => {
    const got: number[] = [];
    const r = runMain(function* () {
      const x = init_completion();
      got.push(yield* wait_for_completion_timeout(x, 5));
      yield* complete(x);
      got.push(yield* wait_for_completion_timeout(x, 5));
    });
    expect(got).toEqual([0, 5]);
    expect(problems(r.reports)).toEqual([]);
  });

  it("lets a fatal signal end a killable wait, and any signal an interruptible one, but not an uninterruptible one", () => {
    const got: Record<string, number> = {};
    const x = init_completion();
    const tasks: task_struct[] = [];
    function* killable() {
      allow_signal(current(), SIGKILL);
      tasks.push(current());
      got.killable = yield* wait_for_completion_killable(x);
      return 0;
    }
    function* interruptible() {
      allow_signal(current(), SIGUSR1);
      tasks.push(current());
      got.interruptible = yield* wait_for_completion_interruptible(x);
      return 0;
    }
    function* plain() {
      allow_signal(current(), SIGKILL);
      tasks.push(current());
      yield* wait_for_completion(x);
      got.plain = 1;
      return 0;
    }
    const r = runMain(function* () {
      yield* kthread_run(killable, null, "k");
      yield* kthread_run(interruptible, null, "i");
      yield* kthread_run(plain, null, "p");
      yield* msleep(1);
      const [k, i, p] = tasks as [task_struct, task_struct, task_struct];
      yield* send_sig(SIGKILL, k, 0);
      yield* send_sig(SIGUSR1, i, 0);
      yield* send_sig(SIGKILL, p, 0);
      yield* msleep(1);
      expect(got).toEqual({ killable: -ERESTARTSYS, interruptible: -ERESTARTSYS });
      yield* complete(x);
      yield* msleep(1);
    });
    expect(got).toEqual({ killable: -ERESTARTSYS, interruptible: -ERESTARTSYS, plain: 1 });
    expect(problems(r.reports)).toEqual([]);
  });
});
