/**
 * The kthread layer per era (spec §1.1 E1–E6, §1.2, §2.1, §2.2, §3): one `it` per
 * behavioural boundary, each run on the releases either side of it. Runs use the minimal
 * boot (pid 1, kthreadd, the CPUs), so what is seen is the scenario's doing.
 */
import { describe, expect, it } from "vitest";
import { ERA_NAMES, type EraName, era, since } from "../../src/linux/eras/profiles.js";
import { current } from "../../src/linux/include/current.js";
import { type ErrOr, IS_ERR, PTR_ERR } from "../../src/linux/include/err.js";
import {
  SCHED_FIFO,
  SCHED_NORMAL,
  TASK_IDLE,
  TASK_INTERRUPTIBLE,
  TASK_KILLABLE,
  TASK_PARKED,
  TASK_UNINTERRUPTIBLE,
  TIF_NOTIFY_SIGNAL,
} from "../../src/linux/include/sched.js";
import { SIGKILL } from "../../src/linux/include/signal.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import { do_exit } from "../../src/linux/kernel/exit.js";
import type { kthread_create_info } from "../../src/linux/kernel/kthread.js";
import {
  kthread_create,
  kthread_exit,
  kthread_run,
  kthread_should_stop,
  to_kthread,
} from "../../src/linux/kernel/kthread.js";
import { kthread_park, kthread_stop } from "../../src/linux/kernel/kthread_control.js";
import { sleepUntilStopped } from "../../src/linux/kernel/kthread_daemon.js";
import { kthread_create_worker, kthread_destroy_worker } from "../../src/linux/kernel/kthread_worker.js";
import { sched_setscheduler_nocheck, wake_up_process } from "../../src/linux/kernel/sched/core.js";
import { allow_signal } from "../../src/linux/kernel/signal.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { K } from "../../src/linux/kernel.js";
import { list_empty, list_first_entry } from "../../src/linux/lib/list.js";
import type { Machine } from "../../src/machine.js";
import { problems, type RunOptions, type RunResult, runScenario } from "../../src/run.js";
import { waits_on } from "../../src/scenarios/detectors.js";
import { creatorKilled } from "../../src/scenarios/kthread-creator-killed.js";
import kthreadPark from "../../src/scenarios/kthread-park.js";
import kthreadRun from "../../src/scenarios/kthread-run.js";
import kthreadWorker from "../../src/scenarios/kthread-worker.js";
import { EraMismatchError, type Scenario } from "../../src/scenarios/scenario.js";
import type { KGen, Thread } from "../../src/sim/engine.js";
import { functionName } from "../../src/sim/functions.js";
import { records } from "../helpers.js";

/** A modeled call seen by the engine's observer: who, what, with which arguments. */
interface Call {
  task: task_struct;
  /** The task's name at the time of the call. */
  comm: string;
  fn: string;
  args: readonly unknown[];
}

/** What a run saw: the log its main kept, every modeled call, the allocations after boot. */
interface Seen extends RunResult {
  log: string[];
  calls: Call[];
  /** type@innermost-function, plus " freed in FN" once freed. */
  objects(type: string): string[];
}

/** Runs `main` on `kernel` (minimal boot, 2 CPUs unless told), watching calls and allocations. */
function run(
  kernel: EraName,
  main: (log: string[]) => KGen<unknown>,
  extra: Partial<Scenario> = {},
  opts: RunOptions = {},
): Seen {
  const log: string[] = [];
  const calls: Call[] = [];
  const allocs: import("../../src/linux/mm/slab.js").SlabRecord[] = [];
  let m: Machine | null = null;
  const prepare = (mm: Machine) => {
    m = mm;
    const prev = mm.engine.onEnter;
    mm.engine.onEnter = (t: Thread, fn: number, args: readonly unknown[]) => {
      prev?.(t, fn, args);
      const task = t.owner as task_struct;
      calls.push({ task, comm: task.comm, fn: functionName(fn), args });
    };
    mm.kernel.slab.onAlloc = (rec) => {
      if (rec.allocTime >= (m as Machine).bootedAt) allocs.push(rec);
    };
    opts.prepare?.(mm);
  };
  const r = runScenario(
    { name: "t", description: "", main: () => main(log), ...extra },
    { cpus: 2, ...opts, kernel, boot: "minimal", prepare },
  );
  const last = (stack: readonly number[]) => functionName(stack[stack.length - 1] as number);
  return {
    ...r,
    log,
    calls,
    objects: (type) =>
      allocs
        .filter((a) => a.type === type)
        .map((a) => `${last(a.allocStack)}${a.freed ? ` freed in ${last(a.freeStack)}` : ""}`),
  };
}

function* nothing(): KGen<number> {
  return 0;
}

/** Creates (not runs) a thread named `name`, waits `ms`, stops it; logs both results. */
function createAndStop(name: string, ms = 0, fn = sleepUntilStopped) {
  return function* (log: string[]): KGen<unknown> {
    const t: ErrOr<task_struct> = yield* kthread_run(fn, null, name);
    if (IS_ERR(t)) {
      log.push(`err ${PTR_ERR(t)}`);
      return;
    }
    log.push(`task ${t.comm}`);
    if (ms > 0) yield* msleep(ms);
    log.push(`stop ${yield* kthread_stop(t)}`);
  };
}

/**
 * A creator kthread that accepts SIGKILL gets it when kthreadd starts on its request (so
 * while it waits, before anyone claimed the request). Returns its state at that moment and
 * what kthread_create gave it.
 */
function killedCreator(kernel: EraName) {
  let stateAtKill = -1;
  const r = run(
    kernel,
    creatorMain,
    { signals: ["KILL:creator@kthreadd:create_kthread"] },
    {
      prepare: (m) => {
        const prev = m.engine.onEnter;
        m.engine.onEnter = (t, fn, a) => {
          // Before the signal injection's observer sends the SIGKILL (which wakes a killable sleeper).
          const c = m.tasks().find((p) => p.comm === "creator");
          if (stateAtKill < 0 && c !== undefined && functionName(fn) === "create_kthread") stateAtKill = c.__state;
          prev?.(t, fn, a);
        };
      },
    },
  );
  return { ...r, stateAtKill };
}

describe("kthread creation, 2.6.24 (E1) against 2.6.32 (E2)", () => {
  it("kthreadd waits (D) for each new thread's `started` before it takes the next request in 2.6.24, not in 2.6.32", () => {
    const story = (kernel: EraName) => {
      const r = run(
        kernel,
        function* () {
          // Two creators, both woken before kthreadd runs: two requests queued at once.
          const mk = (name: string) =>
            function* (): KGen<number> {
              const t = yield* kthread_create(sleepUntilStopped, null, name);
              if (!IS_ERR(t)) yield* kthread_stop(t);
              return 0;
            };
          const a = yield* kthread_create(mk("a"), null, "creator_a");
          const b = yield* kthread_create(mk("b"), null, "creator_b");
          if (IS_ERR(a) || IS_ERR(b)) return;
          yield* wake_up_process(a);
          yield* wake_up_process(b);
          yield* msleep(20);
        },
        {},
        { cpus: 1 },
      );
      expect(problems(r.reports)).toEqual([]);
      const from = r.calls.findIndex((c) => c.comm === "creator_a");
      let bQueued = false;
      return r.calls.slice(from).flatMap((c) => {
        const comm = c.comm;
        if (c.task.pid === 2 && c.fn === "kernel_thread") return ["kthreadd forks"];
        if (c.task.pid === 2 && c.fn === "wait_for_completion") return ["kthreadd waits for started"];
        if (comm === "creator_b" && c.fn === "wait_for_completion" && !bQueued) {
          bQueued = true;
          return ["b's request queued"];
        }
        // A new thread is still named kthreadd (the creator names it after the hand-off).
        if (c.fn === "kthread" && comm === "kthreadd") return ["new thread in kthread()"];
        return [];
      });
    };
    expect(story("2.6.24")).toEqual([
      "kthreadd forks",
      "kthreadd waits for started",
      "b's request queued",
      "new thread in kthread()",
      "kthreadd forks",
      "kthreadd waits for started",
      "new thread in kthread()",
    ]);
    expect(story("2.6.32")).toEqual([
      "kthreadd forks",
      "b's request queued",
      "kthreadd forks",
      "new thread in kthread()",
      "new thread in kthread()",
    ]);
  });

  it("2.6.24 wakes kthreadd with kthread_create_lock held; 2.6.32 after releasing it", () => {
    const holder = (kernel: EraName) => {
      let held: string | null = "never";
      const r = run(
        kernel,
        createAndStop("x"),
        {},
        {
          prepare: (m) => {
            const prev = m.engine.onEnter;
            m.engine.onEnter = (t, fn, a) => {
              prev?.(t, fn, a);
              if (held === "never" && functionName(fn) === "try_to_wake_up" && a[0] === m.kernel.kthreadd_task)
                held = (m.kernel.kthread_create_lock.owner as task_struct | null)?.comm ?? null;
            };
          },
        },
      );
      expect(problems(r.reports)).toEqual([]);
      return held;
    };
    expect(holder("2.6.24")).toBe("init");
    expect(holder("2.6.32")).toBe(null);
  });

  it("kthreadd runs at nice −5 in 2.6.24 and its kthreads inherit it (prio 115); nice 0 (prio 120) in 2.6.32", () => {
    const prios = (kernel: EraName) => {
      const out: number[] = [];
      const r = run(kernel, function* () {
        const t = yield* kthread_create(nothing, null, "x");
        if (IS_ERR(t)) return;
        const kd = K.kthreadd_task as task_struct;
        out.push(kd.static_prio, t.static_prio, t.prio);
        yield* kthread_stop(t);
      });
      expect(problems(r.reports)).toEqual([]);
      return out;
    };
    expect(prios("2.6.24")).toEqual([115, 115, 115]);
    expect(prios("2.6.32")).toEqual([120, 120, 120]);
  });

  it("the policy kthreadd passes on: kept in 2.6.24 (nobody resets it), reset by the creator in 2.6.32", () => {
    expect(policies("2.6.24")).toEqual({ atHandOff: SCHED_FIFO, returned: SCHED_FIFO });
    expect(policies("2.6.32")).toEqual({ atHandOff: SCHED_FIFO, returned: SCHED_NORMAL });
  });

  it("struct kthread: none in 2.6.24 (one global stop info); a plain object on the thread's stack in 2.6.32", () => {
    const stopped = (kernel: EraName) => {
      let kt: task_struct["worker_private"] | undefined;
      let viaVforkDone = false;
      const r = run(kernel, function* (log) {
        const t = yield* kthread_run(countRounds, null, "x");
        if (IS_ERR(t)) return;
        kt = t.worker_private;
        viaVforkDone = kt !== null && t.vfork_done === kt.exited;
        yield* msleep(5);
        log.push(`stop ${yield* kthread_stop(t)}`);
      });
      expect(problems(r.reports)).toEqual([]);
      expect(r.objects("kthread")).toEqual([]);
      // threadfn's result comes back through kthread_stop either way (2 rounds of msleep(1), a jiffy each).
      expect(r.log).toEqual(["stop 2"]);
      return { kt, viaVforkDone };
    };
    expect(stopped("2.6.24")).toEqual({ kt: null, viaVforkDone: false });
    // 2.6.32: not from the slab; found through vfork_done, which points at its `exited`.
    const { kt, viaVforkDone } = stopped("2.6.32");
    expect(kt?.__slab).toBe(null);
    expect(viaVforkDone).toBe(true);
  });
});

function* countRounds(): KGen<number> {
  let n = 0;
  while (!kthread_should_stop()) {
    n++;
    yield* msleep(1);
  }
  return n;
}

/** Root made kthreadd SCHED_FIFO: the new thread's policy when it hands itself over, and when kthread_create returns. */
function policies(kernel: EraName) {
  let atHandOff = -1;
  let returned = -1;
  const r = run(
    kernel,
    function* () {
      sched_setscheduler_nocheck(K.kthreadd_task as task_struct, SCHED_FIFO, 10);
      const t = yield* kthread_create(nothing, null, "x");
      if (IS_ERR(t)) return;
      returned = t.policy;
      yield* kthread_stop(t);
    },
    {},
    {
      prepare: (m) => {
        const prev = m.engine.onEnter;
        m.engine.onEnter = (t, fn, a) => {
          prev?.(t, fn, a);
          // The new thread's complete() of the creator's `done` (E1: of `started`).
          const task = t.owner as task_struct;
          if (atHandOff < 0 && functionName(fn) === "complete" && task.pid > 2 && task.comm !== "init")
            atHandOff = task.policy;
        };
      },
    },
  );
  expect(problems(r.reports)).toEqual([]);
  return { atHandOff, returned };
}

describe("the creator's wait and the request (3.10 against 3.13, 4.1+)", () => {
  it("the creator's wait: uninterruptible and SIGKILL does not end it up to 3.10 (2.6.24 too); killable from 3.13", () => {
    // The creator's waits until it has its result (before its kthread_stop).
    const waits = (r: Seen) => {
      const upTo = r.calls.findIndex((c) => c.comm === "creator" && c.fn === "kthread_stop");
      return r.calls
        .slice(0, upTo < 0 ? undefined : upTo)
        .filter((c) => c.comm === "creator" && c.fn.startsWith("wait_for_completion"))
        .map((c) => c.fn);
    };
    for (const k of ["2.6.24", "3.10"] as const) {
      const r = killedCreator(k);
      expect(problems(r.reports)).toEqual([]);
      expect(r.stateAtKill).toBe(TASK_UNINTERRUPTIBLE);
      expect(waits(r)).toEqual(["wait_for_completion"]);
      expect(r.log).toEqual(["task victim", "stop -4"]);
    }
    // 3.13: a killable wait. The killed creator runs before the new thread takes the token,
    // so it leaves with 3.13's -ENOMEM (the new thread frees the request: next test).
    const r = killedCreator("3.13");
    expect(problems(r.reports)).toEqual([]);
    expect(r.stateAtKill).toBe(TASK_KILLABLE);
    expect(waits(r)).toEqual(["wait_for_completion_killable"]);
    expect(r.log).toEqual(["err -12"]);
  });

  it("a killed creator whose request nobody claimed gets -ENOMEM on 3.13, -EINTR on 4.4; the request is left to the new thread", () => {
    const sig = ["KILL:creator@wait_for_completion_killable"];
    const a = run("3.13", creatorMain, { signals: sig });
    const b = run("4.4", creatorMain, { signals: sig });
    expect(a.log).toEqual(["err -12"]);
    expect(b.log).toEqual(["err -4"]);
    for (const r of [a, b]) {
      expect(problems(r.reports)).toEqual([]);
      // pid 1's request for the creator, then the creator's, freed by the new thread.
      expect(r.objects("kthread_create_info")).toEqual([
        "kthread_create_on_node freed in kthread_create_on_node",
        "kthread_create_on_node freed in kthread",
      ]);
    }
  });

  it("the request: on the creator's stack up to 3.10 (no slab object, nobody frees it); kmalloc'd from 3.13, freed by the creator", () => {
    for (const k of ["2.6.24", "3.10"] as const) {
      const r = run(k, createAndStop("x"));
      expect(problems(r.reports)).toEqual([]);
      expect(r.objects("kthread_create_info")).toEqual([]);
      expect(r.log).toEqual(["task x", "stop -4"]);
    }
    const r = run("3.13", createAndStop("x"));
    expect(problems(r.reports)).toEqual([]);
    expect(r.objects("kthread_create_info")).toEqual(["kthread_create_on_node freed in kthread_create_on_node"]);
  });

  it("the creation function: kthread_create up to 2.6.32, kthread_create_on_node 3.10–4.4, __kthread_create_on_node from 4.9", () => {
    const fns = (kernel: EraName) =>
      [
        ...new Set(
          run(kernel, createAndStop("x"))
            .calls.filter((c) => c.task.pid === 1 && /kthread_create/.test(c.fn))
            .map((c) => c.fn),
        ),
      ].join(" > ");
    expect(fns("2.6.32")).toBe("kthread_create");
    expect(fns("3.10")).toBe("kthread_create_on_node");
    expect(fns("4.4")).toBe("kthread_create_on_node");
    expect(fns("4.9")).toBe("kthread_create_on_node > __kthread_create_on_node");
  });
});

/** pid 1 as a SIGKILL-able creator (the kill comes as configured by the run's signals). */
function* creatorMain(log: string[]): KGen<unknown> {
  yield* kthread_run(
    function* creator(): KGen<number> {
      allow_signal(current(), SIGKILL);
      const t: ErrOr<task_struct> = yield* kthread_create(nothing, null, "victim");
      if (IS_ERR(t)) log.push(`err ${PTR_ERR(t)}`);
      else log.push(`task ${t.comm}`, `stop ${yield* kthread_stop(t)}`);
      return 0;
    },
    null,
    "creator",
  );
  yield* msleep(20);
  return 0;
}

describe("struct kthread, naming and resets (4.4 … 6.4)", () => {
  it("struct kthread: on the thread's stack in 4.4, kmalloc'd by the thread (in kthread()) from 4.9, freed at free_task", () => {
    const r44 = run("4.4", createAndStop("x"));
    const r49 = run("4.9", createAndStop("x"));
    expect(problems(r44.reports)).toEqual([]);
    expect(problems(r49.reports)).toEqual([]);
    expect(r44.objects("kthread")).toEqual([]);
    expect(r49.objects("kthread")).toEqual(["kthread freed in free_task"]);
  });

  it("struct kthread: allocated by the thread in 5.10, by copy_process (for kthreadd's child) from 5.17", () => {
    const r510 = run("5.10", createAndStop("x"));
    const r517 = run("5.17", createAndStop("x"));
    expect(r510.objects("kthread")).toEqual(["kthread freed in free_task"]);
    expect(r517.objects("kthread")).toEqual(["copy_process freed in free_task"]);
  });

  it("no memory for struct kthread: 4.9's thread reports -ENOMEM to the creator and exits; 5.17's fork fails (-EAGAIN)", () => {
    const faults = ["kmalloc:kthread"];
    const r49 = run("4.9", createAndStop("x"), { faults });
    const r517 = run("5.17", createAndStop("x"), { faults });
    expect(r49.log).toEqual(["err -12"]);
    expect(r517.log).toEqual(["err -11"]);
    for (const r of [r49, r517]) {
      expect(problems(r.reports)).toEqual([]);
      expect(r.objects("kthread_create_info")).toEqual(["__kthread_create_on_node freed in __kthread_create_on_node"]);
    }
    // 4.9: the thread existed and exited -ENOMEM; 5.17: it never existed.
    const exits = (r: Seen) => r.calls.filter((c) => c.fn === "do_exit" && c.comm === "kthreadd" && c.task.pid > 2);
    expect(exits(r49).map((c) => c.args[0])).toEqual([-12]);
    expect(exits(r517)).toEqual([]);
  });

  it("naming: 4.9's creator writes comm (no task_rename), 4.14's calls set_task_comm (task_rename)", () => {
    expect(renames("4.9")).toEqual([]);
    expect(renames("4.14")).toEqual(["kthreadd -> x"]);
  });

  it("naming: 6.1's creator renames the thread (task_rename); 6.4's copy_process names it (task_newtask shows it)", () => {
    expect(renames("6.1")).toEqual(["kthreadd -> x"]);
    expect(renames("6.4")).toEqual([]);
    const newtask = (k: EraName) =>
      records(run(k, createAndStop("x"))).flatMap((e) => (e.type === "task_newtask" ? [e.comm] : []));
    expect(newtask("6.1")).toEqual(["kthreadd"]);
    expect(newtask("6.4")).toEqual(["x"]);
  });

  it("full name: none kept in 5.10; 5.17 keeps a name of 16+ characters (allocated by the creator), not a short one", () => {
    const longName = "a_kthread_with_a_long_name";
    const full = (k: EraName, name: string) => {
      const r = run(k, createAndStop(name));
      expect(problems(r.reports)).toEqual([]);
      return r.objects("full_name");
    };
    expect(full("5.10", longName)).toEqual([]);
    expect(full("5.17", longName)).toEqual(["__kthread_create_on_node freed in free_task"]);
    expect(full("5.17", "short")).toEqual([]);
  });

  it("full name: 6.1 does not keep a short name; 6.4 keeps every name (formatted before queuing)", () => {
    const r61 = run("6.1", createAndStop("short"));
    const r64 = run("6.4", createAndStop("short"));
    expect(r61.objects("full_name")).toEqual([]);
    expect(r64.objects("full_name")).toEqual(["__kthread_create_on_node freed in free_task"]);
  });

  it("no memory for the full name: 6.1 ignores it (the thread keeps a cut name), 6.4 fails the creation (-ENOMEM)", () => {
    const longName = "a_kthread_with_a_long_name";
    const faults = ["kmalloc:full_name"];
    const r61 = run("6.1", createAndStop(longName), { faults });
    const r64 = run("6.4", createAndStop(longName), { faults });
    expect(r61.log).toEqual(["task a_kthread_with_", "stop -4"]);
    expect(r64.log).toEqual(["err -12"]);
    for (const r of [r61, r64]) {
      expect(problems(r.reports)).toEqual([]);
      expect(r.objects("full_name")).toEqual([]);
    }
  });

  it("the policy reset: by the creator after the hand-off in 5.10, by the thread before it from 5.17", () => {
    expect(policies("5.10")).toEqual({ atHandOff: SCHED_FIFO, returned: SCHED_NORMAL });
    expect(policies("5.17")).toEqual({ atHandOff: SCHED_NORMAL, returned: SCHED_NORMAL });
  });
});

/** The task_rename events of a run that creates and stops "x" (old -> new). */
function renames(kernel: EraName): string[] {
  const r = run(kernel, createAndStop("x"));
  expect(problems(r.reports)).toEqual([]);
  return records(r).flatMap((e) => (e.type === "task_rename" ? [`${e.oldcomm} -> ${e.newcomm}`] : []));
}

/** A thread function that ends itself with `exit(code)` (do_exit or kthread_exit). */
function exitsBy(exit: (code: number) => KGen<unknown>, code: number) {
  return function* (): KGen<number> {
    yield* exit(code);
    return 0;
  };
}

describe("kthread_stop, kthread_park, workers", () => {
  it("kthread_stop's result: the exit code up to 5.10 (a do_exit(7) in threadfn gives 7), kthread_exit's from 5.17 (0)", () => {
    const r510 = run("5.10", createAndStop("x", 2, exitsBy(do_exit, 7)));
    const r517 = run("5.17", createAndStop("x", 2, exitsBy(do_exit, 7)));
    expect(r510.log).toEqual(["task x", "stop 7"]);
    expect(r517.log).toEqual(["task x", "stop 0"]);
  });

  it("kthread_stop sets TIF_NOTIFY_SIGNAL on the thread in 6.1, not in 5.17", () => {
    const flag = (kernel: EraName) => {
      let seen = -1;
      run(
        kernel,
        createAndStop("x", 2),
        {},
        {
          prepare: (m) => {
            const prev = m.engine.onEnter;
            m.engine.onEnter = (t, fn, a) => {
              prev?.(t, fn, a);
              const task = t.owner as task_struct;
              if (seen < 0 && functionName(fn) === "kthread_exit" && task.comm === "x")
                seen = task.ti_flags & TIF_NOTIFY_SIGNAL;
            };
          },
        },
      );
      return seen;
    };
    expect(flag("5.17")).toBe(0);
    expect(flag("6.1")).toBe(TIF_NOTIFY_SIGNAL);
  });

  it("kthread_park on a thread already asked to park: 0 in 4.14, a WARN and -EBUSY in 4.19", () => {
    const twice = (kernel: EraName) => {
      const r = run(kernel, function* (log) {
        const t = yield* kthread_create(sleepUntilStopped, null, "p");
        if (IS_ERR(t)) return;
        log.push(`park ${yield* kthread_park(t)}`, `park ${yield* kthread_park(t)}`);
        yield* kthread_stop(t);
      });
      return { log: r.log, warns: r.reports.filter((x) => x.kind === "warn").length };
    };
    expect(twice("4.14")).toEqual({ log: ["park 0", "park 0"], warns: 0 });
    expect(twice("4.19")).toEqual({ log: ["park 0", "park -16"], warns: 1 });
  });

  it("the park hand-shake: up to 4.14 `parked` once per park and no wait for the CPU; 4.19 waits until it is off its CPU", () => {
    const park = (kernel: EraName) => {
      let parked: unknown = null;
      const r = run(kernel, function* (log) {
        const t = yield* kthread_create(sleepUntilStopped, null, "p");
        if (IS_ERR(t)) return;
        parked = to_kthread(t).parked;
        log.push(`park ${yield* kthread_park(t)} state ${t.__state}`);
        yield* kthread_park(t); // up to 4.14: already parked, nothing; 4.19: -EBUSY
        yield* kthread_stop(t);
      });
      const parker = r.calls.filter((c) => c.comm === "init" && c.fn === "wait_task_inactive");
      const completes = r.calls.filter((c) => c.fn === "complete" && c.args[0] === parked).length;
      return { log: r.log, parker: parker.map((c) => c.fn), completes };
    };
    const parked = `park 0 state ${TASK_PARKED}`;
    expect(park("4.14")).toEqual({ log: [parked], parker: [], completes: 1 });
    expect(park("4.19")).toEqual({ log: [parked], parker: ["wait_task_inactive"], completes: 1 });
  });

  it("kthread_create_worker wakes the worker's thread in 6.8 (asleep in S in its loop), leaves it in D in 6.19", () => {
    const state = (kernel: EraName) => {
      let st = -1;
      const r = run(kernel, function* () {
        const w = yield* kthread_create_worker(0, "w");
        if (IS_ERR(w)) return;
        yield* msleep(2);
        st = (w.task as task_struct).__state;
        yield* wake_up_process(w.task as task_struct);
        yield* kthread_destroy_worker(w);
      });
      expect(problems(r.reports)).toEqual([]);
      return st;
    };
    expect(state("6.8")).toBe(TASK_INTERRUPTIBLE);
    expect(state("6.19")).toBe(TASK_UNINTERRUPTIBLE);
  });

  it("a call the release does not have is an oops naming it: kthread_exit in 5.10 (present in 5.17)", () => {
    const r510 = run("5.10", createAndStop("x", 2, exitsBy(kthread_exit, 3)));
    const r517 = run("5.17", createAndStop("x", 2, exitsBy(kthread_exit, 3)));
    expect(r510.reports.filter((x) => x.kind === "oops").map((x) => x.title)).toEqual([
      "BUG: unhandled exception in x/3: kthread_exit() does not exist in Linux 5.10 (see tasklab eras)",
    ]);
    expect(r517.log).toEqual(["task x", "stop 3"]);
    expect(problems(r517.reports)).toEqual([]);
  });
});

describe("the kthread scenarios declare the releases they apply to", () => {
  const refused = (s: Scenario, kernel: EraName) => {
    try {
      runScenario(s, { kernel });
      return false;
    } catch (e) {
      return e instanceof EraMismatchError;
    }
  };
  it("kthread-creator-killed-3a: refused on 3.10 (no killable wait), runs on 3.13", () => {
    const s = creatorKilled.find((c) => c.name === "kthread-creator-killed-3a") as Scenario;
    expect(refused(s, "3.10")).toBe(true);
    expect(refused(s, "3.13")).toBe(false);
  });
  it("kthread-park: refused on 2.6.32, runs on 3.10", () => {
    expect(refused(kthreadPark, "2.6.32")).toBe(true);
    expect(problems(runScenario(kthreadPark, { kernel: "3.10" }).reports)).toEqual([]);
  });
  it("kthread-worker: refused on 4.4, runs on 4.9", () => {
    expect(refused(kthreadWorker, "4.4")).toBe(true);
    expect(problems(runScenario(kthreadWorker, { kernel: "4.9" }).reports)).toEqual([]);
  });
  it("kthread-run runs on 2.6.32 and 6.19", () => {
    for (const k of ["2.6.32", "6.19"] as const)
      expect(problems(runScenario(kthreadRun, { kernel: k }).reports)).toEqual([]);
  });
});

describe("the detectors on every kthread era", () => {
  it("a thread created and never woken is not a deadlock on 2.6.24 (no struct kthread) nor on 6.19", () => {
    for (const kernel of ["2.6.24", "6.19"] as const) {
      const r = run(kernel, function* (log) {
        const t: ErrOr<task_struct> = yield* kthread_create(sleepUntilStopped, null, "sleeper");
        log.push(IS_ERR(t) ? `err ${PTR_ERR(t)}` : `task ${t.comm} ${t.__state}`);
      });
      expect(r.log).toEqual([`task sleeper ${TASK_UNINTERRUPTIBLE}`]);
      expect(problems(r.reports)).toEqual([]);
    }
  });

  it("the wait-for graph names a queued request by its full name from 6.4; before, the name comes after creation", () => {
    // What the creator waits on, described when it goes to sleep with its request queued.
    const described = (kernel: EraName) => {
      const seen: string[] = [];
      run(
        kernel,
        function* () {
          yield* kthread_create(sleepUntilStopped, null, "lost");
        },
        {},
        {
          prepare: (m) => {
            const prev = m.engine.onEnter;
            m.engine.onEnter = (t, fn, a) => {
              prev?.(t, fn, a);
              const me = t.owner as task_struct;
              if (functionName(fn) !== "schedule" || me.pid !== 1 || list_empty(K.kthread_create_list)) return;
              const req = list_first_entry(K.kthread_create_list) as kthread_create_info;
              if (req.done !== null) seen.push(waits_on(K, { blocker: req.done } as task_struct)[0]);
            };
          },
        },
      );
      return seen[0];
    };
    expect(described("6.4")).toBe('the creation of "lost", queued on kthread_create_list');
    expect(described("6.1")).toBe(
      "the creation of a kernel thread (named by its creator once created), queued on kthread_create_list",
    );
  });
});

describe("idle kernel threads' sleep", () => {
  it("is S before 4.14 and TASK_IDLE (I) from 4.14: kworkers and RCU's threads after boot", () => {
    const states = (kernel: EraName) => {
      const r = runScenario({ name: "t", description: "" }, { kernel });
      const pick = (comm: string) => r.machine.tasks().find((t) => t.comm === comm)?.__state;
      return [pick("kworker/0:0"), pick("rcu_preempt") ?? pick("rcu_sched")];
    };
    expect(states("4.9")).toEqual([TASK_INTERRUPTIBLE, TASK_INTERRUPTIBLE]);
    expect(states("4.14")).toEqual([TASK_IDLE, TASK_IDLE]);
  });
});

describe("kthread-creator-killed-3a-late on every release that has the killable wait", () => {
  it("the kill lands after kthreadd took the request, before the new thread's xchg: -ENOMEM on 3.13, -EINTR from 4.4", () => {
    const s = creatorKilled.find((c) => c.name === "kthread-creator-killed-3a-late") as Scenario;
    for (const kernel of ERA_NAMES.filter((n) => since(era(n), "3.13"))) {
      const r = runScenario(s, { kernel });
      expect(problems(r.reports), kernel).toEqual([]);
      const said = r.reports.map((p) => p.title).filter((t) => t.startsWith("creator:") || t.startsWith("victim:"));
      expect(said, kernel).toEqual([`creator: kthread_create returned ${kernel === "3.13" ? -12 : -4}`]);
    }
  });
});
