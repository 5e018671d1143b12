/**
 * `tasklab explain` on the model's own traces: read back, a `tasklab run --trace-boot`
 * trace gives the tree the model's pstree draws (with the trace's 15-character comms, the
 * only names a trace has), in every layout the model writes (nop, function,
 * function_graph with and without the task column) and every era's formats, and the
 * model's runs never depart from their own release's protocol.
 */
import { describe, expect, it } from "vitest";
import { allDepartures, explain, pstreeRows } from "../../src/explain/explain.js";
import { readTraceText } from "../../src/explain/read.js";
import { ALL_EVENTS } from "../../src/linux/include/trace/events/records.js";
import { psRows, type RunOptions, runScenario, traceText } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { GraphOptions } from "../../src/trace/function-graph.js";
import { formatPstree } from "../../src/views/pstree.js";

function both(name: string, opts: RunOptions, graph: GraphOptions = {}) {
  const s = findScenario(name);
  if (s === undefined) throw new Error(name);
  const r = runScenario(s, { traceBoot: true, ...opts });
  const x = explain(readTraceText(traceText(r, graph)), opts.kernel);
  const model = formatPstree(psRows(r, true).map((row) => ({ ...row, name: row.comm })));
  return { x, explained: formatPstree(pstreeRows(x)), model };
}

describe("explain reads tasklab run's traces back", () => {
  const scenarios = [
    "boot",
    "kthread-run",
    "kthread-stop-unwoken",
    "kthread-park",
    "kthread-worker",
    "fork",
    "vfork",
    "pthread-create",
    "posix-spawn",
    "clone-flags",
    "fork-vs-thread",
    "orphans",
    "pid-namespace",
  ];
  it.each(scenarios)("%s: the same tree as the model's pstree, no departure from 6.19", (name) => {
    const { x, explained, model } = both(name, {});
    expect(explained).toBe(model);
    expect(allDepartures(x)).toEqual([]);
    expect(x.read.skipped.count).toBe(0);
  });

  it.each(["2.6.32", "3.10", "4.4", "4.14", "5.10", "6.1"])(
    "kthread-run and posix-spawn on %s: the era's formats and protocol read back",
    (kernel) => {
      for (const name of ["kthread-run", "posix-spawn"]) {
        const { x, explained, model } = both(name, { kernel });
        expect(explained, name).toBe(model);
        expect(allDepartures(x), name).toEqual([]);
        expect(x.protocols.length, name).toBeGreaterThan(0);
      }
    },
  );

  it("the function and function_graph tracers' output gives the same creations as the nop tracer's", () => {
    const creations = (tracer: "nop" | "function" | "function_graph", graph: GraphOptions = {}) => {
      const { x } = both("kthread-run", { tracer: { tracer }, events: ALL_EVENTS }, graph);
      expect(allDepartures(x), tracer).toEqual([]);
      expect(x.read.tracer).toBe(tracer);
      expect(x.read.skipped.count, tracer).toBe(0);
      return x.read.recon.tasks
        .filter((t) => t.creation !== null)
        .map((t) => `${t.creation?.kind} ${t.comm}(${t.pid})`);
    };
    const nop = creations("nop");
    expect(nop.length).toBeGreaterThan(30);
    expect(creations("function")).toEqual(nop);
    expect(creations("function_graph", { proc: true })).toEqual(nop);
    expect(creations("function_graph")).toEqual(nop);
  });

  it("function_graph from the scenario's start: lines before a CPU's first switch have no task, and still no departure", () => {
    const r = runScenario(findScenario("kthread-run") as NonNullable<ReturnType<typeof findScenario>>, {
      tracer: { tracer: "function_graph" },
      events: ALL_EVENTS,
    });
    const x = explain(readTraceText(traceText(r)));
    expect(x.read.skipped.count).toBe(0);
    expect(x.protocols.map((p) => [p.child.comm, p.creator?.comm, p.departures])).toEqual([
      ["my_kthread/0", "init", []],
    ]);
    expect(x.protocols[0]?.steps.every((s) => s.at !== null && s.at.ts === null)).toBe(true);
  });

  it("a killed creator: the new thread exits without completing it, which is a departure", () => {
    const { x } = both("kthread-creator-killed-3a", {});
    expect(allDepartures(x)).toEqual([
      "kthread victim(40): the new thread exited (line 648) without waking a creator: its creator had left (a fatal signal ended the killable wait), so the thread ends the request itself",
    ]);
  });

  it("a 6.19 trace read as 4.9: every kthread departs (named at the fork, no SIGCHLD in its flags)", () => {
    const r = runScenario(findScenario("kthread-run") as NonNullable<ReturnType<typeof findScenario>>, {});
    const x = explain(readTraceText(traceText(r)), "4.9");
    expect(x.protocols.length).toBeGreaterThan(0);
    for (const p of x.protocols) expect(p.departures).toHaveLength(2);
    expect(x.formatConflicts).toContain("sched_process_exit's group_dead=: seen, 4.9 has not");
  });
});
