import { describe, expect, it } from "vitest";
import { IS_ERR } from "../../src/linux/include/err.js";
import { get_task_struct, put_task_struct } from "../../src/linux/kernel/fork.js";
import { kthread_run, kthread_should_stop } from "../../src/linux/kernel/kthread.js";
import { kthread_stop } from "../../src/linux/kernel/kthread_control.js";
import { DEFINE_SPINLOCK, spin_lock, spin_unlock } from "../../src/linux/kernel/locking/spinlock.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { mdelay } from "../../src/linux/lib/delay.js";
import { runMain } from "../helpers.js";

describe("a scenario that goes wrong ends with a clear report", () => {
  it("turns an exception in a thread function into an oops with the call stack; the thread dies, the rest goes on", () => {
    let stopped: number | null = null;
    function* faulty_fn(): Generator<number, number, unknown> {
      yield* msleep(1);
      throw new Error("NULL pointer dereference");
    }
    const r = runMain(function* () {
      const t = yield* kthread_run(faulty_fn, null, "faulty");
      if (IS_ERR(t)) return;
      get_task_struct(t); // it may die on its own: keep it until kthread_stop is done
      yield* msleep(20);
      stopped = yield* kthread_stop(t);
      put_task_struct(t);
    });
    expect(r.stop).toBe("idle");
    const oops = r.reports.filter((x) => x.kind === "oops");
    expect(oops).toHaveLength(1);
    expect(oops[0]?.title).toMatch(/^BUG: unhandled exception in faulty\/\d+: NULL pointer dereference$/);
    expect(oops[0]?.lines).toEqual(["Call Trace:", " faulty_fn", " kthread", " ret_from_fork"]);
    expect(stopped).toBe(0);
    const exits = r.machine.kernel.trace.records().filter((e) => e.type === "sched_process_exit");
    expect(exits).toHaveLength(1);
    expect(r.reports.filter((x) => x.kind === "kmemleak")).toEqual([]);
  });

  it("catches kthread_stop on a thread that died and was freed as a use-after-free, with both stacks", () => {
    function* short_lived() {
      return 7;
    }
    const r = runMain(function* () {
      const t = yield* kthread_run(short_lived, null, "short");
      if (IS_ERR(t)) return;
      yield* msleep(40);
      yield* kthread_stop(t);
    });
    // KASAN sees the read of the freed task_struct; then, as in Linux, the NULL struct kthread
    // pointer that free_task left behind makes the caller oops (and init's death is a panic).
    expect(r.reports.map((x) => x.kind)).toEqual(["kasan", "oops", "panic"]);
    const uaf = r.reports[0];
    expect(uaf?.title).toBe("BUG: KASAN: slab-use-after-free in kthread_stop");
    expect(uaf?.lines.some((l) => /^Allocated by task kthreadd\/2 on cpu \d+ at 0\.\d{6}s:$/.test(l))).toBe(true);
    expect(uaf?.lines).toContain(" copy_process");
    expect(uaf?.lines.some((l) => l.startsWith("Freed by task "))).toBe(true);
    expect(r.stop).toBe("panic");
  });

  it("panics when init dies, as the kernel does", () => {
    const r = runMain(function* () {
      yield* msleep(1);
      throw new Error("bad pointer");
    });
    expect(r.stop).toBe("panic");
    expect(r.reports.map((x) => x.title)).toEqual([
      "BUG: unhandled exception in init/1: bad pointer",
      "Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b",
    ]);
  });

  it("stops a thread function that loops without ever yielding, naming it", () => {
    function* spinner() {
      let n = 0;
      while (!kthread_should_stop()) n++;
      return n;
    }
    const r = runMain(function* () {
      yield* kthread_run(spinner, null, "spinner");
      yield* msleep(10);
    });
    expect(r.stop).toBe("stall");
    const stall = r.reports.find((x) => x.kind === "stall");
    expect(stall?.title).toMatch(
      /soft lockup - CPU#\d stuck: spinner\/\d+ ran 10000000 kernel helper calls without yielding/,
    );
    expect(stall?.lines).toContain(" spinner");
  });

  it("reports a soft lockup when a kernel thread keeps its CPU for 20 s (PREEMPT_NONE)", () => {
    function* hog(): Generator<number, number, unknown> {
      for (;;) yield* mdelay(1);
    }
    const r = runMain(
      function* () {
        yield* kthread_run(hog, null, "hog");
      },
      { cpus: 1, until: 25e9 },
    );
    expect(r.stop).toBe("until");
    const lockup = r.reports.filter((x) => x.kind === "softlockup");
    expect(lockup).toHaveLength(1);
    expect(lockup[0]?.title).toMatch(/^watchdog: BUG: soft lockup - CPU#0 stuck for 2\ds! \[hog:\d+\]$/);
    expect(lockup[0]?.lines).toEqual(["Call Trace:", " mdelay", " hog", " kthread", " ret_from_fork"]);
  });

  it("reports sleeping with a spinlock held as 'scheduling while atomic'", () => {
    const lock = DEFINE_SPINLOCK("test_lock");
    const r = runMain(function* () {
      yield* spin_lock(lock);
      yield* msleep(1);
      spin_unlock(lock);
    });
    const bug = r.reports.find((x) => x.kind === "atomic-sleep");
    // schedule's own preempt_disable plus the spinlock: 2, reported once.
    expect(bug?.title).toBe("BUG: scheduling while atomic: init/1/0x00000002");
    expect(r.reports.filter((x) => x.kind === "atomic-sleep")).toHaveLength(1);
    expect(bug?.lines.slice(0, 4)).toEqual([
      "Call Trace:",
      " schedule",
      " schedule_timeout",
      " schedule_timeout_uninterruptible",
    ]);
  });
});
