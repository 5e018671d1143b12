/**
 * DPOR (--dpor): the races of hand-made runs give exactly the children they should; on the
 * scenarios it reaches what dfs reaches (terminal states and verdict); every mutant is
 * caught, and its counterexample replays; the flags it cannot go with are one-line errors.
 */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { ROOT } from "../../src/explore/dfs.js";
import { analyzeRun, exploreDpor, type Frame } from "../../src/explore/dpor.js";
import { EXPLORE_DEFAULTS, explore } from "../../src/explore/explore.js";
import { minimize } from "../../src/explore/minimize.js";
import type { Choice, StepEvent, StepLog, Target } from "../../src/explore/schedule.js";
import { emptyStats } from "../../src/explore/stats.js";
import { MUTANTS } from "../../src/linux/kernel/mutants.js";
import { SCENARIOS } from "../../src/scenarios/index.js";
import { exploreSpec } from "../../src/web/explore.js";
import type { FromWorker } from "../../src/web/types.js";
import { err, out } from "../stdio.js";

const cpuOrder = (local = false): Choice => ({ kind: "cpu_order", n: 2, pick: 0, site: "cpu_order:x|y", local });
const signal = (): Choice => ({ kind: "signal", n: 2, pick: 0, site: "signal:x", local: false });
const step = (cpu: number, shared: boolean, first: number, end: number, ran: unknown[] = [], woke: unknown[] = []) =>
  ({ cpu, shared, ran, woke, first, end }) as StepEvent;

/** The children a run at the root calls for, under `preemptions`. */
function rootChildren(choices: Choice[], log: StepLog, preemptions: number): [number, number, number][] {
  const root: Frame = { node: ROOT, pending: [], added: new Set() };
  analyzeRun([root], choices, log, { preemptions, depth: Number.POSITIVE_INFINITY, reduce: true });
  return root.pending;
}

describe("DPOR's races", () => {
  // CPU 0 takes three shared steps, each after a choice where CPU 1 could have gone first;
  // then CPU 1, alone, a local step and a shared one. The only race: CPU 1's shared step
  // with CPU 0's last (its local step commutes with everything).
  const choices = [cpuOrder(), cpuOrder(), cpuOrder()];
  const log: StepLog = {
    steps: [step(0, true, 0, 1), step(0, true, 1, 2), step(0, true, 2, 3), step(1, false, 3, 3), step(1, true, 3, 3)],
    cands: [
      [0, 1],
      [0, 1],
      [0, 1],
    ],
    subjects: [],
  };

  it("unbounded: one child, CPU 1 before CPU 0's last shared step (dfs would try all three points)", () => {
    expect(rootChildren(choices, log, Number.POSITIVE_INFINITY)).toEqual([[2, 1, 1]]);
  });

  it("under a preemption bound: also at every point back to CPU 1's previous step (the conservative window)", () => {
    expect(rootChildren(choices, log, 1)).toEqual([
      [2, 1, 1],
      [1, 1, 1],
      [0, 1, 1],
    ]);
    expect(rootChildren(choices, log, 0)).toEqual([]);
  });

  it("a signal still to send goes before each step that runs or wakes its task, and nowhere else", () => {
    const T = { comm: "creator" };
    const U = { comm: "other" };
    const sig: StepLog = {
      steps: [step(0, true, 0, 1, [T]), step(0, true, 1, 2, [U]), step(0, true, 2, 3, [U], [T])],
      cands: [],
      subjects: [T, T, T],
    };
    expect(rootChildren([signal(), signal(), signal()], sig, 0)).toEqual([
      [0, 1, 0],
      [2, 1, 0],
    ]);
  });
});

const target = (scenario: string, mutant: string | null = null): Target => ({ scenario, cpus: 2, seed: 1, mutant });

function dpor(t: Target, preemptions: number) {
  const stats = emptyStats();
  exploreDpor(t, { preemptions, depth: Number.POSITIVE_INFINITY, reduce: true }, stats, { stopOnViolation: true });
  return stats;
}

describe("--dpor on the scenarios", () => {
  it.each([
    ["kthread-creator-killed-any", 0, 40, 37],
    ["kthread-creator-killed-any-enomem", 0, 28, 26],
    ["kthread-creator-killed-any-enomem", 1, -1, -1],
    ["kthread-creator-killed-3a", 1, 43, 43],
    ["kthread-run", 1, 37, 37],
  ])(
    "%s within %d preemptions: the terminal states and verdict of dfs (%d schedules; dfs %d)",
    async (name, k, n, ndfs) => {
      const t = target(name);
      const d = dpor(t, k);
      const r = (await explore(t, { ...EXPLORE_DEFAULTS, preemptions: k })).stats;
      expect([...d.states].sort()).toEqual([...r.states].sort());
      expect(d.counterexample?.violation.kind ?? null).toBe(r.counterexample?.violation.kind ?? null);
      if (n >= 0) {
        expect(d.schedules).toBe(n);
        expect(r.schedules).toBe(ndfs);
      }
    },
    600_000,
  );

  it("every built-in scenario within 0 preemptions: the terminal states and verdict of dfs", async () => {
    for (const { name } of SCENARIOS) {
      const t = target(name);
      const d = dpor(t, 0);
      const r = (await explore(t, { ...EXPLORE_DEFAULTS, preemptions: 0 })).stats;
      expect([name, ...[...d.states].sort()]).toEqual([name, ...[...r.states].sort()]);
      expect([name, d.counterexample?.violation.kind ?? null]).toEqual([
        name,
        r.counterexample?.violation.kind ?? null,
      ]);
    }
  }, 900_000);

  it.each(Object.keys(MUTANTS))(
    "catches the mutant %s, and its minimized counterexample fails again",
    (mutant) => {
      const scenario =
        mutant === "kthreadd-free-unchecked" ? "kthread-creator-killed-any-enomem" : "kthread-creator-killed-any";
      const t = target(scenario, mutant);
      const c = dpor(t, 1).counterexample;
      expect(c).not.toBeNull();
      const m = minimize(t, c?.picks ?? [], c?.violation.kind ?? "");
      expect(m.outcome.violation?.kind).toBe(c?.violation.kind);
    },
    600_000,
  );
});

describe("--dpor in the visualizer's explorer", () => {
  it("finds wake-before-queue's deadlock and hands back its replay file", async () => {
    const posted: FromWorker[] = [];
    const spec = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, era: "6.19" };
    await exploreSpec(spec, { strategy: "dpor", preemptions: 1, runs: 1, mutant: "wake-before-queue" }, (m) => {
      posted.push(m);
    });
    const done = posted.find((m) => m.type === "explore-done") as Extract<FromWorker, { type: "explore-done" }>;
    expect(done.violation).toBe("tasklab: deadlock: all tasks blocked, none runnable");
    expect(JSON.parse(done.replay ?? "null").picks).toEqual([[0, 1]]);
  }, 300_000);
});

describe("--dpor on the command line", () => {
  it("explores the real protocol: what it explores, its 40 schedules, no violation (exit 0)", async () => {
    const code = await main(["explore", "kthread-creator-killed-any", "--dpor", "--preemptions", "0", "--no-progress"]);
    expect(
      out
        .replace(/ in [\d.]+ s \([\d,]+\/s\)/, "")
        .split("\n")
        .slice(0, 3),
    ).toEqual([
      "explore kthread-creator-killed-any on 2 CPUs: dpor (source sets over races of shared steps), at most 0 preemptions, reduction on (sleep sets over local steps)",
      "schedules: 40",
      "terminal states: 2",
    ]);
    expect(out).toContain("no violation\n");
    expect(code).toBe(0);
  }, 300_000);

  it.each([
    [
      ["--shard", "1/2"],
      "--dpor cannot be sharded: a race found in one schedule adds schedules under nodes another shard owns",
    ],
    [
      ["--workers", "2"],
      "--dpor runs on one thread (its schedules depend on the races of those before): drop --workers",
    ],
    [["--stateful"], "--stateful and --dpor are strategies of their own: pick one"],
    [["--strategy", "pct"], "--dpor is a strategy of its own: it cannot go with --strategy pct"],
  ])("--dpor %j: one line, exit 2", async (extra, message) => {
    const code = await main(["explore", "kthread-run", "--dpor", ...extra]);
    expect(code).toBe(2);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain(message);
  });
});
