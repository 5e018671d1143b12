/**
 * The stateful search (--stateful): a hand-made scenario's state space counted exactly, the
 * same verdict and states when sharded and merged, and its counterexamples replay.
 */
import { describe, expect, it } from "vitest";
import { bootSnapshot, resume } from "../../src/explore/checkpoint.js";
import { EXPLORE_DEFAULTS, explore } from "../../src/explore/explore.js";
import { picksScript, registerScenario, runSchedule, type Target, targetScenario } from "../../src/explore/schedule.js";
import { exploreStateful } from "../../src/explore/stateful.js";
import { emptyStats, mergeStats, type Stats } from "../../src/explore/stats.js";
import { smp_processor_id } from "../../src/linux/include/current.js";
import { CLONE_FILES, CLONE_FS } from "../../src/linux/include/uapi/sched.js";
import { kernel_thread } from "../../src/linux/kernel/fork.js";
import { printk } from "../../src/linux/kernel/printk/printk.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { defineScenario } from "../../src/scenarios/scenario.js";

function* sayWhere(name: unknown) {
  printk("%s on CPU %d", name as string, smp_processor_id());
  return 0;
}

/**
 * pid 1 forks thread a, sleeps 1 ms, forks thread b (as in more-cpus.test.ts). On 3 CPUs
 * with no preemption the only choices are the two forks' wake_cpu, 2 alternatives each:
 * the state graph is the 4 runs' states, shared up to the first fork's choice, then 2
 * branches up to the second's, then 4 (the CPUs differ in their own counters, so no two
 * branches meet again).
 */
registerScenario(
  "test:stateful-where",
  defineScenario({
    name: "stateful-where",
    description: "pid 1 forks two threads one after the other; each prints the CPU it runs on",
    *main() {
      for (const name of ["a", "b"]) {
        yield* kernel_thread(sayWhere, name, null, CLONE_FS | CLONE_FILES);
        yield* msleep(1);
      }
    },
  }),
);

const target = (scenario: string, cpus: number, mutant: string | null = null): Target => ({
  scenario,
  cpus,
  seed: 1,
  mutant,
});

/**
 * The states a run passes through (the hash after each pass of the run loop), counted
 * without the stateful search: the run goes one pass at a time from the booted snapshot.
 */
function statesOfRun(t: Target, picks: Map<number, number>): string[] {
  const snap = bootSnapshot(t);
  if (snap === null) throw new Error("no boot snapshot");
  const m = resume(snap, targetScenario(t), picksScript(picks), [], undefined);
  const out = [m.hash()];
  while (m.run({ maxSteps: 1 }) === "steps") out.push(m.hash());
  return out;
}

function shards(t: Target, preemptions: number, n: number): Stats {
  const all = emptyStats();
  for (let i = 0; i < n; i++)
    mergeStats(all, exploreStateful({ target: t, preemptions, shard: { index: i, count: n } }));
  return all;
}

describe("the stateful search", () => {
  it("counts a hand-made scenario's states exactly: the union of its 4 runs' states, 4 terminal states", () => {
    const t = target("test:stateful-where", 3);
    const def = runSchedule(t, picksScript(new Map())).outcome.choices;
    const wake = [...def.entries()].filter(([, c]) => c.kind === "wake_cpu").map(([i]) => i);
    expect(wake.length).toBe(2);
    const [w1, w2] = wake as [number, number];
    // The choice indices of the second fork do not move with the first's answer (nothing else chooses).
    const union = new Set<string>();
    const perRun: number[] = [];
    for (const a of [0, 1])
      for (const b of [0, 1]) {
        const states = statesOfRun(
          t,
          new Map([...(a ? [[w1, a]] : []), ...(b ? [[w2, b]] : [])] as [number, number][]),
        );
        perRun.push(states.length);
        for (const h of states) union.add(h);
      }
    const r = exploreStateful({ target: t, preemptions: 0, shard: { index: 0, count: 1 } });
    expect(r.counterexample).toBeNull();
    expect(r.graph?.complete).toBe(true);
    expect(r.graph?.visited.size).toBe(union.size);
    expect([...(r.graph?.visited ?? [])].sort()).toEqual([...union].sort());
    expect(r.states.size).toBe(4);
    // Shared prefix, 2 middles, 4 ends: fewer states than the 4 runs have together.
    expect(union.size).toBeLessThan(perRun.reduce((x, y) => x + y, 0));
  }, 120_000);

  it("sharded 3 ways and merged: the same distinct states, terminal states and verdict", () => {
    const t = target("test:stateful-where", 3);
    const whole = exploreStateful({ target: t, preemptions: 0, shard: { index: 0, count: 1 } });
    const merged = shards(t, 0, 3);
    expect(merged.counterexample).toBeNull();
    expect(merged.graph?.complete).toBe(true);
    expect([...(merged.graph?.visited ?? [])].sort()).toEqual([...(whole.graph?.visited ?? [])].sort());
    expect([...merged.states].sort()).toEqual([...whole.states].sort());
  }, 120_000);

  it("a mutant's violation: found whole and sharded, and its picks replay to it", async () => {
    const t = target("kthread-creator-killed-any", 2, "unkillable-wait");
    const r = await explore(t, { ...EXPLORE_DEFAULTS, strategy: "stateful", preemptions: 0 });
    const c = r.stats.counterexample;
    expect(c?.violation.kind).toBe("invariant");
    const again = runSchedule(t, picksScript(new Map(c?.picks ?? []))).outcome.violation;
    expect(again?.title).toBe(c?.violation.title);
    const merged = shards(t, 0, 2);
    expect(merged.counterexample?.violation.kind).toBe("invariant");
  }, 120_000);

  it("split-xchg: the shard that holds the signal's step as its first deviation walks ~300 states and finds the documented counterexample", () => {
    // The whole bound-1 walk meets it after ~47,000 states (too long for the suite); a shard
    // per first deviation walks only the states after its own: the signal sent at choice 52.
    const t = target("kthread-creator-killed-any", 2, "split-xchg");
    const def = runSchedule(t, picksScript(new Map())).outcome.choices;
    let count = 0;
    let index = -1;
    def.forEach((c, i) => {
      for (let alt = 1; alt < c.n; alt++) {
        if (i === 52 && alt === 1) index = count;
        count++;
      }
    });
    expect(def[52]?.kind).toBe("signal");
    const r = exploreStateful({ target: t, preemptions: 1, shard: { index, count } });
    expect(r.counterexample?.violation.title).toBe(
      "tasklab: invariant victim-gone violated: the new thread is still there at the end",
    );
    expect(r.counterexample?.picks).toEqual([
      [52, 1],
      [56, 1],
    ]);
    expect(r.graph?.visited.size).toBeLessThan(1000);
    const again = runSchedule(t, picksScript(new Map(r.counterexample?.picks ?? []))).outcome.violation;
    expect(again?.title).toBe(r.counterexample?.violation.title);
  }, 120_000);
});
