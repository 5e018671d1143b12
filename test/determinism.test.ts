import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { psRows, runScenario, traceText } from "../src/run.js";
import boot from "../src/scenarios/boot.js";
import kthreadRun from "../src/scenarios/kthread-run.js";
import { type Chooser, defaultChooser, ReplayDivergence, recordingChooser, replayChooser } from "../src/sim/chooser.js";
import { createPrng } from "../src/sim/prng.js";

/** A chooser that picks uniformly at random among every alternative, CPU order included. */
function randomChooser(seed: number): Chooser {
  const rng = createPrng(seed);
  return { ordersCpus: true, choose: (_kind, n) => rng.below(n) };
}

function fingerprint(opts: Parameters<typeof runScenario>[1]) {
  const r = runScenario(kthreadRun, opts);
  return { trace: traceText(r), ps: JSON.stringify(psRows(r)), reports: JSON.stringify(r.reports) };
}

describe("determinism", () => {
  it("gives byte-identical output for the same scenario, options and seed", () => {
    for (const cpus of [1, 2, 8]) {
      const a = fingerprint({ cpus, seed: 7 });
      const b = fingerprint({ cpus, seed: 7 });
      expect(b.trace).toBe(a.trace);
      expect(b.ps).toBe(a.ps);
      expect(b.reports).toBe(a.reports);
    }
  });

  it("lets seeds differ only through the chooser: same seed, same choices, same trace", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.nat(1000), (cpus, seed) => {
        const rec = recordingChooser(defaultChooser(seed));
        const first = traceText(runScenario(kthreadRun, { cpus, seed, chooser: rec }));
        const replay = replayChooser(rec.log, defaultChooser(0));
        expect(traceText(runScenario(kthreadRun, { cpus, seed, chooser: replay }))).toBe(first);
      }),
      { numRuns: 25, seed: 42 },
    );
  });

  it("replays a run made under arbitrary choices exactly, from its list of choices", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.nat(), (cpus, s) => {
        const rec = recordingChooser(randomChooser(s));
        const first = runScenario(kthreadRun, { cpus, chooser: rec });
        const again = runScenario(kthreadRun, { cpus, chooser: replayChooser(rec.log, randomChooser(0)) });
        expect(traceText(again)).toBe(traceText(first));
        expect(rec.log.length).toBeGreaterThan(0);
      }),
      { numRuns: 20, seed: 7 },
    );
  });

  it("reports a replay that takes another path instead of absorbing it", () => {
    const rec = recordingChooser(randomChooser(3));
    runScenario(kthreadRun, { cpus: 4, chooser: rec });
    const first = rec.log[0];
    if (first === undefined) throw new Error("nothing recorded");
    const wrong = [{ ...first, kind: first.kind === "wake_cpu" ? ("pick_next_task" as const) : ("wake_cpu" as const) }];
    expect(() => runScenario(kthreadRun, { cpus: 4, chooser: replayChooser(wrong, randomChooser(0)) })).toThrow(
      ReplayDivergence,
    );
  });
});

describe("invariants over random schedules", () => {
  it("keeps the kernel's invariants whatever the chooser picks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(), fc.constantFrom(boot, kthreadRun), (cpus, s, scenario) => {
        const r = runScenario(scenario, { cpus, chooser: randomChooser(s) });
        expect(r.stop).toBe("idle");
        expect(r.reports).toEqual([]);
        const tasks = r.machine.tasks();
        const pids = tasks.map((t) => t.pid);
        expect(new Set(pids).size).toBe(pids.length);
        for (const t of tasks.slice(2)) expect(t.real_parent.pid).toBe(2);
        let last = 0;
        for (const e of r.machine.kernel.trace.records()) {
          expect(e.ts).toBeGreaterThanOrEqual(last);
          last = e.ts;
        }
        // Every run queue's count matches what is queued on it.
        for (const rq of r.machine.kernel.runqueues) {
          expect(rq.nr_running).toBe(rq.cfs.nr_running + (rq.stop_queued ? 1 : 0));
        }
      }),
      { numRuns: 30, seed: 11 },
    );
  });
});
