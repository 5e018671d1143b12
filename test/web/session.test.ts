/** The visualizer's session and view models (src/web): what each pane shows at a position. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scanSources } from "../../src/cli/sources.js";
import { EXPLORE_DEFAULTS, explore, minimizeResult } from "../../src/explore/explore.js";
import { makeReplay, replay } from "../../src/explore/replay.js";
import { compileScenario, SCENARIO_TEMPLATE, ScenarioSyntaxError } from "../../src/web/compile.js";
import { Session } from "../../src/web/session.js";
import type { RunSpec } from "../../src/web/types.js";

const spec: RunSpec = { scenario: "kthread-run", cpus: 2, seed: 1, era: "6.19" };

describe("Session", () => {
  it("steps event by event until kthread_create's request is queued, and shows its owner", () => {
    const s = new Session(spec);
    let snap = s.snapshot();
    expect(snap.position.step).toBe(snap.start); // where the scenario starts, after boot
    expect(snap.start).toBeGreaterThan(0);
    for (let i = 0; i < 200 && !snap.requests.some((r) => r.queued); i++) snap = s.step("event");
    const [req, ...more] = snap.requests;
    expect(more).toEqual([]);
    expect(req).toEqual({ name: "my_kthread/0", done: "set", owner: "init/1 (queued for kthreadd)", queued: true });
    // The creator waits for it: a completion with init as its waiter.
    snap = s.step("event");
    expect(snap.completions.map((c) => c.waiters)).toContainEqual(["init/1"]);
  });

  it("runs to a breakpoint: kthreadd in create_kthread, on the timeline of its CPU", () => {
    const s = new Session(spec);
    const snap = s.run({ breakpoint: "create_kthread" });
    const kthreadd = snap.tasks.find((t) => t.pid === 2);
    expect(kthreadd?.stack.slice(0, 2)).toEqual(["create_kthread", "kthreadd"]);
    expect(kthreadd?.running).toBe(true);
    const lane = snap.slices.filter((x) => x.cpu === kthreadd?.cpu);
    expect(lane.at(-1)?.comm).toBe("kthreadd");
    expect(snap.requests[0]?.owner).toBe("kthreadd (forking it for init/1)");
  });

  it("goes back by replaying: the same snapshot as when it was there", () => {
    const s = new Session(spec);
    const at = s.run({ maxSteps: 60 }).position.step;
    const there = JSON.stringify(s.snapshot());
    s.run({ maxSteps: 40 });
    expect(s.snapshot().position.step).toBe(at + 40);
    expect(JSON.stringify(s.goto(at))).toBe(there);
    expect(s.back().position.step).toBe(at - 1);
  });

  it("runs to the end: the new thread's stack had kthread, the run is done, nothing reported", () => {
    const s = new Session(spec);
    const mid = s.run({ breakpoint: "kthread_stop" });
    const t = mid.tasks.find((x) => x.comm === "my_kthread/0");
    expect(t?.stack).toContain("kthread");
    const end = s.run();
    expect(end.done).toBe(true);
    expect(end.end).toBe(end.position.step);
    // kthread-run prints nothing, and nothing is reported: no oops, KASAN, leak, lockdep, hung task or deadlock.
    expect(end.reports).toEqual([]);
    expect(end.console).toEqual([]);
    expect(end.wakeups.length).toBeGreaterThan(0);
    // kthreadd forked my_kthread/0: an arrow from the fork to the child's first run.
    const fork = end.trace.find((l) =>
      l.endsWith(`sched_process_fork: comm=kthreadd pid=2 child_comm=my_kthread/0 child_pid=${t?.pid}`),
    );
    const arrow = end.creations.find((a) => a.pid === t?.pid);
    expect(fork).toBeDefined();
    expect(arrow?.comm).toBe("my_kthread/0");
    expect(arrow?.from.time).toBe(end.traceTimes[end.trace.indexOf(fork as string)]);
    expect(arrow?.to.time).toBe(end.slices.find((x) => x.pid === t?.pid)?.start);
    expect(end.trace.length).toBe(end.traceTimes.length);
  });

  it("shows the source of the function a task is in, at the call it is making", () => {
    const s = new Session(spec, scanSources());
    s.run({ breakpoint: "create_kthread" });
    const src = s.source(2);
    expect(src?.fn).toBe("create_kthread");
    expect(src?.file).toBe("kernel/kthread.ts");
    expect(src?.text.split("\n")[(src?.line ?? 0) - 1]).toContain("create_kthread");
    s.run({ breakpoint: "copy_process" });
    const inKthreadd = s.source(2);
    expect(inKthreadd?.fn).toBe("copy_process");
  });

  it("finds the step of a moment of the trace", () => {
    const s = new Session(spec);
    const snap = s.run({ maxSteps: 100 });
    const t = snap.traceTimes[5] as number;
    const step = s.stepAt(t);
    expect(s.goto(step).position.time).toBeLessThanOrEqual(t);
    expect(s.goto(step + 1).position.time).toBeGreaterThan(t);
  });
});

describe("a Session of an explorer schedule", () => {
  it("opens a counterexample: the same run as `tasklab replay`, its violation among the reports", async () => {
    const target = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: "split-xchg" };
    const m = minimizeResult(await explore(target, EXPLORE_DEFAULTS));
    if (m === null) throw new Error("split-xchg not caught");
    const file = makeReplay(target, m.picks, m.outcome, "test");
    const s = new Session({ ...target, era: "6.19", picks: file.picks });
    const end = s.run();
    expect(end.done).toBe(true);
    expect(end.reports.some((l) => l.includes(file.violation.title))).toBe(true);
    const replayed = replay(file)
      .trace.split("\n")
      .filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith(">>>>>"));
    expect(end.trace).toEqual(replayed);
    // Going back and forth replays the same schedule.
    const mid = JSON.stringify(s.goto(end.start + 50));
    s.run();
    expect(JSON.stringify(s.goto(end.start + 50))).toBe(mid);
  });
});

describe("compileScenario", () => {
  it("compiles the editor's template, which runs cleanly: its printk on the console, no report", () => {
    const sc = compileScenario(SCENARIO_TEMPLATE);
    expect(sc.name).toBe("custom");
    const end = new Session({ ...spec, scenario: "custom", source: SCENARIO_TEMPLATE }).run();
    expect(end.done).toBe(true);
    expect(end.console).toEqual([expect.stringMatching(/^\[ *\d+\.\d{6}\] kthread_stop returned 0$/)]);
    expect(end.reports).toEqual([]);
  });

  it('compiles the README\'s own scenario as written: `import { … } from "tasklab"`, defineScenario', () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const source = /```ts\n(\/\/ A scenario of your own[\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(source).toContain('} from "tasklab";');
    expect(compileScenario(source).name).toBe("two-workers");
    const end = new Session({ ...spec, scenario: "custom", source }).run();
    expect(end.done).toBe(true);
    expect(end.creations.map((a) => a.comm)).toEqual(expect.arrayContaining(["pinger", "ponger"]));
    expect(end.reports).toEqual([]);
  });

  it("imports nothing but tasklab", () => {
    expect(() =>
      compileScenario('import { readFileSync } from "node:fs";\nexport default { name: String(readFileSync) };'),
    ).toThrow('only "tasklab" can be imported here, not "node:fs"');
  });

  it("reports a syntax error with its line and column", () => {
    const bad = SCENARIO_TEMPLATE.replace("yield* msleep(5);", "yield* msleep(5;");
    try {
      compileScenario(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioSyntaxError);
      const line = bad.split("\n").findIndex((l) => l.includes("msleep(5;")) + 1;
      expect((e as ScenarioSyntaxError).line).toBe(line);
    }
  });

  it("refuses source that exports no scenario", () => {
    expect(() => compileScenario("const x = 1;")).toThrow(ScenarioSyntaxError);
  });
});
