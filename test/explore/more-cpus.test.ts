/**
 * The explorer where a choice has three or more alternatives (3 and 4 CPUs): dfs must try
 * every one of them. A hand-made scenario whose schedules can be counted, and the real
 * protocol's counts pinned (bound 0, a few seconds each).
 */
import { describe, expect, it } from "vitest";
import { EXPLORE_DEFAULTS, explore } from "../../src/explore/explore.js";
import { picksScript, registerScenario, runSchedule, type Target } from "../../src/explore/schedule.js";
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
 * pid 1 (on CPU 0) forks thread a, sleeps 1 ms (a has printed its CPU and exited by then),
 * then forks thread b the same way. On N CPUs, each fork's wake_up_new_task picks the least
 * loaded CPU: CPU 0 runs pid 1, CPUs 1 … N−1 are idle and tie, so the kernel asks the chooser
 * ("wake_cpu", N−1 alternatives). Nothing else is a choice that costs no preemption, so with
 * no preemption there are exactly (N−1)² schedules — a on any of N−1 CPUs, b on any of N−1 —
 * and each prints a different pair of lines: (N−1)² terminal states. 3 CPUs: 4; 4 CPUs: 9.
 *
 * With one preemption: while a (then b) runs, two CPUs are busy at once, and each step
 * where both could go next is a "cpu_order" choice of two; taking the other is one
 * preemption, it does not move a or b. The default run has P = 12 of them (whichever CPUs a
 * and b land on), so every one of the (N−1)² placements has 1 + P schedules: 13·(N−1)².
 */
const WHERE = defineScenario({
  name: "where-they-run",
  description: "pid 1 forks two threads one after the other; each prints the CPU it runs on",
  *main() {
    for (const name of ["a", "b"]) {
      yield* kernel_thread(sayWhere, name, null, CLONE_FS | CLONE_FILES);
      yield* msleep(1);
    }
  },
});
registerScenario("test:where-they-run", WHERE);

const target = (scenario: string, cpus: number): Target => ({ scenario, cpus, seed: 1, mutant: null });
const dfs = (preemptions: number) => ({ ...EXPLORE_DEFAULTS, preemptions });

describe("a scenario whose schedules can be counted by hand", () => {
  it.each([3, 4])("on %d CPUs: every placement of the two threads, (N−1)² schedules and states", async (cpus) => {
    const t = target("test:where-they-run", cpus);
    const choices = runSchedule(t, picksScript(new Map())).outcome.choices;
    expect(
      choices.filter((c) => c.kind === "wake_cpu").map((c) => c.n),
      "each fork chooses among the idle CPUs",
    ).toEqual([cpus - 1, cpus - 1]);
    const r = await explore(t, dfs(0));
    expect(r.stats.counterexample).toBeNull();
    expect({ schedules: r.stats.schedules, states: r.stats.states.size }).toEqual({
      schedules: (cpus - 1) ** 2,
      states: (cpus - 1) ** 2,
    });
  });

  it.each([3, 4])("on %d CPUs with one preemption: 13·(N−1)² schedules, still (N−1)² states", async (cpus) => {
    const t = target("test:where-they-run", cpus);
    const choices = runSchedule(t, picksScript(new Map())).outcome.choices;
    expect(choices.filter((c) => c.kind === "cpu_order").length, "P, the cpu_order choices of the default run").toBe(
      12,
    );
    const r = await explore(t, dfs(1));
    expect({ schedules: r.stats.schedules, states: r.stats.states.size }).toEqual({
      schedules: 13 * (cpus - 1) ** 2,
      states: (cpus - 1) ** 2,
    });
  });
});

describe("the real protocol on more CPUs", () => {
  // Properties of the model, as the 2-CPU counts in explore.test.ts: they change only when
  // the model does. With three or more CPUs a new task's CPU is a choice of 2 or 3 when
  // the idle CPUs tie; a wakeup's is the kernel's own scan (select_idle_sibling), no choice.
  it.each([
    { cpus: 3, schedules: 148 },
    { cpus: 4, schedules: 333 },
  ])(
    "kthread-creator-killed-any on $cpus CPUs, no preemption: $schedules schedules, 2 terminal states",
    async ({ cpus, schedules }) => {
      const r = await explore(target("kthread-creator-killed-any", cpus), dfs(0));
      expect(r.stats.counterexample).toBeNull();
      expect({ schedules: r.stats.schedules, states: r.stats.states.size }).toEqual({ schedules, states: 2 });
    },
    180_000,
  );
});
