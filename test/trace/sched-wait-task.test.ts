/** sched_wait_task: wait_task_inactive traces each look it takes under the task's run queue lock. */
import { describe, expect, it } from "vitest";
import { runScenario, traceText } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";

const lines = (kernel: "6.19" | "3.10") =>
  traceText(runScenario(findScenario("kthread-park") as Scenario, { cpus: 2, seed: 1, kernel }))
    .split("\n")
    .filter((l) => l.includes("sched_wait_task"));

describe("sched_wait_task", () => {
  it("is traced by the waiter, irqs off with p->pi_lock and the rq lock held, once per look", () => {
    const park = lines("6.19").filter((l) => l.includes("comm=percpu_thread/1"));
    // kthread_park waits for the parked thread twice in the scenario, kthread_bind once.
    expect(park.map((l) => l.replace(/^\s+(\S+)\s+\[\d+\] (\S+)\s+[\d.]+: (.*)$/, "$1 $2 $3"))).toEqual([
      "init-1 d..2. sched_wait_task: comm=percpu_thread/1 pid=39 prio=120",
      "init-1 d..2. sched_wait_task: comm=percpu_thread/1 pid=39 prio=120",
      "init-1 d..2. sched_wait_task: comm=percpu_thread/1 pid=39 prio=120",
    ]);
  });

  it("exists on 3.10 too (the tracepoint is older than the model's releases with tracepoints)", () => {
    expect(lines("3.10").some((l) => / sched_wait_task: comm=percpu_thread\/1 pid=\d+ prio=120$/.test(l))).toBe(true);
  });
});
