/**
 * Time travel (src/timetravel.ts): forward to step N then back to step M gives the machine
 * forward to M gives (hash, trace, reports), for the built-in scenarios, several seeds and
 * any N, M; snapshots every K steps, at most K replayed by a seek, the memory cap.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runtimeName } from "../src/build/runtime.mjs";
import { msleep } from "../src/index.js";
import { Machine } from "../src/machine.js";
import { machineFor } from "../src/run.js";
import { installInvariants } from "../src/scenarios/detectors.js";
import { SCENARIOS } from "../src/scenarios/index.js";
import type { Scenario } from "../src/scenarios/scenario.js";
import { runTo, Timeline } from "../src/timetravel.js";
import { formatFtrace } from "../src/trace/ftrace.js";

const GENERATORS = runtimeName() === "generators";

/** Every scenario: its machine is data once its host hooks (invariants, injection) are put back. */
const NAMES = SCENARIOS.map((s) => s.name);

function scenario(name: string): Scenario {
  return SCENARIOS.find((s) => s.name === name) as Scenario;
}

/** What a position shows: the state's hash, the trace, the reports. */
function view(m: Machine) {
  return {
    steps: m.engine.steps,
    hash: m.hash(),
    trace: formatFtrace(m.kernel.trace, m.kernel.nr_cpu_ids),
    reports: m.reports.map((r) => `${r.kind}: ${r.title}`),
  };
}

function timelineOf(s: Scenario, seed: number, every: number) {
  const m = machineFor(s, { seed, cpus: 2 });
  const tl = new Timeline(m, null, (c) => installInvariants(c, s.invariants ?? []), { every });
  return { m, tl };
}

describe.skipIf(GENERATORS)("time travel", () => {
  it("forward to N, back to M = forward to M (every scenario, seeds, N, M)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 7, max: 700 }),
        (name, seed, n, mRaw, every) => {
          const s = scenario(name);
          const { m, tl } = timelineOf(s, seed, every);
          tl.forward({ machine: m, data: null }, n);
          const end = m.engine.steps; // n, or less when the run ended first
          const back = Math.min(mRaw, end);
          const there = tl.seek(back);
          expect(there.why).toBe(null);
          const direct = machineFor(s, { seed, cpus: 2 });
          expect(runTo(direct, back)).toBe(null);
          expect(view(there.machine)).toEqual(view(direct));
          // And forward again from there to N: the run it was (to its end, if it ended before N:
          // passes that only take an interrupt may follow the last step).
          tl.forward(there, n);
          expect(view(there.machine)).toEqual(view(m));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("keeps a snapshot every K steps; a seek replays at most K", () => {
    const { m, tl } = timelineOf(scenario("fork"), 1, 100);
    tl.forward({ machine: m, data: null }, 1000);
    expect(tl.positions).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(tl.snapshotAt(999)).toBe(900);
    expect(tl.snapshotAt(1000)).toBe(1000);
    // Going back and forwards again keeps no second snapshot at the same marks.
    const there = tl.seek(250);
    tl.forward(there, 1000);
    expect(tl.positions).toHaveLength(11);
  });

  it("caps memory: past the most snapshots, every other one goes and K doubles", () => {
    const { m, tl } = timelineOf(scenario("fork"), 1, 100);
    const tiny = new Timeline(m, null, () => {}, { every: 100, max: 4 });
    tiny.forward({ machine: m, data: null }, 500);
    expect(tiny.interval).toBe(200);
    expect(tiny.positions).toEqual([0, 200, 400]);
    expect(tiny.seek(450).machine.hash()).toBe(tl.seek(450).machine.hash());
  });

  it("caps memory by the live objects the snapshots hold together too", () => {
    const { m } = timelineOf(scenario("fork"), 1, 100);
    const perSnapshot = m.kernel.slab.live.size;
    const tl = new Timeline(m, null, () => {}, { every: 100, maxObjects: perSnapshot * 5 });
    tl.forward({ machine: m, data: null }, 800);
    expect(tl.positions.length).toBeLessThanOrEqual(5);
    expect(tl.interval).toBeGreaterThan(100);
  });

  it("stops keeping snapshots when the run holds something that is not data, and still seeks right", () => {
    // Made at run time, so no transform compiled it: init runs a generator from when it starts.
    const main = new Function("msleep", "return function* main() { for (let i = 0; i < 200; i++) yield* msleep(1); }")(
      msleep,
    );
    const build = () => new Machine({ cpus: 2, init: main });
    const m = build();
    const tl = new Timeline(m, null, () => {}, { every: 100 });
    tl.forward({ machine: m, data: null }, 1e6, 100e6); // init loops in its program meanwhile
    expect(tl.stopped).toMatch(/^cannot snapshot this machine: thread init\/1 runs a generator/);
    const at = (tl.positions.at(-1) as number) + 250;
    const direct = build();
    runTo(direct, at);
    expect(tl.seek(at).machine.engine.steps).toBe(at);
    expect(formatFtrace(tl.seek(at).machine.kernel.trace, 2)).toBe(formatFtrace(direct.kernel.trace, 2));
  });

  it("refuses a K or a cap that makes no sense", () => {
    const m = machineFor(scenario("fork"), {});
    expect(() => new Timeline(m, null, () => {}, { every: 0 })).toThrow(/every must be an integer >= 1/);
    expect(() => new Timeline(m, null, () => {}, { max: 1 })).toThrow(/max must be an integer >= 2/);
  });
});
