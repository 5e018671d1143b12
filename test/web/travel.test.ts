/**
 * Going back in the visualizer (issue 19): a restore of the snapshot before the position
 * plus at most K steps, whatever the distance, showing what the session showed there; a run
 * whose machine cannot be copied (a scenario typed into the editor) still goes back, by
 * replaying from power-on.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import { Timeline } from "../../src/timetravel.js";
import { SCENARIO_TEMPLATE } from "../../src/web/compile.js";
import { Session } from "../../src/web/session.js";
import type { RunSpec } from "../../src/web/types.js";
import { gotoLine, gotoTime } from "../../web/src/worker/seek.js";

const spec: RunSpec = { scenario: "kthread-run", cpus: 2, seed: 1, era: "6.19" };
const GENERATORS = runtimeName() === "generators";

afterEach(() => vi.restoreAllMocks());

/** The positions the session restored from while `f` ran, with the steps it then ran on. */
function restores(s: Session, f: () => unknown): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  const restoreAt = Timeline.prototype.restoreAt;
  vi.spyOn(Timeline.prototype, "restoreAt").mockImplementation(function (this: Timeline<unknown>, step: number) {
    const t = restoreAt.call(this, step);
    out.push({ from: t.machine.engine.steps, to: step });
    return t;
  });
  f();
  void s;
  return out;
}

describe.skipIf(GENERATORS)("going back in the visualizer", () => {
  it("any distance back is one restore and at most K steps; the view is the one the session had there", () => {
    const s = new Session(spec);
    expect(s.travels).toBe(true);
    const shown = new Map<number, string>();
    const end = s.run({}).position.step;
    const fresh = new Session(spec);
    fresh.run({}); // so that it knows the end too
    for (const at of [end - 1, end - 700, s.snapshot().start + 3, Math.floor(end / 2)]) {
      shown.set(at, JSON.stringify(fresh.goto(at)));
    }
    for (const [at, view] of shown) {
      s.goto(end);
      let got = "";
      const r = restores(s, () => {
        got = JSON.stringify(s.goto(at));
      });
      expect(r).toHaveLength(1);
      expect((r[0] as { to: number }).to - (r[0] as { from: number }).from).toBeLessThanOrEqual(10_000);
      expect(got).toBe(view);
      vi.restoreAllMocks();
    }
    // b: one step back is a restore too, never a replay from power-on.
    s.goto(end);
    const r = restores(s, () => s.back());
    expect(r).toHaveLength(1);
    expect(s.snapshot().position.step).toBe(end - 1);
  });

  it("a click on the trace or the timeline finds the same position as before", () => {
    const s = new Session(spec);
    const end = s.run({});
    const line = gotoLine(s, 17);
    expect(line.trace[17]).toBe(end.trace[17]);
    expect(s.goto(line.position.step - 1).trace.length).toBeLessThanOrEqual(17);
    const t = end.traceTimes[20] as number;
    const at = gotoTime(s, t);
    expect(at.position.time).toBeLessThanOrEqual(t);
    expect(s.goto(at.position.step + 1).position.time).toBeGreaterThan(t);
  });

  it("a scenario typed into the editor (generators, no snapshots) goes back by replaying", () => {
    const custom: RunSpec = { ...spec, scenario: "custom", source: SCENARIO_TEMPLATE };
    const s = new Session(custom);
    expect(s.travels).toBe(false);
    const end = s.run({}).position.step;
    const at = end - 300;
    const there = JSON.stringify(s.goto(at));
    expect(s.goto(end).position.step).toBe(end);
    expect(JSON.stringify(s.goto(at))).toBe(there);
    expect(JSON.stringify(new Session(custom).goto(at))).not.toBe(there); // it does not know the end yet
    const again = new Session(custom);
    again.run({});
    expect(JSON.stringify(again.goto(at))).toBe(there);
  });
});
