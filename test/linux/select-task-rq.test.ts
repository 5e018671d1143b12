/**
 * Where a task runs: select_task_rq_fair's fork balancing (the idlest CPU), its wakeup fast
 * path (wake_affine, select_idle_sibling) and the sched_migrate_task event of a move,
 * read from the trace.
 */
import { describe, expect, it } from "vitest";
import { current, smp_processor_id } from "../../src/linux/include/current.js";
import { TASK_INTERRUPTIBLE } from "../../src/linux/include/sched.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import type { TraceRecord } from "../../src/linux/include/trace/events/records.js";
import { CLONE_FILES, CLONE_FS } from "../../src/linux/include/uapi/sched.js";
import { kernel_thread } from "../../src/linux/kernel/fork.js";
import { printk } from "../../src/linux/kernel/printk/printk.js";
import {
  schedule,
  set_cpus_allowed_ptr,
  set_current_state,
  wake_up_process,
} from "../../src/linux/kernel/sched/core.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { K } from "../../src/linux/kernel.js";
import { cpumask } from "../../src/linux/lib/cpumask.js";
import { udelay } from "../../src/linux/lib/delay.js";
import type { RunResult } from "../../src/run.js";
import { records, runMain } from "../helpers.js";

const FLAGS = CLONE_FS | CLONE_FILES;

/**
 * Binds the caller to `cpus` and sleeps a millisecond, so that it wakes up there, then lets
 * it run anywhere again (it stays where it runs until it next sleeps; its children inherit
 * the mask).
 */
function* moveTo(cpus: number[]) {
  set_cpus_allowed_ptr(current(), cpumask.of(K.nr_cpu_ids, cpus));
  yield* msleep(1);
  set_cpus_allowed_ptr(current(), K.cpu_possible_mask);
}

/** A thread that settles on CPU `arg` and keeps it busy for 30 ms (the tick is 8 ms). */
function* spinner(arg: unknown) {
  yield* moveTo([arg as number]);
  yield* udelay(30000);
  return 0;
}

function* sayWhere(_arg: unknown) {
  printk("child on CPU %d", smp_processor_id());
  return 0;
}

const of = (r: RunResult, type: TraceRecord["type"], pid: number) =>
  records(r).filter((e) => e.type === type && "tpid" in e && e.tpid === pid);

const said = (r: RunResult, text: string) => r.reports.some((x) => x.kind === "printk" && x.title === text);

const childPid = (r: RunResult, comm: string) =>
  (r.machine.tasks().find((t) => t.comm === comm) as task_struct | undefined)?.pid ??
  (records(r).find((e) => e.type === "sched_process_fork" && e.child_comm === comm) as { child_pid: number }).child_pid;

describe("fork balancing (SD_BALANCE_FORK: the idlest group, then its CPU)", () => {
  it("places the child on the idle CPU, not on its parent's busy one", () => {
    const r = runMain(
      function* () {
        yield* moveTo([0]);
        yield* kernel_thread(sayWhere, null, "child", FLAGS);
        yield* msleep(2);
      },
      { cpus: 2, boot: "minimal" },
    );
    const pid = childPid(r, "child");
    const wn = of(r, "sched_wakeup_new", pid);
    expect(wn.map((e) => [e.cpu, (e as { target_cpu: number }).target_cpu])).toEqual([[0, 1]]);
    expect(said(r, "child on CPU 1")).toBe(true);
  });

  it.each([
    { cpus: 2, target: 0, why: "stays on its parent's CPU: the other is as busy (fully busy groups, equal load)" },
    { cpus: 3, target: 2, why: "goes to the one idle CPU (no choice: the busy one is not as idle)" },
  ])("on $cpus CPUs with CPU 1 busy, the child $why", ({ cpus, target }) => {
    const r = runMain(
      function* () {
        yield* kernel_thread(spinner, 1, "spin1", FLAGS);
        yield* moveTo([0]);
        yield* kernel_thread(sayWhere, null, "child", FLAGS);
        yield* msleep(40);
      },
      { cpus, boot: "minimal" },
    );
    const wn = of(r, "sched_wakeup_new", childPid(r, "child"));
    expect(wn.map((e) => (e as { target_cpu: number }).target_cpu)).toEqual([target]);
  });
});

/**
 * pid 1 settles on CPU 1 and forks a thread, which goes to the idle CPU 0, stays there and
 * sleeps a jiffy or two (its timer fires on CPU 0); meanwhile `spin0`, if asked for, keeps
 * CPU 0 busy. Returns the run
 * and the sleeper's pid.
 */
function sleeperRun(busy: boolean): { r: RunResult; pid: number } {
  let pid = -1;
  const r = runMain(
    function* () {
      yield* moveTo([1]);
      yield* kernel_thread(
        function* () {
          pid = current().pid;
          yield* moveTo([0]);
          yield* msleep(2);
          printk("sleeper on CPU %d (%d migrations)", smp_processor_id(), current().se.nr_migrations);
          return 0;
        },
        null,
        "sleeper",
        FLAGS,
      );
      if (busy) yield* kernel_thread(spinner, 0, "spin0", FLAGS);
      yield* msleep(40);
    },
    { cpus: 2, boot: "minimal" },
  );
  return { r, pid };
}

describe("wakeups (the fast path) and sched_migrate_task", () => {
  it("a task woken on its busy previous CPU moves to the idle one: sched_migrate_task between waking and wakeup", () => {
    const { r, pid } = sleeperRun(true);
    const seq = records(r)
      .filter((e) => "tpid" in e && e.tpid === pid)
      .map((e) =>
        e.type === "sched_migrate_task"
          ? `${e.type} ${e.orig_cpu}->${e.dest_cpu} on ${e.cpu}`
          : `${e.type}${"target_cpu" in e ? ` target ${e.target_cpu}` : ""} on ${e.cpu}`,
      );
    // The 1 ms sleep of moveTo ends on CPU 0, where it was bound; the 2 ms one finds CPU 0 busy.
    const last = seq.slice(seq.lastIndexOf("sched_waking target 0 on 0"));
    expect(last.slice(0, 3)).toEqual([
      "sched_waking target 0 on 0",
      "sched_migrate_task 0->1 on 0",
      "sched_wakeup target 1 on 1",
    ]);
    // The fork placed it on CPU 0 (idle then): this is its one move.
    expect(said(r, "sleeper on CPU 1 (1 migrations)")).toBe(true);
  });

  it("a task woken on its idle previous CPU stays: no sched_migrate_task", () => {
    const { r, pid } = sleeperRun(false);
    expect(of(r, "sched_migrate_task", pid)).toEqual([]);
    expect(said(r, "sleeper on CPU 0 (0 migrations)")).toBe(true);
  });

  it("wake_affine pulls a wakee whose previous CPU is overloaded to the waker's CPU", () => {
    let wakee: task_struct | null = null;
    const r = runMain(
      function* () {
        yield* kernel_thread(
          function* () {
            wakee = current();
            yield* moveTo([1]);
            set_current_state(TASK_INTERRUPTIBLE);
            yield* schedule();
            printk("wakee on CPU %d", smp_processor_id());
            return 0;
          },
          null,
          "wakee",
          FLAGS,
        );
        yield* kernel_thread(spinner, 1, "spin1a", FLAGS);
        yield* kernel_thread(spinner, 1, "spin1b", FLAGS);
        yield* moveTo([0]);
        yield* msleep(2); // both spinners now run on CPU 1
        yield* wake_up_process(wakee as unknown as task_struct);
        yield* udelay(100);
        yield* msleep(40);
      },
      { cpus: 2, boot: "minimal" },
    );
    const pid = (wakee as task_struct | null)?.pid ?? -1;
    const moves = of(r, "sched_migrate_task", pid).map(
      (e) => e as TraceRecord & { orig_cpu: number; dest_cpu: number },
    );
    expect(moves.at(-1)).toMatchObject({ cpu: 0, orig_cpu: 1, dest_cpu: 0 });
    expect(said(r, "wakee on CPU 0")).toBe(true);
  });
});
