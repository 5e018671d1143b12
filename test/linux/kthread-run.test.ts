import { describe, expect, it } from "vitest";
import { IS_ERR } from "../../src/linux/include/err.js";
import type { TraceRecord } from "../../src/linux/include/trace/events/records.js";
import {
  kthread_create,
  kthread_parkme,
  kthread_run,
  kthread_should_park,
  kthread_should_stop,
} from "../../src/linux/kernel/kthread.js";
import { kthread_create_on_cpu, kthread_park, kthread_stop } from "../../src/linux/kernel/kthread_control.js";
import { wake_up_process } from "../../src/linux/kernel/sched/core.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { udelay } from "../../src/linux/lib/delay.js";
import { problems, runScenario, traceText } from "../../src/run.js";
import kthreadRun from "../../src/scenarios/kthread-run.js";
import { formatEventText, formatPrevState } from "../../src/trace/ftrace.js";
import { expectGolden } from "../golden-file.js";
import { runMain } from "../helpers.js";

/** "pid event text" for the records of the given pids (and switches to them), in trace order. */
function story(recs: readonly TraceRecord[], pids: readonly number[]): string[] {
  return recs
    .filter(
      (r) =>
        pids.includes(r.pid) ||
        (r.type === "sched_switch" && pids.includes(r.next_pid)) ||
        (r.type === "sched_wakeup" && pids.includes(r.tpid)),
    )
    .map((r) => `${r.pid} ${r.type}: ${formatEventText(r)}`);
}

/** Asserts that `expected` patterns match lines of `lines` in this order (other lines may sit between). */
function expectInOrder(lines: readonly string[], expected: readonly RegExp[]): void {
  let i = 0;
  for (const re of expected) {
    while (i < lines.length && !re.test(lines[i] as string)) i++;
    expect(i, `no line matching ${re} after the previous match in:\n${lines.join("\n")}`).toBeLessThan(lines.length);
    i++;
  }
}

describe.each([1, 2, 4])("kthread-run on %i CPUs", (cpus) => {
  const r = runScenario(kthreadRun, { cpus });
  const recs = r.machine.kernel.trace.records();
  const created = recs.find((e) => e.type === "task_newtask");
  const T = created?.type === "task_newtask" ? created.tpid : -1;

  it("runs clean", () => {
    expect(r.stop).toBe("idle");
    expect(problems(r.reports)).toEqual([]);
  });

  it("shows the 6.4+ creation hand-off, in order", () => {
    expectInOrder(story(recs, [1, 2, T]), [
      /^1 sched_waking: comm=kthreadd pid=2 /,
      /^1 sched_switch: prev_comm=init prev_pid=1 prev_prio=120 prev_state=D ==> /,
      new RegExp(`^2 task_newtask: pid=${T} comm=my_kthread/0 clone_flags=800700 oom_score_adj=0$`),
      new RegExp(`^2 sched_process_fork: comm=kthreadd pid=2 child_comm=my_kthread/0 child_pid=${T}$`),
      new RegExp(`^2 sched_wakeup_new: comm=my_kthread/0 pid=${T} prio=120 target_cpu=`),
      new RegExp(`^${T} sched_waking: comm=init pid=1 `),
      new RegExp(`^${T} sched_switch: prev_comm=my_kthread/0 prev_pid=${T} prev_prio=120 prev_state=D ==> `),
      new RegExp(`^1 sched_waking: comm=my_kthread/0 pid=${T} `),
      new RegExp(`sched_switch: .* ==> next_comm=my_kthread/0 next_pid=${T} next_prio=120$`),
      new RegExp(`^1 sched_kthread_stop: comm=my_kthread/0 pid=${T}$`),
      new RegExp(`^${T} sched_process_exit: comm=my_kthread/0 pid=${T} prio=120 group_dead=true$`),
      new RegExp(`^${T} sched_switch: prev_comm=my_kthread/0 prev_pid=${T} prev_prio=120 prev_state=X ==> `),
      /^1 sched_kthread_stop_ret: ret=[1-9]\d*$/,
    ]);
    // kthreadd's sched_wakeup: on the waker's CPU, or (a wakeup onto an idle CPU) on
    // kthreadd's own CPU by <idle>; either way after the waking and before the fork.
    const lines = story(recs, [1, 2, T]);
    const waking = lines.findIndex((l) => /^1 sched_waking: comm=kthreadd /.test(l));
    const wakeup = lines.findIndex((l) => /^[01] sched_wakeup: comm=kthreadd pid=2 /.test(l));
    const fork = lines.findIndex((l) => / task_newtask: /.test(l));
    expect(waking).toBeGreaterThanOrEqual(0);
    expect(wakeup).toBeGreaterThan(waking);
    expect(fork).toBeGreaterThan(wakeup);
  });

  it("names the thread in copy_process: no task_rename, the name in every event", () => {
    expect(recs.some((e) => e.type === "task_rename")).toBe(false);
    const names = recs.filter((e) => e.type === "task_newtask" || e.type === "sched_process_fork");
    expect(names.length).toBe(2);
  });

  it("frees the task after an RCU grace period, in softirq context", () => {
    const free = recs.find((e) => e.type === "sched_process_free");
    const exit = recs.find((e) => e.type === "sched_process_exit");
    expect(free?.type === "sched_process_free" && free.tpid).toBe(T);
    expect((free?.ts ?? 0) - (exit?.ts ?? 0)).toBeGreaterThanOrEqual(10e6);
    expect(free?.irqflags[2]).toBe("s");
  });

  it("keeps time running forward and every switch consistent with what ran on the CPU", () => {
    let last = 0;
    const running = new Map<number, number>();
    for (const e of recs) {
      expect(e.ts).toBeGreaterThanOrEqual(last);
      last = e.ts;
      if (e.type !== "sched_switch") continue;
      const was = running.get(e.cpu);
      if (was !== undefined) expect(e.prev_pid).toBe(was);
      expect(e.pid).toBe(e.prev_pid);
      running.set(e.cpu, e.next_pid);
    }
  });
});

describe("the kthread-run trace file", () => {
  it("matches the golden trace line by line (2 CPUs, seed 1)", () => {
    const text = traceText(runScenario(kthreadRun, { cpus: 2, seed: 1 }));
    expectGolden(new URL("../golden/kthread-run.2cpu.seed1.trace", import.meta.url), text);
  });

  it("prints prev_state as the kernel does", () => {
    expect(formatPrevState(0)).toBe("R");
    expect(formatPrevState(0x100)).toBe("R+");
    expect(formatPrevState(0x02)).toBe("D");
    expect(formatPrevState(0x10)).toBe("X");
    expect(formatPrevState(0x80)).toBe("I");
    expect(formatPrevState(0x01 | 0x02)).toBe("S|D");
  });
});

describe("kthread_stop", () => {
  it("returns threadfn's value, and -EINTR for a thread never woken (threadfn never runs)", () => {
    const results: number[] = [];
    let ran = 0;
    function* fn() {
      ran++;
      while (!kthread_should_stop()) yield* msleep(1);
      return 42;
    }
    const r = runMain(function* () {
      const a = yield* kthread_run(fn, null, "a");
      const b = yield* kthread_create(fn, null, "b");
      if (IS_ERR(a) || IS_ERR(b)) throw new Error("creation failed");
      yield* msleep(5);
      results.push(yield* kthread_stop(a), yield* kthread_stop(b));
    });
    expect(problems(r.reports)).toEqual([]);
    expect(results).toEqual([42, -4]);
    expect(ran).toBe(1);
  });
});

describe("kthread_bind", () => {
  it("waits for the new thread to be off its CPU, even under full preemption, and binds it", () => {
    const bound: number[][] = [];
    function* hog() {
      while (!kthread_should_stop()) yield* udelay(50);
      return 0;
    }
    function* idle() {
      while (!kthread_should_stop()) yield* msleep(5);
      return 0;
    }
    const r = runMain(
      function* () {
        const hogs = [];
        for (let c = 0; c < 2; c++) {
          const h = yield* kthread_create_on_cpu(hog, null, c, "hog/%u");
          if (IS_ERR(h)) return;
          yield* wake_up_process(h);
          hogs.push(h);
        }
        for (let i = 0; i < 10; i++) {
          const t = yield* kthread_create_on_cpu(idle, null, i % 2, "b%u");
          if (IS_ERR(t)) return;
          bound.push([...t.cpus_mask]);
          yield* wake_up_process(t);
          yield* kthread_stop(t);
        }
        for (const h of hogs) yield* kthread_stop(h);
      },
      { cpus: 2, preempt: "full" },
    );
    expect(problems(r.reports)).toEqual([]);
    expect(bound).toEqual(Array.from({ length: 10 }, (_, i) => [i % 2]));
  });
});

describe("kthread_stop", () => {
  it("stops a parked thread: unparks it, the thread returns, kthread_stop gets its result", () => {
    let parked = -1;
    let result = 0;
    const r = runMain(
      function* () {
        const t = yield* kthread_run(
          function* () {
            while (!kthread_should_stop()) {
              if (kthread_should_park()) yield* kthread_parkme();
              else yield* msleep(1);
            }
            return 7;
          },
          null,
          "parkable",
        );
        if (IS_ERR(t)) return;
        yield* msleep(2);
        parked = yield* kthread_park(t);
        result = yield* kthread_stop(t);
      },
      { cpus: 2 },
    );
    expect(problems(r.reports).map((x) => x.title)).toEqual([]);
    expect({ parked, result }).toEqual({ parked: 0, result: 7 });
  });
});
