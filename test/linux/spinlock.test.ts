import { describe, expect, it } from "vitest";
import { kthread_run } from "../../src/linux/kernel/kthread.js";
import { DEFINE_SPINLOCK, spin_lock, spin_unlock } from "../../src/linux/kernel/locking/spinlock.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { mdelay } from "../../src/linux/lib/delay.js";
import { problems } from "../../src/run.js";
import { runMain } from "../helpers.js";

describe("spinlocks", () => {
  it("make a second CPU spin until the holder releases, so critical sections never overlap", () => {
    const lock = DEFINE_SPINLOCK("test");
    const log: string[] = [];
    const holder = (name: string) =>
      function* () {
        for (let i = 0; i < 3; i++) {
          yield* spin_lock(lock);
          log.push(`${name}+`);
          yield* mdelay(1); // held across time: the other CPU must wait
          log.push(`${name}-`);
          spin_unlock(lock);
          yield* msleep(1);
        }
        return 0;
      };
    const r = runMain(
      function* () {
        yield* kthread_run(holder("a"), null, "a");
        yield* kthread_run(holder("b"), null, "b");
        yield* msleep(50);
      },
      { cpus: 2 },
    );
    expect(problems(r.reports)).toEqual([]);
    expect(log).toHaveLength(12);
    for (let i = 0; i < log.length; i += 2) {
      expect((log[i] as string).endsWith("+")).toBe(true);
      expect(log[i + 1]).toBe((log[i] as string).replace("+", "-"));
    }
  });
});
