/**
 * SIGKILL to the creator at every point of the creation protocol: at each modeled call
 * the creator makes inside __kthread_create_on_node, kthreadd inside create_kthread, and
 * the new thread inside kthread() (a loop over all the points, not a sample), on 1, 2 and
 * 4 CPUs, with several seeds, with and without a failing fork. Whatever the point: no leak, no double free, no use after free; every
 * request and name freed exactly once; the creator gets -EINTR, the task, or the fork's
 * error; an abandoned thread never runs its threadfn and is reaped.
 */
import { describe, expect, it } from "vitest";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import type { Machine } from "../../src/machine.js";
import { problems, runScenario } from "../../src/run.js";
import { variant } from "../../src/scenarios/kthread-creator-killed.js";
import { functionId } from "../../src/sim/functions.js";
import { trackOwnership } from "./ownership.js";

/** How many modeled calls `comm` makes inside `func` (from its entry on) in an undisturbed run. */
function callsIn(comm: string, func: string, cpus: number, seed: number, faults: string[]): number {
  const id = functionId(func);
  let calls = 0;
  runScenario(variant("probe", "", [], faults), {
    cpus,
    seed,
    prepare: (m: Machine) => {
      m.engine.onEnter = (t, fn) => {
        if (m.kernel.system_state !== "running") return; // boot's calls are not the scenario's
        if ((t.owner as task_struct).comm === comm && (fn === id || t.fnStack.includes(id))) calls++;
      };
    },
  });
  return calls;
}

/** Every kill point: [who, function, how many of who's calls inside it]. */
function points(cpus: number, seed: number, faults: string[]): string[] {
  const out: string[] = [];
  for (const [who, func] of [
    ["creator", "__kthread_create_on_node"],
    ["kthreadd", "create_kthread"],
    ["victim", "kthread"],
  ] as const) {
    const n = callsIn(who, func, cpus, seed, faults);
    for (let k = 0; k <= n; k++) out.push(`KILL:creator@${who}:${func}+${k}`);
  }
  return out;
}

const ROWS = {
  "-4": /^creator: kthread_create returned -4$/, // 3a / 3b
  task: /^creator: kthread_create returned task \d+$/, // 1 / 4t
  "-11": /^creator: kthread_create returned -11$/, // 2 / 4k
};

describe.each([
  ["the fork succeeds", []],
  ["the fork fails", ["alloc_pid,nth=2"]],
])("SIGKILL at every point of kthread_create, when %s", (_what, faults) => {
  it.each([
    [1, 1],
    [2, 1],
    [2, 7],
    [4, 3],
  ])("on %i CPUs, seed %i", (cpus, seed) => {
    const all = points(cpus, seed, faults as string[]);
    expect(all.length).toBeGreaterThan(20);
    const seen = new Set<string>();
    for (const spec of all) {
      let lives = new Map<number, ReturnType<typeof trackOwnership> extends Map<number, infer L> ? L : never>();
      const r = runScenario(variant("everywhere", "", [spec], faults as string[]), {
        cpus,
        seed,
        prepare: (m: Machine) => (lives = trackOwnership(m)),
      });
      const where = `${spec} on ${cpus} CPUs, seed ${seed}`;
      expect(problems(r.reports), where).toEqual([]);
      expect(r.stop, where).toBe("idle");
      for (const l of lives.values()) expect(l.frees, `${where}: ${l.type} by ${l.allocBy}`).toHaveLength(1);
      // The scenario's own log: the injected fault's record (FAULT_INJECTION: …) apart.
      const log = r.reports
        .filter((x) => x.kind === "printk" && !x.title.startsWith("FAULT_INJECTION"))
        .map((x) => x.title);
      const row = Object.entries(ROWS).find(([, re]) => re.test(log[0] ?? ""));
      expect(row, `${where}: ${log.join(" / ")}`).toBeDefined();
      seen.add(row?.[0] as string);
      expect(log.includes("victim: threadfn ran"), where).toBe(false);
      if (row?.[0] === "task") expect(log[1], where).toBe("creator: kthread_stop returned -4");
      expect(
        r.machine.tasks().some((t) => t.comm === "victim"),
        `${where}: victim not reaped`,
      ).toBe(false);
    }
    // Both outcomes are reached: killed in time (-EINTR) and too late (the real result).
    expect(seen.has("-4")).toBe(true);
    expect(seen.has(faults.length ? "-11" : "task")).toBe(true);
  });
});
