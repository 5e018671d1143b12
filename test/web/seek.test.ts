/** Moving to a trace line or an instant (web/src/worker/seek.ts), as clicks on the trace and the timeline do. */
import { describe, expect, it } from "vitest";
import { Session } from "../../src/web/session.js";
import { gotoLine, gotoTime } from "../../web/src/worker/seek.js";

const spec = { scenario: "kthread-run", cpus: 2, seed: 1, era: "6.19" };

describe("seeking", () => {
  it("goes to the first position at which a trace line is there", () => {
    const s = new Session(spec);
    const end = s.run({});
    for (const line of [0, 5, 17, end.trace.length - 1]) {
      const at = gotoLine(s, line);
      expect(at.trace.length).toBeGreaterThan(line);
      expect(at.trace[line]).toBe(end.trace[line]);
      expect(s.goto(at.position.step - 1).trace.length).toBeLessThanOrEqual(line);
      s.goto(end.position.step);
    }
  });

  it("leaves the session where it is for a line not traced yet", () => {
    const s = new Session(spec);
    const here = s.run({ maxSteps: 10 });
    expect(gotoLine(s, 10_000).position).toEqual(here.position);
  });

  it("goes to the last position at or before an instant", () => {
    const s = new Session(spec);
    const end = s.run({});
    const t = end.traceTimes[20] as number;
    const at = gotoTime(s, t);
    expect(at.position.time).toBeLessThanOrEqual(t);
    expect(s.goto(at.position.step + 1).position.time).toBeGreaterThan(t);
  });
});
