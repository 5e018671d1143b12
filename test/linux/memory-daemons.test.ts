/**
 * kswapd0 and kcompactd0 (mm/vmscan.c, mm/compaction.c) carry their own PF_* flags and are
 * freezable, per release, as /proc/<pid>/stat's flags field (the 9th) shows them after boot.
 */
import { describe, expect, it } from "vitest";
import { ERA_NAMES, type EraName } from "../../src/linux/eras/profiles.js";
import {
  PF_FORKNOEXEC,
  PF_KCOMPACTD,
  PF_KTHREAD,
  PF_MEMALLOC,
  PF_NOFREEZE,
  PF_SWAPWRITE,
} from "../../src/linux/include/sched.js";
import { sched_show_task } from "../../src/linux/kernel/sched/core.js";
import { runScenario } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { proc_stat } from "../../src/views/proc.js";

/** The flags field of /proc/<pid>/stat of each named boot daemon on `kernel` (2 CPUs, seed 1). */
function statFlags(kernel: EraName, ...names: string[]): (number | undefined)[] {
  const tasks = runScenario(findScenario("boot") as Scenario, { cpus: 2, seed: 1, kernel }).machine.tasks();
  return names.map((n) => {
    const t = tasks.find((p) => p.comm === n);
    return t === undefined ? undefined : Number(proc_stat(t).split(" ")[8]);
  });
}

/** What every boot daemon has: kthreadd's child (PF_KTHREAD), forked without exec. */
const KTHREAD = PF_KTHREAD | PF_FORKNOEXEC;
const PF_KSWAPD_OLD = 0x00040000; // ≤4.11
const PF_KSWAPD_NEW = 0x00020000; // 4.12+

describe("kswapd0's and kcompactd0's task flags, read through /proc/<pid>/stat", () => {
  it.each([
    // release, kswapd0, kcompactd0 (absent before 4.9)
    ["2.6.24", PF_MEMALLOC | PF_SWAPWRITE | PF_KSWAPD_OLD, undefined],
    ["3.10", PF_MEMALLOC | PF_SWAPWRITE | PF_KSWAPD_OLD, undefined],
    ["4.9", PF_MEMALLOC | PF_SWAPWRITE | PF_KSWAPD_OLD, 0],
    ["4.14", PF_MEMALLOC | PF_SWAPWRITE | PF_KSWAPD_NEW, 0],
    ["5.17", PF_MEMALLOC | PF_SWAPWRITE | PF_KSWAPD_NEW, 0],
    ["6.1", PF_MEMALLOC | PF_KSWAPD_NEW, 0],
    ["6.8", PF_MEMALLOC | PF_KSWAPD_NEW, 0],
    ["6.19", PF_MEMALLOC | PF_KSWAPD_NEW, PF_KCOMPACTD],
  ] as const)("Linux %s: kswapd0 %i, kcompactd0 %s", (kernel, kswapd, kcompactd) => {
    const [ks, kc] = statFlags(kernel, "kswapd0", "kcompactd0");
    expect(ks).toBe(KTHREAD | kswapd); // no PF_NOFREEZE: set_freezable()
    expect(kc).toBe(kcompactd === undefined ? undefined : KTHREAD | kcompactd);
  });

  it("the exact values of 6.19 and 2.6.24 (as ps -o flags would print them, in hex)", () => {
    expect(statFlags("6.19", "kswapd0", "kcompactd0").map((f) => f?.toString(16))).toEqual(["220840", "210040"]);
    expect(statFlags("2.6.24", "kswapd0").map((f) => f?.toString(16))).toEqual(["a40840"]);
  });

  it("sched_show_task prints them as task_flags (6.19, 3.10)", () => {
    for (const [kernel, flags] of [
      ["6.19", "task_flags:0x220840"],
      ["3.10", "task_flags:0xa40840"],
    ] as const) {
      const t = runScenario(findScenario("boot") as Scenario, { cpus: 2, seed: 1, kernel })
        .machine.tasks()
        .find((p) => p.comm === "kswapd0");
      expect(t && sched_show_task(t)[0]?.match(/task_flags:0x[0-9a-f]+/)?.[0], kernel).toBe(flags);
    }
  });

  it("in every release kswapd0 is freezable and has PF_MEMALLOC; only it has a PF_KSWAPD bit", () => {
    for (const k of ERA_NAMES) {
      const [ks, hugepaged] = statFlags(k, "kswapd0", "khugepaged");
      expect((ks ?? 0) & (PF_NOFREEZE | PF_MEMALLOC), k).toBe(PF_MEMALLOC);
      if (hugepaged !== undefined) expect(hugepaged & (PF_KSWAPD_OLD | PF_KSWAPD_NEW | PF_MEMALLOC), k).toBe(0);
    }
  });
});
