/**
 * Machine snapshots (src/snapshot.ts), issue 16 step 5: run N steps, snapshot, run on → T1;
 * restore the snapshot, run on → T2; T1 = T2 (trace, reports, steps, time, final state), and
 * the hash of the original at N is the snapshot's.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runtimeName } from "../src/build/runtime.mjs";
import { Machine, MachineSnapshot, msleep, SCENARIOS, SnapshotError } from "../src/index.js";
import type { Scenario } from "../src/scenarios/scenario.js";
import { copyMachine } from "../src/snapshot.js";
import { formatFtrace } from "../src/trace/ftrace.js";

/** Threads are copyable only when every one is a chain of compiled frames. */
const GENERATORS = runtimeName() === "generators";
const NEEDS_FRAMES =
  "needs TASKLAB_RUNTIME=frames: under the generators runtime a thread is a chain of generators, which no copier can copy";

function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
}

function build(s: Scenario, seed: number, cpus: number): Machine {
  return new Machine({ cpus, seed, init: s.main ?? null, programs: s.programs });
}

/** Everything a run shows from here: its stop reason, trace, reports, steps, end time and final state. */
function finish(m: Machine) {
  const stop = m.run({ until: 10e9, maxSteps: 2_000_000 });
  return {
    stop,
    steps: m.engine.steps,
    now: m.now,
    trace: formatFtrace(m.kernel.trace, m.kernel.nr_cpu_ids),
    reports: m.reports.map((r) => `${r.kind}: ${r.title}`),
    hash: GENERATORS ? null : m.hash(), // a generator has no state to hash
  };
}

/** Scenarios of task creation in its forms: kthreads, fork and exit, threads, vfork, user programs. */
const NAMES = [
  "kthread-run",
  "kthread-worker",
  "kthread-park",
  "fork",
  "vfork",
  "pthread-create",
  "orphans",
  "clone-flags",
  "posix-spawn",
];

describe("machine snapshots", () => {
  it("a machine not yet run: its copy runs the same boot and scenario, with the same final state", () => {
    const m = build(scenario("kthread-run"), 1, 2);
    m.engine.onProgress = () => {}; // a host's watchdog: not part of the state, not copied
    const copy = m.snapshot();
    expect(copy.engine.onProgress).toBe(null);
    expect(copy.hash()).toBe(m.hash());
    const a = finish(m);
    const b = finish(copy);
    expect(b).toEqual(a);
    expect(a.trace).toContain("sched_process_fork");
  });

  it.skipIf(GENERATORS)(
    `run N, snapshot, run on = restore, run on (${GENERATORS ? NEEDS_FRAMES : "fast-check"})`,
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...NAMES),
          fc.integer({ min: 1, max: 4 }),
          fc.constantFrom(1, 2),
          fc.integer({ min: 1, max: 4000 }),
          (name, seed, cpus, n) => {
            const m = build(scenario(name), seed, cpus);
            m.run({ maxSteps: n });
            const h = m.hash();
            const snap = MachineSnapshot.of(m);
            expect(snap.hash()).toBe(h);
            expect(snap.steps).toBe(m.engine.steps);
            const t1 = finish(m);
            // The snapshot is untouched by the original's run, and restores as often as wanted.
            expect(snap.hash()).toBe(h);
            const copy = snap.restore();
            expect(copy.hash()).toBe(h);
            const t2 = finish(copy);
            expect(t2).toEqual(t1);
            expect(finish(snap.restore())).toEqual(t1);
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  it.skipIf(GENERATORS)(`hashes differ for different states (${GENERATORS ? NEEDS_FRAMES : "one step apart"})`, () => {
    const m = build(scenario("fork"), 1, 2);
    m.run({ maxSteps: 300 });
    const copy = m.snapshot();
    const before = m.hash();
    copy.run({ maxSteps: 1 });
    expect(copy.hash()).not.toBe(before);
    expect(m.hash()).toBe(before); // the original did not move
    m.run({ maxSteps: 1 });
    expect(m.hash()).toBe(copy.hash());
  });

  it.skipIf(GENERATORS)(
    `restores again and again, the first restore's machine run on meanwhile (${GENERATORS ? NEEDS_FRAMES : "fork"})`,
    () => {
      const m = build(scenario("fork"), 2, 2);
      m.run({ maxSteps: 700 });
      const h = m.hash();
      const snap = MachineSnapshot.of(m);
      const t1 = finish(m);
      const first = snap.restore(); // the copy kept, handed out: the snapshot keeps a recorded copy of it
      expect(first.hash()).toBe(h);
      expect(finish(first)).toEqual(t1);
      expect([snap.steps, snap.now]).toEqual([700, snap.restore().now]);
      const again = [snap.restore(), snap.restore()];
      expect(again[0] === again[1]).toBe(false); // (not.toBe would compare them deeply, running their frames)
      for (const r of again) expect(r.hash()).toBe(h);
      expect(finish(again[1] as Machine)).toEqual(t1);
      expect(finish(again[0] as Machine)).toEqual(t1);
    },
  );

  it.skipIf(GENERATORS)(
    `hashes the state, not the limits of the run that reached it (${GENERATORS ? NEEDS_FRAMES : "until, maxSteps"})`,
    () => {
      const a = build(scenario("fork"), 3, 2);
      const b = build(scenario("fork"), 3, 2);
      a.run({ maxSteps: 400 });
      b.run({ until: 10e9, maxSteps: 400 });
      expect(b.hash()).toBe(a.hash());
    },
  );

  it.skipIf(GENERATORS)(
    `time: "relative" hashes a machine and its snapshot alike, and differs from the absolute hash (${GENERATORS ? NEEDS_FRAMES : "kthread-run"})`,
    () => {
      const m = build(scenario("kthread-run"), 1, 2);
      m.run({ maxSteps: 500 });
      const rel = m.hash({ time: "relative" });
      expect(rel).toMatch(/^[0-9a-f]{16}$/);
      expect(rel).not.toBe(m.hash());
      const snap = MachineSnapshot.of(m);
      expect(snap.hash({ time: "relative" })).toBe(rel);
      expect(snap.hash()).toBe(m.hash());
      expect(snap.hash({ time: "relative" })).toBe(rel); // kept: asked again, the same
      expect(snap.restore().hash({ time: "relative" })).toBe(rel);
      m.run({ maxSteps: 1 });
      expect(m.hash({ time: "relative" })).not.toBe(rel);
    },
  );

  it("refuses a machine with host observers, naming them", () => {
    const m = new Machine({ tracer: { tracer: "function" } });
    expect(() => m.snapshot()).toThrow(SnapshotError);
    expect(() => m.snapshot()).toThrow(/^cannot snapshot this machine: engine\.onEnter is set \(a function tracer/);
  });

  it.skipIf(GENERATORS)(
    "drops host hooks on request: the copy has none, the original keeps its own, the hash ignores them",
    () => {
      const m = new Machine({ cpus: 2, tracer: { tracer: "function" } });
      m.run({ until: 20e6 });
      const onEnter = m.engine.onEnter;
      expect(onEnter).not.toBeNull();
      const copy = copyMachine(m, { hooks: "drop" });
      expect(copy.engine.onEnter).toBeNull();
      expect(m.engine.onEnter).toBe(onEnter);
      expect(copy.hash()).toBe(m.hash());
      expect(() => m.snapshot()).toThrow(SnapshotError); // the default still refuses
    },
  );

  it.skipIf(GENERATORS)(
    "copies a machine with signal and fault injection: the copy sends and fails what the original does",
    () => {
      const s = scenario("kthread-creator-killed-3a");
      const build = () =>
        new Machine({
          cpus: 2,
          seed: 1,
          init: s.main ?? null,
          signals: s.signals ?? [],
          faults: ["kmalloc:kthread_create_info,nth=2"],
        });
      const m = build();
      m.run({ maxSteps: 300 });
      const copy = m.snapshot();
      expect(copy.kernel.injection?.signals.length).toBe(1);
      expect(copy.engine.onEnter).toBe(m.engine.onEnter);
      m.run({ until: 500e6 });
      copy.run({ until: 500e6 });
      const shown = (x: Machine) => ({
        trace: formatFtrace(x.kernel.trace, 2),
        reports: x.reports.map((r) => `${r.kind}: ${r.title}`),
        steps: x.engine.steps,
      });
      expect(shown(copy)).toEqual(shown(m));
      // Both fired, in the original and in the copy alike (their counts are the copy's own data).
      for (const x of [m, copy]) expect(x.kernel.injection?.slabFaults[0]?.failed).toBe(1);
      expect(copy.kernel.injection?.armed).toEqual(m.kernel.injection?.armed);
      expect(copy.kernel.injection === m.kernel.injection).toBe(false);
    },
  );

  it("refuses a chooser whose state is in a closure", () => {
    let picks = 0;
    const m = new Machine({ chooser: { ordersCpus: false, choose: () => picks++ % 1 } });
    expect(() => m.snapshot()).toThrow(/^cannot snapshot this machine: its chooser is an object literal/);
  });

  it("refuses a thread running a generator, naming the thread and the function", () => {
    // Made at run time, so no transform compiled it: a program the transform never saw.
    const main = new Function("msleep", "return function* main() { yield* msleep(50); }")(msleep);
    const m = new Machine({ cpus: 2, init: main });
    m.run({ until: 30e6 });
    expect(m.kernel.child_reaper?.comm).toBe("init");
    expect(() => m.snapshot()).toThrow(SnapshotError);
    // Under frames only init's program is a generator; under generators every thread is one.
    const who = GENERATORS ? "\\S+" : "init/1";
    expect(() => m.snapshot()).toThrow(
      new RegExp(
        `^cannot snapshot this machine: thread ${who} runs a generator in \\w+( \\(called from \\w+\\))?, which is not made of frames`,
      ),
    );
  });
});
