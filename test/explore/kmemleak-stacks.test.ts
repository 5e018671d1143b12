import { describe, expect, it } from "vitest";
import { EXPLORE_DEFAULTS, explore, minimizeResult } from "../../src/explore/explore.js";
import { picksScript, runSchedule, type Target } from "../../src/explore/schedule.js";

describe("kmemleak and a thread's start argument", () => {
  it("a request the split-xchg race leaves unfreed stays reachable through its thread (kmemleak scans stacks): only the invariant is reported", async () => {
    const t: Target = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: "split-xchg" };
    const m = minimizeResult(await explore(t, { ...EXPLORE_DEFAULTS, preemptions: 1 }));
    expect(m).not.toBeNull();
    if (m === null) return;
    const { outcome, result } = runSchedule(t, picksScript(new Map(m.picks)));
    expect(outcome.violation?.kind).toBe("invariant");
    expect(result.reports.filter((r) => r.kind !== "printk").map((r) => r.kind)).toEqual(["invariant"]);
  }, 60_000);
});
