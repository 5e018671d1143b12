/** --format perfetto: Chrome JSON trace events that hold together as Perfetto needs them. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEvents } from "../../src/linux/include/trace/events/records.js";
import { runScenario, traceText } from "../../src/run.js";
import kthreadRun from "../../src/scenarios/kthread-run.js";
import kthreadWorker from "../../src/scenarios/kthread-worker.js";
import { type ChromeEvent, CPUS_PID } from "../../src/trace/perfetto.js";

function perfetto(scenario: typeof kthreadRun, cpus: number, seed: number): ChromeEvent[] {
  const events = parseEvents("all");
  const r = runScenario(scenario, { cpus, seed, tracer: { tracer: "function_graph" }, events });
  return (JSON.parse(traceText(r, {}, "perfetto")) as { traceEvents: ChromeEvent[] }).traceEvents;
}

/** The structural rules of the format, checked on one trace. */
function checkStructure(events: ChromeEvent[]): void {
  const byTrack = new Map<string, ChromeEvent[]>();
  for (const e of events.filter((x) => x.ph !== "M")) {
    const key = `${e.pid}:${e.tid}`;
    byTrack.set(key, [...(byTrack.get(key) ?? []), e]);
  }
  const slices = new Map<string, [number, number][]>();
  for (const [key, list] of byTrack) {
    // Begins and ends nest, name for name, with monotonic timestamps on the track.
    const stack: string[] = [];
    let last = -Infinity;
    for (const e of list.filter((x) => x.ph === "B" || x.ph === "E" || x.ph === "i")) {
      expect(e.ts as number, key).toBeGreaterThanOrEqual(last);
      last = e.ts as number;
      if (e.ph === "B") stack.push(e.name);
      if (e.ph === "E") expect(stack.pop(), `${key} ${e.name}`).toBe(e.name);
    }
    expect(stack, key).toEqual([]);
    // Complete slices (the CPU tracks) do not overlap.
    const xs = list
      .filter((x) => x.ph === "X")
      .map((x) => [x.ts as number, (x.ts as number) + (x.dur as number)] as [number, number]);
    xs.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < xs.length; i++)
      expect((xs[i] as [number, number])[0]).toBeGreaterThanOrEqual((xs[i - 1] as [number, number])[1] - 1e-9);
    slices.set(key, xs);
  }
  // Every flow has one start inside a slice and one end at the start of a slice.
  const starts = events.filter((e) => e.ph === "s");
  const ends = events.filter((e) => e.ph === "f");
  expect(starts.map((e) => e.id).sort()).toEqual(ends.map((e) => e.id).sort());
  for (const s of starts) {
    const xs = slices.get(`${s.pid}:${s.tid}`) ?? [];
    expect(
      xs.some(([a, b]) => a <= (s.ts as number) && (s.ts as number) <= b),
      `flow ${s.id} start`,
    ).toBe(true);
  }
  for (const f of ends) {
    const xs = slices.get(`${f.pid}:${f.tid}`) ?? [];
    expect(
      xs.some(([a]) => a === f.ts),
      `flow ${f.id} end`,
    ).toBe(true);
    expect(f.ts as number).toBeGreaterThanOrEqual(starts.find((s) => s.id === f.id)?.ts as number);
  }
}

describe("perfetto", () => {
  it("has CPU tracks of running tasks, function slices on task tracks, tracepoints and wakeup flows", () => {
    const events = perfetto(kthreadRun, 2, 1);
    checkStructure(events);
    const cpuSlices = events.filter((e) => e.ph === "X" && e.pid === CPUS_PID);
    expect(cpuSlices.some((e) => e.name === "my_kthread/0-39")).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ ph: "B", name: "copy_process", pid: 2, tid: 2 }));
    expect(events).toContainEqual(
      expect.objectContaining({
        ph: "i",
        name: "sched_wakeup_new",
        tid: 2,
        args: expect.objectContaining({ tpid: 39 }),
      }),
    );
    expect(events.filter((e) => e.ph === "s").length).toBeGreaterThan(0);
    expect(events).toContainEqual({ name: "thread_name", ph: "M", pid: CPUS_PID, tid: 1, args: { name: "CPU 1" } });
  });

  it("holds together for any CPU count and seed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (cpus, seed, worker) => {
          checkStructure(perfetto(worker ? kthreadWorker : kthreadRun, cpus, seed));
        },
      ),
      { numRuns: 12 },
    );
  });
});
