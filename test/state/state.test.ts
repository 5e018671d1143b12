/**
 * Saved machine states (src/state/, docs/STATE-FORMAT.md): run a scenario to step N, save,
 * load, run on → the same trace, reports, stop and final hash as the uninterrupted run; the
 * loaded machine hashes as the saved one. Files of another version, build or damaged are
 * refused with a one-line StateError; a machine that is not data with a SnapshotError.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import { Machine, SCENARIOS } from "../../src/index.js";
import { formatReport, machineFor, type RunResult, runMachine, runScenario, traceText } from "../../src/run.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { ambiguousNames, codeNames, textHash } from "../../src/sim/code.js";
import { loadState, STATE_FORMAT_VERSION, StateError, saveState } from "../../src/state/file.js";
import { decodeGraph, encodeGraph } from "../../src/state/graph.js";
import { TASKLAB_VERSION } from "../../src/version.js";

const GENERATORS = runtimeName() === "generators";

/** Every built-in scenario, those with their own fault and signal injection included. */
const SAVEABLE = SCENARIOS;

function shown(r: RunResult) {
  return {
    stop: r.stop,
    trace: traceText(r),
    reports: r.reports.map(formatReport),
    steps: r.machine.engine.steps,
    now: r.machine.now,
    hash: r.machine.hash(),
  };
}

/** Runs `s` to step `n`, saves, loads, runs on: what the run shows. */
function viaState(s: Scenario, opts: { cpus: number; seed: number }, n: number) {
  const m = machineFor(s, opts);
  m.run({ maxSteps: n, until: 10e9 });
  const text = saveState(m);
  const loaded = loadState(text);
  expect(loaded.hash()).toBe(m.hash());
  expect(saveState(loaded)).toBe(text); // a loaded machine saves as the one it came from
  return shown(runMachine(s, loaded, opts));
}

describe.skipIf(GENERATORS)("saved states", () => {
  it("every built-in scenario: save at step 3000, load, run on = the uninterrupted run", () => {
    for (const s of SAVEABLE) {
      const opts = { cpus: 2, seed: 1 };
      const b = viaState(s, opts, 3000);
      expect(b, s.name).toEqual(shown(runScenario(s, opts)));
    }
  });

  it("run to N, save, load, run on = uninterrupted (fast-check: scenario, seed, CPUs, N)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SAVEABLE.map((s) => s.name)),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(1, 2, 3),
        fc.integer({ min: 1, max: 30_000 }),
        (name, seed, cpus, n) => {
          const s = SAVEABLE.find((x) => x.name === name) as Scenario;
          const b = viaState(s, { cpus, seed }, n);
          expect(b).toEqual(shown(runScenario(s, { cpus, seed })));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("a machine with no scenario (booted, then idle) saves and loads with its options", () => {
    const m = new Machine({ cpus: 2, seed: 7, kernel: "5.10", events: [] });
    expect(m.run()).toBe("idle");
    const text = saveState(m);
    const header = JSON.parse(text.slice(0, text.indexOf("\n")));
    expect(header).toMatchObject({
      format: "tasklab-state",
      version: STATE_FORMAT_VERSION,
      kernel: "5.10",
      scenario: null,
      options: { cpus: 2, seed: 7, kernel: "5.10", events: [] },
      now: m.now,
      steps: m.engine.steps,
    });
    const b = loadState(new TextEncoder().encode(text));
    expect(b.hash()).toBe(m.hash());
    expect(b.kernel.era.name).toBe("5.10");
  });

  it("a machine built from a scenario's code without machineFor saves and loads (the header names where its code is)", () => {
    const s = SCENARIOS.find((x) => x.name === "kthread-run") as Scenario;
    const m = new Machine({ cpus: 2, seed: 2, init: s.main ?? null, programs: s.programs });
    m.run({ maxSteps: 2500 });
    const text = saveState(m);
    expect(JSON.parse(text.slice(0, text.indexOf("\n")))).toMatchObject({ scenario: null, codeOf: "kthread-run" });
    const b = loadState(text);
    expect(b.hash()).toBe(m.hash());
    m.run();
    b.run();
    expect(traceText({ machine: b, stop: "idle", reports: [] })).toBe(
      traceText({ machine: m, stop: "idle", reports: [] }),
    );
  });

  it("a machine with fault and signal injection saves its injection's state: the run from it is the uninterrupted run", () => {
    const opts = {
      cpus: 2,
      seed: 4,
      faults: ["kmalloc:kthread_create_info,nth=2"],
      signals: ["KILL:creator@kthreadd:create_kthread"],
    };
    const s = SCENARIOS.find((x) => x.name === "kthread-creator-killed-any") as Scenario;
    const m = machineFor(s, opts);
    m.run({ maxSteps: 2000 });
    const loaded = loadState(saveState(m));
    expect(loaded.kernel.injection?.faults.length).toBe(1);
    expect(shown(runMachine(s, loaded, opts))).toEqual(shown(runScenario(s, opts)));
  });

  it("a function tracer (its state in closures) is refused, naming it", () => {
    const s = SCENARIOS.find((x) => x.name === "kthread-run") as Scenario;
    const m = machineFor(s, { tracer: { tracer: "function" } });
    m.run({ maxSteps: 100 });
    expect(() => saveState(m)).toThrow(
      /^cannot save this machine's state: the function tracer, engine\.onEnter are set/,
    );
  });

  it("refuses an object of an unregistered class and a closure, naming them", () => {
    class Gadget {
      n = 1;
    }
    const m = new Machine({ cpus: 1 });
    (m.kernel as unknown as { extra: unknown }).extra = new Gadget();
    expect(() => saveState(m)).toThrow("it holds an instance of class Gadget (no registered class)");
    const x = 5;
    (m.kernel as unknown as { extra: unknown }).extra = () => x;
    expect(() => saveState(m)).toThrow(/it holds function \(anonymous\): \(\) => x, which is no code the model names/);
  });
});

describe("the version a state carries", () => {
  it("is package.json's", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(TASKLAB_VERSION).toBe(pkg.version);
  });
});

describe("the names of code (src/sim/code.ts)", () => {
  it("no name of the model's code stands for two objects, and every class of the model is named", () => {
    expect(ambiguousNames()).toEqual([]);
    const names = codeNames();
    for (const c of [
      "Machine",
      "Engine",
      "Cpu",
      "Thread",
      "Timer",
      "list_head",
      "TraceBuffer",
      "User",
      "Libc",
      "Kcall",
    ])
      expect(names).toContain(`class:${c}`);
    expect(names).toContain("table:fair_sched_class");
    expect(names.some((n) => /^frame:src\/linux\/kernel\/smpboot\.ts:noThreadFn~[0-9a-f]{8}$/.test(n))).toBe(true);
  });
});

describe("the graph encoding", () => {
  it("keeps shared references, cycles, Maps, Sets, typed arrays, -0, NaN, ±Infinity, undefined, bigints", () => {
    const shared = { name: "shared" };
    const root: Record<string, unknown> = {
      a: shared,
      b: [
        shared,
        undefined,
        -0,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        2n ** 70n,
        "s",
        true,
        null,
      ],
      m: new Map<unknown, unknown>([
        [shared, 1],
        ["k", new Set([shared, 3])],
      ]),
      t: new Int32Array([1, -2, 3]),
      u: new Uint8Array([255, 0]),
      f: Object.freeze({ x: 1, y: Object.freeze([2, 3]) }),
    };
    root.self = root;
    const g = JSON.parse(JSON.stringify(encodeGraph(root, () => undefined)));
    const back = decodeGraph(g, []) as typeof root;
    expect(back.self).toBe(back);
    expect(back.a).toBe((back.b as unknown[])[0]);
    const b = back.b as unknown[];
    expect(Object.is(b[2], -0)).toBe(true);
    expect(b.slice(3, 6)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(b[6]).toBe(2n ** 70n);
    expect(b.length).toBe(10);
    expect(1 in b && b[1] === undefined).toBe(true);
    const m = back.m as Map<unknown, unknown>;
    expect(m.get(back.a)).toBe(1);
    expect([...(m.get("k") as Set<unknown>)]).toEqual([back.a, 3]);
    expect(back.t).toEqual(new Int32Array([1, -2, 3]));
    expect(back.u).toEqual(new Uint8Array([255, 0]));
    expect(back.f).toEqual({ x: 1, y: [2, 3] });
    expect(Object.isFrozen(back.f) && Object.isFrozen((back.f as { y: unknown }).y)).toBe(true);
  });
});

describe.skipIf(GENERATORS)("damaged and foreign state files", () => {
  const m = new Machine({ cpus: 2, events: [] });
  m.run();
  const text = saveState(m);
  const nl = text.indexOf("\n");
  const header = JSON.parse(text.slice(0, nl));
  const withHeader = (h: object) => `${JSON.stringify({ ...header, ...h })}${text.slice(nl)}`;
  const cases: [string, string, RegExp][] = [
    ["empty", "", /the file is empty/],
    ["not a state", "hello\n", /it is no tasklab state file/],
    [
      "another format version",
      withHeader({ version: STATE_FORMAT_VERSION + 1 }),
      /state format version 2; this tasklab reads version 1$/,
    ],
    ["another tasklab", withHeader({ tasklab: "0.0.1" }), /saved by tasklab 0\.0\.1; this is tasklab /],
    [
      "another runtime",
      withHeader({ runtime: header.runtime === "src" ? "dist" : "src" }),
      /which name code differently/,
    ],
    ["truncated header", text.slice(0, 40), /truncated \(its header line is not complete\)/],
    [
      "truncated body",
      text.slice(0, text.length - 1000),
      /truncated or damaged \(its body has \d+ characters, its header says \d+\)/,
    ],
    [
      "a changed byte",
      text.slice(0, nl + 500) + (text[nl + 500] === "1" ? "2" : "1") + text.slice(nl + 501),
      /does not match the hash/,
    ],
    [
      "an unknown scenario",
      withHeader({ scenario: "no-such" }),
      /runs scenario no-such, which this tasklab does not have/,
    ],
  ];
  it.each(cases)("%s: a one-line StateError", (_what, bad, message) => {
    let caught: unknown;
    try {
      loadState(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StateError);
    expect((caught as Error).message).toMatch(/^not a loadable tasklab state: /);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain("\n");
  });

  it("names code this build does not have", () => {
    const body = text.slice(nl + 1).replace('"class:Machine"', '"class:NoSuchThing"');
    const bad = `${JSON.stringify({ ...header, body: { length: body.trimEnd().length, hash: textHash(body.trimEnd()) } })}\n${body}`;
    expect(() => loadState(bad)).toThrow(/names code this tasklab build does not have \(class:NoSuchThing\)/);
  });
});
