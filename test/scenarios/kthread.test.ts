/** The kthread scenarios: exact results, event order, and who frees what (spec §2.2). */
import { describe, expect, it } from "vitest";
import type { Machine } from "../../src/machine.js";
import { problems, type RunResult, runScenario } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { formatEventText } from "../../src/trace/ftrace.js";
import { type Life, trackOwnership } from "./ownership.js";

function scenario(name: string): Scenario {
  const s = findScenario(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
}

const FAULT = "FAULT_INJECTION: forcing a failure.";

/** A run, its ownership records, and the scenario's own kernel log (the injected faults' records apart). */
function run(name: string, cpus = 2): { r: RunResult; lives: Map<number, Life>; log: string[]; faults: string[][] } {
  let lives = new Map<number, Life>();
  const r = runScenario(scenario(name), { cpus, prepare: (m: Machine) => (lives = trackOwnership(m)) });
  const printk = r.reports.filter((x) => x.kind === "printk");
  const log = printk.filter((x) => x.title !== FAULT).map((x) => x.title);
  const faults = printk.filter((x) => x.title === FAULT).map((x) => x.lines);
  return { r, lives, log, faults };
}

function events(r: RunResult, comm: string): string[] {
  return r.machine.kernel.trace
    .records()
    .filter((e) => formatEventText(e).includes(`comm=${comm} `) || ("prev_comm" in e && e.prev_comm === comm))
    .map((e) => `${e.type}: ${formatEventText(e)}`);
}

/** Who freed the requests and names that task `by` allocated, as "freer in function". */
function owners(lives: Map<number, Life>, by: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const l of lives.values()) {
    if (!l.allocBy.startsWith(`${by} in `)) continue;
    expect(l.frees, `${l.type} allocated by ${l.allocBy}`).toHaveLength(1);
    (out[l.type] ??= []).push(l.frees[0] as string);
  }
  return out;
}

describe.each([1, 2, 4])("kthread scenarios on %i CPUs", (cpus) => {
  it("kthread-stop-unwoken: kthread_stop returns -EINTR and threadfn never runs", () => {
    const { r, log, lives } = run("kthread-stop-unwoken", cpus);
    expect(problems(r.reports)).toEqual([]);
    expect(log).toEqual(["kthread_stop returned -4"]);
    const ev = events(r, "unwoken").map((l) => l.split(":")[0]);
    expect(ev.filter((t) => t === "sched_process_exit")).toHaveLength(1);
    expect(r.machine.tasks().some((t) => t.comm === "unwoken")).toBe(false); // reaped by kthreadd
    const o = owners(lives, "init");
    expect(o.kthread_create_info).toEqual(["init in __kthread_create_on_node"]);
    // Moved into struct kthread: freed with the task (the last put_task_struct).
    expect(o.full_name?.[0]).toMatch(/ in free_task$/);
  });

  it("kthread-creator-killed-3a: -EINTR; the new thread frees request and name and exits unrun", () => {
    const { r, log, lives } = run("kthread-creator-killed-3a", cpus);
    expect(problems(r.reports)).toEqual([]);
    expect(log).toEqual(["creator: kthread_create returned -4"]);
    expect(owners(lives, "creator")).toEqual({
      kthread_create_info: ["victim in kthread"],
      full_name: ["victim in kthread"],
    });
    expect(events(r, "victim").some((l) => l.startsWith("sched_process_exit"))).toBe(true);
    expect(r.machine.tasks().some((t) => t.comm === "victim")).toBe(false);
  });

  it("kthread-creator-killed-3a-late: killed after kthreadd dequeued it, the outcome is still 3a's", () => {
    const { r, log, lives } = run("kthread-creator-killed-3a-late", cpus);
    expect(problems(r.reports)).toEqual([]);
    expect(log).toEqual(["creator: kthread_create returned -4"]);
    expect(owners(lives, "creator")).toEqual({
      kthread_create_info: ["victim in kthread"],
      full_name: ["victim in kthread"],
    });
  });

  it("kthread-creator-killed-3b: -EINTR; kthreadd, whose fork failed, frees both", () => {
    const { r, log, lives } = run("kthread-creator-killed-3b", cpus);
    expect(problems(r.reports)).toEqual([]);
    expect(log).toEqual(["creator: kthread_create returned -4"]);
    expect(owners(lives, "creator")).toEqual({
      kthread_create_info: ["kthreadd in create_kthread"],
      full_name: ["kthreadd in create_kthread"],
    });
  });

  it("kthread-creator-killed-4t: the creator, killed after the thread took the token, gets the task", () => {
    const { r, log, lives } = run("kthread-creator-killed-4t", cpus);
    expect(problems(r.reports)).toEqual([]);
    expect(log[0]).toMatch(/^creator: kthread_create returned task \d+$/);
    expect(log[1]).toBe("creator: kthread_stop returned -4");
    const o = owners(lives, "creator");
    expect(o.kthread_create_info).toEqual(["creator in __kthread_create_on_node"]);
    // Moved into struct kthread: freed with the task (the last put_task_struct).
    expect(o.full_name?.[0]).toMatch(/ in free_task$/);
  });

  it("kthread-creator-killed-4k: kthreadd took the token of its failed fork; the creator gets -EAGAIN", () => {
    const { r, log, lives } = run("kthread-creator-killed-4k", cpus);
    expect(problems(r.reports)).toEqual([]);
    expect(log).toEqual(["creator: kthread_create returned -11"]);
    expect(owners(lives, "creator")).toEqual({
      kthread_create_info: ["creator in __kthread_create_on_node"],
      full_name: ["kthreadd in create_kthread"],
    });
  });

  it("kthread-enomem: -ENOMEM for the request, the name and the task_struct; nothing leaks", () => {
    const { r, log, lives, faults } = run("kthread-enomem", cpus);
    expect(problems(r.reports)).toEqual([]);
    // Each injected failure is logged as lib/fault-inject.c's fail_dump logs it, with the stack.
    expect(faults.map((lines) => lines[0])).toEqual(
      Array(3).fill("name failslab, interval 1, probability 100, space 0, times 1"),
    );
    expect(faults.map((lines) => lines.slice(2, 5))).toEqual([
      ["Call Trace:", " <TASK>", " __kthread_create_on_node"],
      ["Call Trace:", " <TASK>", " __kthread_create_on_node"],
      ["Call Trace:", " <TASK>", " dup_task_struct"],
    ]);
    expect(faults[2]?.[1]).toMatch(/^CPU: \d+ UID: 0 PID: 2 Comm: kthreadd$/);
    expect(faults[2]?.at(-1)).toBe(" </TASK>");
    expect(log.slice(0, 3)).toEqual([
      "kthread_create with no request: -12",
      "kthread_create with no name: -12",
      "kthread_create with no task_struct: -12",
    ]);
    expect(log[3]).toMatch(/^kthread_create with enough memory: task \d+$/);
    for (const l of lives.values()) expect(l.frees).toHaveLength(1);
  });

  it("kthread-worker: works run in order, a pending work is not queued twice, cancel and flush work", () => {
    const { r, log } = run("kthread-worker", cpus);
    expect(problems(r.reports)).toEqual([]);
    // Exact return values; the order of the worker's lines against init's depends on who
    // the scheduler runs first, so only the order the API guarantees is checked.
    expect(log.slice(0, 5)).toEqual([
      "queue a: 1",
      "queue b: 1",
      "queue b again: 0",
      "queue delayed (2 jiffies): 1",
      "queue to-cancel (10 jiffies): 1",
    ]);
    expect([...log].sort()).toEqual(
      [
        "cancel: 1",
        "destroyed the worker",
        "flushed a",
        "flushed the worker",
        "queue a: 1",
        "queue b again: 0",
        "queue b: 1",
        "queue delayed (2 jiffies): 1",
        "queue to-cancel (10 jiffies): 1",
        "work_a runs",
        "work_b runs",
        "work_delayed runs",
      ].sort(),
    );
    const at = (line: string) => log.indexOf(line);
    expect(at("work_a runs")).toBeLessThan(at("flushed a")); // flush waits for a
    expect(at("work_a runs")).toBeLessThan(at("work_b runs")); // queued order
    expect(at("work_b runs")).toBeLessThan(at("flushed the worker"));
    expect(at("work_delayed runs")).toBeLessThan(at("flushed the worker"));
    expect(at("flushed the worker")).toBeLessThan(at("destroyed the worker"));
    const types = r.machine.kernel.trace.records().map((e) => e.type);
    const n = (t: string) => types.filter((x) => x === t).length;
    // a, b, the delayed one, the flush marker of a, the flush marker of the worker, and the
    // marker of destroy's flush: 6 queued, 6 executed.
    expect(n("sched_kthread_work_queue_work")).toBe(6);
    expect(n("sched_kthread_work_execute_start")).toBe(6);
    expect(n("sched_kthread_work_execute_end")).toBe(6);
    const lines = r.machine.kernel.trace.records().map((e) => formatEventText(e));
    expect(lines).toContain(
      lines.find((l) => /^work struct=[0-9a-f]{16} function=work_a worker=[0-9a-f]{16}$/.test(l)),
    );
  });

  it("kthread-park: the per-CPU thread parks, survives its CPU going offline and back, and stays bound", () => {
    if (cpus < 2) return; // needs a CPU besides the boot CPU
    const { r, log } = run("kthread-park", cpus);
    expect(problems(r.reports)).toEqual([]);
    expect(log.slice(0, 5)).toEqual([
      "percpu_thread: parking",
      "kthread_park: 0",
      "cpu_down(1): 0",
      "cpu_up(1): 0",
      "percpu_thread: unparked on CPU 1",
    ]);
    expect(log[5]).toMatch(/^kthread_stop: [1-9]\d* rounds$/);
    expect(log.some((l) => l.includes("ran on CPU"))).toBe(false);
    const parked = r.machine.kernel.trace
      .records()
      .filter((e) => e.type === "sched_switch" && e.prev_state === 0x40)
      .map((e) => (e.type === "sched_switch" ? e.prev_comm : ""));
    expect(parked).toEqual(expect.arrayContaining(["percpu_thread/1", "migration/1", "ksoftirqd/1", "cpuhp/1"]));
    for (const name of ["cpuhp/1", "migration/1", "ksoftirqd/1", "percpu_thread/1"]) {
      const t = r.machine.tasks().find((x) => x.comm === name);
      if (name !== "percpu_thread/1") expect([...(t?.cpus_mask ?? [])], name).toEqual([1]);
    }
  });

  it("kthread-long-name: 15 characters in comm and every event, the whole name in /proc and ps", () => {
    const { r } = run("kthread-long-name", cpus);
    expect(problems(r.reports)).toEqual([]);
    const t = r.machine.tasks().find((x) => x.comm === "long_kthread_na");
    expect(t).toBeDefined();
    const recs = r.machine.kernel.trace.records();
    const named = recs.filter((e) => e.type === "task_newtask");
    expect(named.map((e) => (e.type === "task_newtask" ? e.comm : ""))).toEqual(["long_kthread_na", "long_kthread_na"]);
    expect(r.machine.kernel.trace.cmdlines.get(t?.pid ?? -1)).toBe("long_kthread_na");
  });
});
