import { describe, expect, it } from "vitest";
import { machineFor, problems, runScenario } from "../../src/run.js";
import { holdsLock } from "./broken.js";
import { ofKind, pidOf } from "./detect.js";

describe("scenario invariants", () => {
  it("are reported once each: `always` ones where they first fail, the others at the end", () => {
    const r = runScenario(holdsLock);
    const reps = ofKind(r, "invariant");
    expect(problems(r.reports)).toEqual(reps);
    expect(reps.map((x) => x.title)).toEqual([
      "tasklab: invariant lock_a-free violated: held by ab",
      `tasklab: invariant few-processes violated: ${r.machine.tasks().length} processes`,
      "tasklab: invariant throws violated: its check threw: no such thing",
    ]);
    // lock_a is free again at the end: only the check at the return of spin_lock saw it held.
    expect(reps[0]?.lines).toEqual([
      `seen in ab/${pidOf(r, "ab")} on CPU ${reps[0]?.cpu}:`,
      "Call Trace:",
      " spin_lock",
      " take_a_then_b",
      " kthread",
      " ret_from_fork",
    ]);
    expect(reps[1]?.time).toBe(r.machine.now);
  });

  it("hook into the engine only when one must hold all along, and not when switched off", () => {
    expect(machineFor({ ...holdsLock, invariants: holdsLock.invariants?.slice(1) }).engine.onEnter).toBeNull();
    expect(machineFor(holdsLock).engine.onEnter).not.toBeNull();
    expect(machineFor(holdsLock, { detectors: { invariants: false } }).engine.onEnter).toBeNull();
    expect(ofKind(runScenario(holdsLock, { detectors: { invariants: false } }), "invariant")).toEqual([]);
  });
});
