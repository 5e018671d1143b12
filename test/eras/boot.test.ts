/**
 * The boot's kernel threads per release (spec §4): one `it` per boundary, each asserting
 * both sides on the task list after the boot scenario (2 CPUs): idle task names, workqueue
 * threads, per-CPU hotplug and watchdog threads, rescuer names, RCU threads.
 */
import { describe, expect, it } from "vitest";
import { runScenario, traceText } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { psRow } from "../../src/views/ps.js";

function boot(kernel: string) {
  return runScenario(findScenario("boot") as Scenario, { cpus: 2, seed: 1, kernel });
}

/** The kernel threads' names in pid order, as `ps` lists them (kthreadd's children). */
function kthreads(kernel: string): string[] {
  return boot(kernel)
    .machine.tasks()
    .filter((t) => t.real_parent.pid === 2)
    .map((t) => psRow(t).name);
}

function idleNames(kernel: string): string[] {
  return boot(kernel).machine.kernel.idle_tasks.map((t) => t?.comm ?? "");
}

describe("the boot's kernel threads per release", () => {
  it("2.6.32 → 3.10: idle tasks all 'swapper' → 'swapper/N'", () => {
    expect(idleNames("2.6.32")).toEqual(["swapper", "swapper"]);
    expect(idleNames("3.10")).toEqual(["swapper/0", "swapper/1"]);
  });

  it("2.6.32 → 3.10: a thread per workqueue and CPU (events/0) → kworker pools and rescuers", () => {
    expect(kthreads("2.6.32")).toEqual([
      "migration/0",
      "ksoftirqd/0",
      "watchdog/0",
      "migration/1",
      "ksoftirqd/1",
      "watchdog/1",
      "events/0",
      "events/1",
      "khelper",
      "netns",
      "khungtaskd",
      "ksmd",
      "kblockd/0",
      "kblockd/1",
      "kswapd0",
    ]);
    expect(kthreads("3.10")).toEqual([
      "netns",
      "kworker/0:0",
      "kworker/0:0H",
      "kworker/u8:0",
      "kworker/u9:0",
      "ksoftirqd/0",
      "rcu_preempt",
      "rcu_bh",
      "rcu_sched",
      "migration/0",
      "watchdog/0",
      "watchdog/1",
      "migration/1",
      "ksoftirqd/1",
      "kworker/1:0",
      "kworker/1:0H",
      "khelper",
      "kdevtmpfs",
      "khungtaskd",
      "writeback",
      "ksmd",
      "khugepaged",
      "kblockd",
      "kswapd0",
    ]);
  });

  it("2.6.32 → 3.10: per-CPU threads woken by the CPU notifier (S, never parked) → smpboot", () => {
    const old = boot("2.6.32").machine.tasks();
    const ks1 = old.find((t) => t.comm === "ksoftirqd/1");
    expect(ks1?.cpu).toBe(1);
    expect(psRow(ks1 as never).stat).toBe("S");
    const neu = boot("3.10").machine.tasks();
    expect(psRow(neu.find((t) => t.comm === "ksoftirqd/1") as never).stat).toBe("S");
  });

  it("3.10 → 3.13: RCU flavour threads spawn preempt, bh, sched → preempt, sched, bh", () => {
    expect(kthreads("3.10").filter((n) => n.startsWith("rcu_"))).toEqual(["rcu_preempt", "rcu_bh", "rcu_sched"]);
    expect(kthreads("3.13").filter((n) => n.startsWith("rcu_"))).toEqual(["rcu_preempt", "rcu_sched", "rcu_bh"]);
  });

  it("4.4 → 4.9: no cpuhp/N → cpuhp/0 and cpuhp/1", () => {
    expect(kthreads("4.4").filter((n) => n.startsWith("cpuhp/"))).toEqual([]);
    expect(kthreads("4.9").filter((n) => n.startsWith("cpuhp/"))).toEqual(["cpuhp/0", "cpuhp/1"]);
  });

  it.each(["4.9", "6.19"])(
    "%s: every cpuhp/N sleeps in S after boot, the boot CPU's unparked by cpuhp_threads_init",
    (k) => {
      const r = runScenario(findScenario("boot") as Scenario, { cpus: 2, seed: 1, kernel: k, traceBoot: true });
      const cpuhp = r.machine.tasks().filter((t) => t.comm.startsWith("cpuhp/"));
      expect(cpuhp.map((t) => `${t.comm} ${psRow(t).stat}`)).toEqual(["cpuhp/0 S", "cpuhp/1 S"]);
      // The unpark is traced by pid 1: wait_task_inactive (kthread_unpark rebinds the parked
      // thread), then the wakeup from P; cpuhp/0 then finds no work and goes to sleep.
      const lines = traceText(r)
        .split("\n")
        .filter((l) => /comm=cpuhp\/0 pid=\d+ prio=120( target_cpu=000)?$/.test(l) && l.includes(" init-1 "));
      expect(lines.map((l) => l.replace(/.*: (\w+): .*/, "$1")).slice(-3)).toEqual([
        "sched_wait_task",
        "sched_waking",
        "sched_wakeup",
      ]);
    },
  );

  it("4.14 → 4.19: watchdog/N → none", () => {
    expect(kthreads("4.14").filter((n) => n.startsWith("watchdog/"))).toEqual(["watchdog/0", "watchdog/1"]);
    expect(kthreads("4.19").filter((n) => n.startsWith("watchdog/"))).toEqual([]);
  });

  it("4.19 → 5.4: three RCU flavour threads → rcu_preempt alone", () => {
    expect(kthreads("4.19").filter((n) => /^rcu_(preempt|sched|bh)$/.test(n))).toEqual([
      "rcu_preempt",
      "rcu_sched",
      "rcu_bh",
    ]);
    expect(kthreads("5.4").filter((n) => /^rcu_(preempt|sched|bh)$/.test(n))).toEqual(["rcu_preempt"]);
  });

  it("5.17 → 6.1: rcu_par_gp rescuer → expedited-GP kthread workers", () => {
    const a = kthreads("5.17");
    expect(a).toContain("rcu_par_gp");
    expect(a.filter((n) => n.startsWith("rcu_exp"))).toEqual([]);
    const b = kthreads("6.1");
    expect(b).not.toContain("rcu_par_gp");
    expect(b.filter((n) => n.startsWith("rcu_exp"))).toEqual([
      "rcu_exp_gp_kthread_worker",
      "rcu_exp_par_gp_kthread_worker",
    ]);
  });

  it("6.4 → 6.8: rescuers named after the workqueue → kworker/R-<wq>; pool_workqueue_release", () => {
    const a = kthreads("6.4");
    expect(a.slice(0, 3)).toEqual(["rcu_gp", "slub_flushwq", "netns"]);
    expect(a).not.toContain("pool_workqueue_release");
    const b = kthreads("6.8");
    expect(b.slice(0, 4)).toEqual([
      "pool_workqueue_release",
      "kworker/R-rcu_gp",
      "kworker/R-slub_flushwq",
      "kworker/R-netns",
    ]);
  });

  it("6.8 → 6.19: one parallel expedited worker, made second → one per node, made first", () => {
    expect(kthreads("6.8").filter((n) => n.startsWith("rcu_exp"))).toEqual([
      "rcu_exp_gp_kthread_worker",
      "rcu_exp_par_gp_kthread_worker",
    ]);
    expect(kthreads("6.19").filter((n) => n.startsWith("rcu_exp"))).toEqual([
      "rcu_exp_par_gp_kthread_worker/0",
      "rcu_exp_gp_kthread_worker",
    ]);
  });

  it("2.6.24 → 2.6.32: no khungtaskd or ksmd → both", () => {
    const a = kthreads("2.6.24");
    expect(a).not.toContain("khungtaskd");
    expect(a).not.toContain("ksmd");
    expect(a).toContain("events/1");
    const b = kthreads("2.6.32");
    expect(b).toContain("khungtaskd");
    expect(b).toContain("ksmd");
  });
});
