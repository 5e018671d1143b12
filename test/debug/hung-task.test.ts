import { describe, expect, it } from "vitest";
import { problems, runScenario } from "../../src/run.js";
import { neverCompleted, slowComplete } from "./broken.js";
import { ofKind, pidOf } from "./detect.js";

const waiterStack = [
  "Call Trace:",
  " schedule",
  " schedule_timeout",
  " wait_for_common",
  " wait_for_completion",
  " waiter",
  " kthread",
  " ret_from_fork",
];

describe("the hung task check", () => {
  it("reports a task in D longer than the timeout from the tick, once, with its stack", () => {
    const r = runScenario(slowComplete, { detectors: { hungTask: 1 } });
    const [rep, ...more] = ofKind(r, "hung-task");
    expect(more).toEqual([]);
    expect(problems(r.reports)).toContain(rep);
    const pid = pidOf(r, "waiter");
    expect(rep?.title).toBe(`INFO: task waiter:${pid} blocked for more than 1 seconds.`);
    expect(rep?.lines.slice(1)).toEqual([
      `task:waiter          state:D stack:0     pid:${String(pid).padEnd(5)} tgid:${String(pid).padEnd(5)} ppid:2      task_flags:0x208040 flags:0x00000000`,
      ...waiterStack,
    ]);
    // Found by the check at the tick after 2 s (the one at 1 s was too early), while the
    // waiter still slept: it was woken at 2.5 s.
    expect(rep?.time).toBeGreaterThanOrEqual(2e9);
    expect(rep?.time).toBeLessThan(2.01e9);
  });

  it("reports at the end of the run a task that passed the timeout since the last check", () => {
    const r = runScenario(neverCompleted, { detectors: { hungTask: 1, deadlock: false } });
    const [rep, ...more] = ofKind(r, "hung-task");
    expect(more).toEqual([]);
    expect(rep?.title).toBe(`INFO: task waiter:${pidOf(r, "waiter")} blocked for more than 1 seconds.`);
    expect(rep?.lines.slice(2)).toEqual(waiterStack);
    expect(rep?.time).toBe(r.machine.now);
  });

  it("waits 120 s by default, and is off with 0 or false", () => {
    expect(ofKind(runScenario(slowComplete), "hung-task")).toEqual([]);
    expect(ofKind(runScenario(slowComplete, { detectors: { hungTask: 0 } }), "hung-task")).toEqual([]);
    expect(ofKind(runScenario(slowComplete, { detectors: { hungTask: false } }), "hung-task")).toEqual([]);
    expect(() => runScenario(slowComplete, { detectors: { hungTask: -1 } })).toThrow(RangeError);
  });
});
