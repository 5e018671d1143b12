/**
 * Trace output per release (spec §6): which tracepoints exist and are recorded, each event's
 * TP_printk text, the line prefix, the header and function_graph's marks. One `it` per
 * boundary, both sides asserted. Texts come either from records made here (exact lines, not
 * moved by changes of behaviour elsewhere) or from runs, picked by event type.
 */
import { describe, expect, it } from "vitest";
import { type Era, era } from "../../src/linux/eras/profiles.js";
import { current } from "../../src/linux/include/current.js";
import { TASK_INTERRUPTIBLE } from "../../src/linux/include/sched.js";
import type { EventType, TraceEvent, TraceRecord } from "../../src/linux/include/trace/events/records.js";
import { set_current_state, wake_up_process } from "../../src/linux/kernel/sched/core.js";
import { TraceBuffer } from "../../src/linux/kernel/trace/buffer.js";
import { type RunOptions, type RunResult, runScenario, traceText } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { functionId } from "../../src/sim/functions.js";
import { formatEventText, formatLine, formatPrevState, ftraceHeader } from "../../src/trace/ftrace.js";
import { formatFunctionGraph } from "../../src/trace/function-graph.js";
import { records, runMain } from "../helpers.js";

function run(name: string, kernel: string, opts: RunOptions = {}): RunResult {
  return runScenario(findScenario(name) as Scenario, { cpus: 2, seed: 1, kernel, ...opts });
}

/** The records of one type, and their texts in the run's release. */
function texts(r: RunResult, type: EventType): string[] {
  return records(r)
    .filter((e) => e.type === type)
    .map((e) => formatEventText(e, r.machine.kernel.era));
}

/** The record type whose `type` may be T (a wakeup record has three). */
type Of<T> = TraceRecord extends infer R ? (R extends { type: infer U } ? (T extends U ? R : never) : never) : never;

function first<T extends TraceRecord["type"]>(r: RunResult, type: T, pred: (e: TraceRecord) => boolean = () => true) {
  const e = records(r).find((x) => x.type === type && pred(x));
  if (e === undefined) throw new Error(`no ${type}`);
  return e as Of<T>;
}

/** A record as a tracepoint of pid 2 on CPU 3 at 12.345678 s would leave it. */
function rec(ev: TraceEvent, irqflags = "d..2."): TraceRecord {
  return { ts: 12_345_678_000, cpu: 3, pid: 2, tgid: 2, irqflags, ...ev } as TraceRecord;
}

const cmdlines = new Map([[2, "kthreadd"]]);
const wakeupNew = (success?: number): TraceEvent => ({
  type: "sched_wakeup_new",
  comm: "my_kthread",
  tpid: 812,
  prio: 120,
  target_cpu: 3,
  success,
});

/** The same events in two releases: [older texts, newer texts]. */
function both(events: TraceRecord[], older: string, newer: string): [string[], string[]] {
  return [events.map((e) => formatEventText(e, era(older))), events.map((e) => formatEventText(e, era(newer)))];
}

describe("which tracepoints exist", () => {
  it("2.6.24 has none: nothing is recorded, the header says so, the function tracer still works | 2.6.32 records", () => {
    const old = run("kthread-run", "2.6.24");
    expect(old.machine.kernel.trace.written).toBe(0);
    expect(traceText(old).split("\n")).toEqual([
      "# tracer: nop",
      "#",
      "# 2.6.24 has no tracepoints (ftrace came in 2.6.27): no events are recorded",
      "#           TASK-PID    CPU#    TIMESTAMP  FUNCTION",
      "#              | |       |          |         |",
      "",
    ]);
    const fn = run("kthread-run", "2.6.24", { tracer: { tracer: "function" }, events: ["sched_switch"] });
    const kinds = new Set(records(fn).map((e) => e.type));
    expect([...kinds]).toEqual(["function"]);
    const graph = run("kthread-run", "2.6.24", { tracer: { tracer: "function_graph" } });
    expect(traceText(graph).split("\n").slice(0, 4)).toEqual([
      "# tracer: function_graph",
      "#",
      "# 2.6.24 has no tracepoints (ftrace came in 2.6.27): no events are recorded",
      "# CPU  DURATION                  FUNCTION CALLS",
    ]);
    const newer = run("kthread-run", "2.6.32");
    const stop = first(newer, "sched_kthread_stop");
    expect(texts(newer, "sched_kthread_stop")).toEqual([`task my_kthread/0:${stop.tpid}`]);
  });

  it("task_newtask, task_rename and sched_process_exec: absent 2.6.32, present 3.10", () => {
    for (const [kernel, present] of [
      ["2.6.32", false],
      ["3.10", true],
    ] as const) {
      const r = run("fork", kernel);
      const types = new Set(records(r).map((e) => e.type));
      expect([types.has("task_newtask"), types.has("sched_process_exec")], kernel).toEqual([present, present]);
      const e = r.machine.kernel.trace.enabled;
      expect([e.task_newtask, e.task_rename, e.sched_process_exec], kernel).toEqual([present, present, present]);
    }
  });

  it("sched_waking: absent 3.13 even when asked for, present 4.4", () => {
    const old = run("kthread-run", "3.13", { events: ["sched_waking", "sched_wakeup"] });
    expect(records(old).filter((e) => e.type === "sched_waking")).toEqual([]);
    expect(records(old).some((e) => e.type === "sched_wakeup")).toBe(true);
    const r = run("kthread-run", "4.4", { events: ["sched_waking", "sched_wakeup"] });
    const waking = first(r, "sched_waking", (e) => "comm" in e && e.comm === "kthreadd");
    expect(formatEventText(waking, era("4.4"))).toBe(`comm=kthreadd pid=2 prio=120 target_cpu=00${waking.target_cpu}`);
  });

  it("sched_kthread_work_*: absent 5.10, present 5.17", () => {
    const types = (kernel: string) =>
      [...new Set(records(run("kthread-worker", kernel)).map((e) => e.type))].filter((t) => t.includes("kthread_work"));
    expect(types("5.10")).toEqual([]);
    expect(types("5.17").sort()).toEqual([
      "sched_kthread_work_execute_end",
      "sched_kthread_work_execute_start",
      "sched_kthread_work_queue_work",
    ]);
  });
});

describe("event texts", () => {
  it("2.6.32's own formats | 3.10's comm=/pid= formats", () => {
    const events = [
      rec(wakeupNew(1)),
      rec({ type: "sched_wakeup", comm: "init", tpid: 1, prio: 120, target_cpu: 0, success: 0 }),
      rec({
        type: "sched_switch",
        prev_comm: "init",
        prev_pid: 1,
        prev_prio: 120,
        prev_state: 2,
        next_comm: "kthreadd",
        next_pid: 2,
        next_prio: 120,
      }),
      rec({ type: "sched_process_fork", comm: "kthreadd", tpid: 2, child_comm: "kthreadd", child_pid: 18 }),
      rec({ type: "sched_process_exit", comm: "my_kthread", tpid: 18, prio: 120, group_dead: true }),
      rec({ type: "sched_process_free", comm: "my_kthread", tpid: 18, prio: 120 }),
      rec({ type: "sched_process_wait", comm: "init", tpid: 0, prio: 120 }),
      rec({ type: "sched_kthread_stop", comm: "my_kthread", tpid: 18 }),
      rec({ type: "sched_kthread_stop_ret", ret: 0 }),
    ];
    expect(both(events, "2.6.32", "3.10")).toEqual([
      [
        "task my_kthread:812 [120] success=1 [003]",
        "task init:1 [120] success=0 [000]",
        "task init:1 [120] (D) ==> kthreadd:2 [120]",
        "parent kthreadd:2  child kthreadd:18",
        "task my_kthread:18 [120]",
        "task my_kthread:18 [120]",
        "task init:0 [120]",
        "task my_kthread:18",
        "ret 0",
      ],
      [
        "comm=my_kthread pid=812 prio=120 success=1 target_cpu=003",
        "comm=init pid=1 prio=120 success=0 target_cpu=000",
        "prev_comm=init prev_pid=1 prev_prio=120 prev_state=D ==> next_comm=kthreadd next_pid=2 next_prio=120",
        "comm=kthreadd pid=2 child_comm=kthreadd child_pid=18",
        "comm=my_kthread pid=18 prio=120",
        "comm=my_kthread pid=18 prio=120",
        "comm=init pid=0 prio=120",
        "comm=my_kthread pid=18",
        "ret=0",
      ],
    ]);
  });

  it("2.6.32 records success=0 for a wakeup of a task still queued | 3.10 always success=1", () => {
    const selfWake = (kernel: string) => {
      const r = runMain(
        function* () {
          set_current_state(TASK_INTERRUPTIBLE);
          yield* wake_up_process(current());
        },
        { kernel, events: ["sched_wakeup"] },
      );
      return texts(r, "sched_wakeup").filter((t) => t.includes("init:1") || t.includes("comm=init "));
    };
    expect(selfWake("2.6.32")).toEqual(["task init:1 [120] success=0 [000]"]);
    expect(selfWake("3.10")).toEqual(["comm=init pid=1 prio=120 success=1 target_cpu=000"]);
  });

  /**
   * The text of kthread-run's first `type` event about `comm` on `kernel`, with "PID" and
   * "CPU" for the run's pid and target CPU (which change with boot, not with the format).
   */
  function pick(kernel: string, type: EventType, comm: string): string {
    const r = run("kthread-run", kernel);
    const e = first(r, type, (x) => "comm" in x && x.comm === comm);
    return formatEventText(e, r.machine.kernel.era)
      .replace(/(^| )pid=\d+ /, "$1pid=PID ")
      .replace(/target_cpu=\d+$/, "target_cpu=CPU");
  }

  it("sched_wakeup_new of kthread-run: success=1 on 3.13 | none on 4.4", () => {
    expect(pick("3.13", "sched_wakeup_new", "kthreadd")).toBe(
      "comm=kthreadd pid=PID prio=120 success=1 target_cpu=CPU",
    );
    expect(pick("4.4", "sched_wakeup_new", "kthreadd")).toBe("comm=kthreadd pid=PID prio=120 target_cpu=CPU");
  });

  it("task_newtask's clone_flags keep the exit signal: 800711 on 4.19 | 800700 on 5.4", () => {
    expect(pick("4.19", "task_newtask", "kthreadd")).toBe("pid=PID comm=kthreadd clone_flags=800711 oom_score_adj=0");
    expect(pick("5.4", "task_newtask", "kthreadd")).toBe("pid=PID comm=kthreadd clone_flags=800700 oom_score_adj=0");
  });

  it("task_rename prints pid= on 6.8 | not on 6.19", () => {
    const e = rec({ type: "task_rename", tpid: 812, oldcomm: "kthreadd", newcomm: "my_kthread", oom_score_adj: 0 });
    expect(both([e], "6.8", "6.19")).toEqual([
      ["pid=812 oldcomm=kthreadd newcomm=my_kthread oom_score_adj=0"],
      ["oldcomm=kthreadd newcomm=my_kthread oom_score_adj=0"],
    ]);
  });

  it("sched_process_exit of kthread-run's thread: no group_dead on 6.8 | group_dead=true on 6.19", () => {
    expect(pick("6.8", "sched_process_exit", "my_kthread/0")).toBe("comm=my_kthread/0 pid=PID prio=120");
    expect(pick("6.19", "sched_process_exit", "my_kthread/0")).toBe(
      "comm=my_kthread/0 pid=PID prio=120 group_dead=true",
    );
  });
});

describe("sched_switch prev_state", () => {
  it("2.6.32 names TASK_WAKEKILL W | 3.10 names it K (a killable sleep: D|W, D|K)", () => {
    // Both store the raw p->state: TASK_KILLABLE is 128|2 there.
    expect([formatPrevState(130, era("2.6.32")), formatPrevState(130, era("3.10"))]).toEqual(["D|W", "D|K"]);
    expect([formatPrevState(0, era("2.6.32")), formatPrevState(1024, era("3.10"))]).toEqual(["R", "R+"]);
  });

  it("4.9 records the raw state (creator D|K, dying thread x) | 4.14 the reported one (D, X)", () => {
    const states = (kernel: string) => {
      const r = run("kthread-run", kernel);
      const era = r.machine.kernel.era;
      const of = (comm: string) =>
        records(r)
          .filter((e) => e.type === "sched_switch" && e.prev_comm === comm)
          .map((e) => (e.type === "sched_switch" ? formatPrevState(e.prev_state, era) : ""));
      return [of("init")[0], of("my_kthread/0").at(-1)];
    };
    expect(states("4.9")).toEqual(["D|K", "x"]);
    expect(states("4.14")).toEqual(["D", "X"]);
  });
});

describe("line prefix and header", () => {
  const line = (kernel: string, irqflags: string) => formatLine(rec(wakeupNew(), irqflags), cmdlines, era(kernel));

  it("no irq-info column on 2.6.32 | four flags on 3.10", () => {
    expect(line("2.6.32", "d..2")).toBe(
      "        kthreadd-2     [003]    12.345678: sched_wakeup_new: task my_kthread:812 [120] success=1 [003]",
    );
    expect(line("3.10", "d..2")).toBe(
      "        kthreadd-2     [003] d..2    12.345678: sched_wakeup_new: comm=my_kthread pid=812 prio=120 success=1 target_cpu=003",
    );
  });

  it("pid 5 wide on 4.19 | 7 wide on 5.10", () => {
    expect(line("4.19", "d..2")).toBe(
      "        kthreadd-2     [003] d..2    12.345678: sched_wakeup_new: comm=my_kthread pid=812 prio=120 target_cpu=003",
    );
    expect(line("5.10", "d..2")).toBe(
      "        kthreadd-2       [003] d..2    12.345678: sched_wakeup_new: comm=my_kthread pid=812 prio=120 target_cpu=003",
    );
  });

  it("four irq-info characters recorded on 5.10 | five (migrate-disable) on 5.17", () => {
    const widths = (kernel: string) => [...new Set(records(run("kthread-run", kernel)).map((e) => e.irqflags.length))];
    expect(widths("5.10")).toEqual([4]);
    expect(widths("5.17")).toEqual([5]);
    expect(line("5.17", "d..2.")).toBe(
      "        kthreadd-2       [003] d..2.    12.345678: sched_wakeup_new: comm=my_kthread pid=812 prio=120 target_cpu=003",
    );
  });

  const header = (kernel: string) => ftraceHeader(41, 41, 2, "nop", era(kernel));
  const LEGEND_310 = [
    "#                              _-----=> irqs-off",
    "#                             / _----=> need-resched",
    "#                            | / _---=> hardirq/softirq",
    "#                            || / _--=> preempt-depth",
    "#                            ||| /     delay",
    "#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION",
    "#              | |       |   ||||       |         |",
  ];
  const ENTRIES = ["# entries-in-buffer/entries-written: 41/41   #P:2", "#"];

  it("header: 2.6.32's two column lines | 3.10's entries line and irq-info legend", () => {
    expect(header("2.6.32")).toEqual([
      "# tracer: nop",
      "#",
      "#           TASK-PID    CPU#    TIMESTAMP  FUNCTION",
      "#              | |       |          |         |",
    ]);
    expect(header("3.10")).toEqual(["# tracer: nop", "#", ...ENTRIES, ...LEGEND_310]);
  });

  it("header: 4.14 prints the entries line | 4.19.0 lost it (print_func_help_header_irq)", () => {
    expect(header("4.14")).toEqual(["# tracer: nop", "#", ...ENTRIES, ...LEGEND_310]);
    expect(header("4.19")).toEqual(["# tracer: nop", "#", ...LEGEND_310]);
  });

  it("header: 4.19's legend for 5-wide pids | 5.10's for 7-wide | 5.17's with migrate-disable", () => {
    // 5.10: the flag legend two columns further right, under the wider pid; TIMESTAMP one left.
    const shifted = LEGEND_310.slice(0, 5).map((l) => `#  ${l.slice(1)}`);
    expect(header("5.10")).toEqual([
      "# tracer: nop",
      "#",
      ...ENTRIES,
      ...shifted,
      "#           TASK-PID     CPU#  ||||   TIMESTAMP  FUNCTION",
      "#              | |         |   ||||      |         |",
    ]);
    expect(shifted[0]).toBe("#                                _-----=> irqs-off");
    expect(header("5.17")).toEqual([
      "# tracer: nop",
      "#",
      ...ENTRIES,
      "#                                _-----=> irqs-off/BH-disabled",
      "#                               / _----=> need-resched",
      "#                              | / _---=> hardirq/softirq",
      "#                              || / _--=> preempt-depth",
      "#                              ||| / _-=> migrate-disable",
      "#                              |||| /     delay",
      "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
      "#              | |         |   |||||     |         |",
    ]);
  });
});

describe("function_graph", () => {
  /** One 2 ms leaf and one 20 µs leaf as the tracer records them, formatted for `kernel`. */
  function graph(e: Era): string[] {
    const buf = new TraceBuffer(16, [], e);
    const fn = functionId("schedule");
    const at = (ts: number, ev: TraceEvent) =>
      buf.push({ ts, cpu: 0, pid: 1, tgid: 1, irqflags: "....", ...ev } as TraceRecord);
    at(1_000_000, { type: "funcgraph_entry", fn, depth: 0 });
    at(3_000_000, { type: "funcgraph_exit", fn, depth: 0, calltime: 1_000_000, retval: null });
    at(3_000_000, { type: "funcgraph_entry", fn, depth: 0 });
    at(3_020_000, { type: "funcgraph_exit", fn, depth: 0, calltime: 3_000_000, retval: null });
    return formatFunctionGraph(buf, 1).split("\n").slice(4, 6);
  }

  it("duration marks: + and ! only on 3.13 | # * @ $ too from 4.4 (4.1's trace_find_mark)", () => {
    expect(graph(era("3.13"))).toEqual([" 0) ! 2000.000 us |  schedule();", " 0) + 20.000 us   |  schedule();"]);
    expect(graph(era("4.4"))).toEqual([" 0) # 2000.000 us |  schedule();", " 0) + 20.000 us   |  schedule();"]);
  });
});

describe("who traces a wakeup onto an idle CPU", () => {
  it("the waker up to 5.17; from 6.1 the woken CPU, from its wake list (<idle>)", () => {
    // kthread-run: the new thread completes its creator's `done`; the creator's CPU is idle.
    const waker = (kernel: string) => {
      const r = run("kthread-run", kernel);
      const creator = first(r, "sched_wakeup", (e) => "comm" in e && e.comm === "init");
      const thread = first(r, "sched_wakeup_new");
      return [creator.pid === 0 ? "idle" : creator.pid === (thread as { tpid: number }).tpid ? "new thread" : "?"];
    };
    expect(waker("5.17")).toEqual(["new thread"]);
    expect(waker("6.1")).toEqual(["idle"]);
  });
});
