import { describe, expect, it } from "vitest";
import {
  PF_KTHREAD,
  PF_NO_SETAFFINITY,
  PF_NOFREEZE,
  SCHED_FIFO,
  TASK_IDLE,
  TASK_INTERRUPTIBLE,
} from "../../src/linux/include/sched.js";
import { SIG_IGN } from "../../src/linux/include/signal.js";
import { get_kthread_comm } from "../../src/linux/kernel/kthread.js";
import { problems, runScenario } from "../../src/run.js";
import boot from "../../src/scenarios/boot.js";

const PER_CPU = ["cpuhp/%d", "migration/%d", "ksoftirqd/%d", "kworker/%d:0", "kworker/%d:0H"];

describe.each([1, 2, 4, 64])("boot on %i CPUs", (cpus) => {
  const r = runScenario(boot, { cpus });
  const tasks = r.machine.tasks();
  const byName = new Map(tasks.map((t) => [get_kthread_comm(t), t]));

  it("ends idle with no problem reported (leaks included)", () => {
    expect(r.stop).toBe("idle");
    expect(problems(r.reports)).toEqual([]);
  });

  it("has pid 1 = init (not a kthread) and pid 2 = kthreadd, both children of pid 0", () => {
    const [init, kthreadd] = tasks;
    expect(init?.pid).toBe(1);
    expect(init?.real_parent.pid).toBe(0);
    expect((init?.flags ?? 0) & PF_KTHREAD).toBe(0);
    expect(kthreadd?.pid).toBe(2);
    expect(kthreadd?.comm).toBe("kthreadd");
    expect(kthreadd?.real_parent.pid).toBe(0);
    expect(kthreadd?.flags).toBe(PF_KTHREAD | PF_NOFREEZE | 0x40); // 0x00208040, as /proc/2/stat shows
    expect(kthreadd?.sighand?.action.every((h) => h === SIG_IGN)).toBe(true);
  });

  it("makes every other kernel thread a child of kthreadd with PF_KTHREAD", () => {
    const kthreads = tasks.filter((t) => t.pid > 2);
    expect(kthreads.length).toBeGreaterThan(5 * cpus);
    for (const t of kthreads) {
      expect(t.real_parent.pid, t.comm).toBe(2);
      expect(t.flags & PF_KTHREAD, t.comm).toBe(PF_KTHREAD);
      expect(t.mm, t.comm).toBeNull();
    }
  });

  it("creates the per-CPU threads of every CPU, bound to it", () => {
    for (let cpu = 0; cpu < cpus; cpu++) {
      for (const fmt of PER_CPU) {
        const name = fmt.replace("%d", String(cpu));
        const t = byName.get(name);
        expect(t, name).toBeDefined();
        if (t === undefined) continue;
        expect(t.real_parent.pid).toBe(2);
        expect([...t.cpus_mask], name).toEqual([cpu]);
        expect(t.flags & PF_NO_SETAFFINITY, name).toBe(PF_NO_SETAFFINITY);
      }
      expect(byName.get(`migration/${cpu}`)?.policy).toBe(SCHED_FIFO);
      expect(byName.get(`migration/${cpu}`)?.prio).toBe(0);
      expect(byName.get(`kworker/${cpu}:0H`)?.static_prio).toBe(100);
      expect(byName.get(`ksoftirqd/${cpu}`)?.__state).toBe(TASK_INTERRUPTIBLE);
      expect(byName.get(`kworker/${cpu}:0`)?.__state).toBe(TASK_IDLE);
    }
    expect(byName.get("rcu_preempt")?.__state).toBe(TASK_IDLE);
  });

  it("hands out pids in creation order: the boot CPU's threads first, then each CPU's", () => {
    const pids = tasks.map((t) => t.pid);
    expect(pids).toEqual([...pids].sort((a, b) => a - b));
    expect(new Set(pids).size).toBe(pids.length);
    expect(byName.get("pool_workqueue_release")?.pid).toBe(3);
    expect(byName.get("ksoftirqd/0")?.pid).toBe(14);
    expect(byName.get("cpuhp/0")?.pid).toBe(19);
    if (cpus > 1) {
      // Bring-up creates the registered types newest first, then the pool workers.
      const cpu1 = ["cpuhp/1", "migration/1", "ksoftirqd/1", "kworker/1:0", "kworker/1:0H"].map(
        (n) => byName.get(n)?.pid,
      );
      expect(cpu1).toEqual([20, 21, 22, 23, 24]);
    }
  });

  it("keeps kthread names longer than 15 characters in full for /proc, truncated in comm", () => {
    const t = byName.get("rcu_exp_par_gp_kthread_worker/0");
    expect(t?.comm).toBe("rcu_exp_par_gp_");
    expect(byName.get("kworker/R-kvfree_rcu_reclaim")?.comm).toBe("kworker/R-kvfre");
  });

  it("has one idle task per CPU, pid 0, named swapper/N", () => {
    const idle = r.machine.kernel.idle_tasks;
    expect(idle.map((t) => t?.comm)).toEqual(Array.from({ length: cpus }, (_, i) => `swapper/${i}`));
    expect(idle.every((t) => t?.pid === 0)).toBe(true);
  });
});

describe("boot when pid 1 cannot be created (an injected alloc_pid failure during boot)", () => {
  it("4.14+: rest_init dereferences the missing task in swapper/0, and killing the idle task panics", () => {
    const r = runScenario(boot, { cpus: 2, faults: ["alloc_pid,boot"] });
    expect(r.stop).toBe("panic");
    expect(problems(r.reports).map((p) => p.title)).toEqual([
      "BUG: unhandled exception in swapper/0/0: kernel NULL pointer dereference: no task has pid 1 (creating it gave -11)",
      "Kernel panic - not syncing: Attempted to kill the idle task!",
    ]);
    expect(problems(r.reports)[0]?.lines).toEqual(["Call Trace:", " rest_init", " start_kernel"]);
  });

  it("before 4.14 rest_init does not touch pid 1's task: the boot goes on without init", () => {
    const r = runScenario(boot, { cpus: 2, kernel: "3.10", faults: ["alloc_pid,boot"] });
    expect(r.stop).toBe("idle");
    expect(problems(r.reports)).toEqual([]);
    // The failed allocation took no pid number, so kthreadd is pid 1; with no kernel_init
    // to run the initcalls, it is the only task besides the idle tasks.
    expect(r.machine.tasks().map((t) => `${t.pid} ${t.comm}`)).toEqual(["1 kthreadd"]);
  });
});
