/** The function and function_graph tracers: golden output, and the filters as documented. */
import { describe, expect, it } from "vitest";
import { runScenario, traceText } from "../../src/run.js";
import kthreadRun from "../../src/scenarios/kthread-run.js";
import type { GraphOptions } from "../../src/trace/function-graph.js";
import type { TracerOptions } from "../../src/trace/function-tracer.js";
import { expectGolden } from "../golden-file.js";

function trace(tracer: TracerOptions, graph: GraphOptions = {}): string {
  return traceText(runScenario(kthreadRun, { cpus: 2, seed: 1, tracer }), graph);
}

function golden(name: string, text: string): void {
  expectGolden(new URL(`../golden/${name}`, import.meta.url), text, `${name} `);
}

describe("function_graph", () => {
  const text = trace({ tracer: "function_graph" });
  const lines = text.split("\n");

  it("matches the golden output for kthread-run on 2 CPUs", () =>
    golden("kthread-run.2cpu.seed1.function_graph", text));

  it("has the kernel's header and line layout", () => {
    expect(lines.slice(0, 4)).toEqual([
      "# tracer: function_graph",
      "#",
      "# CPU  DURATION                  FUNCTION CALLS",
      "# |     |   |                     |   |   |   |",
    ]);
    for (const l of lines.slice(4).filter((x) => x !== "" && !x.startsWith(" ---"))) {
      expect(l).toMatch(/^ [01]\) ((?:[ +!#*@$] [\d.]+ us +)|(?: {14}))\| {2}|^ [01]\) +\S+-\d+ +=> +\S+-\d+ *$/);
    }
  });

  it("reads like the seed's chain: kthread_create_on_node down to copy_process and wake_up_new_task", () => {
    const calls = lines.map((l) => /\|\s+(\w+)\(\)/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
    const order = [
      "kthread_create_on_node",
      "__kthread_create_on_node",
      "create_kthread",
      "kernel_thread",
      "kernel_clone",
      "copy_process",
      "dup_task_struct",
      "sched_fork",
      "copy_files",
      "copy_fs",
      "alloc_pid",
      "wake_up_new_task",
      "activate_task",
      "wakeup_preempt",
    ];
    let at = 0;
    for (const fn of order) {
      at = calls.indexOf(fn, at);
      expect(at, fn).toBeGreaterThanOrEqual(0);
    }
  });

  it("limits depth, restricts to a function, and adds retvals and tails as documented", () => {
    const only = trace({ tracer: "function_graph", graphFunction: "copy_process" }).split("\n").slice(4);
    expect(only[0]).toMatch(/\| {2}copy_process\(\) \{$/);
    expect(only.filter((l) => l.includes("schedule"))).toEqual([]);
    const shallow = trace({ tracer: "function_graph", graphFunction: "kernel_clone", maxDepth: 2 }).split("\n");
    expect(shallow.some((l) => l.includes("dup_task_struct"))).toBe(false); // depth 2
    expect(shallow.some((l) => /\| {4}copy_process\(\) \{|\| {4}copy_process\(\);/.test(l))).toBe(true);
    const retval = trace({ tracer: "function_graph", graphFunction: "kernel_clone" }, { retval: true, tail: true });
    expect(retval).toMatch(/\| {6}alloc_pid\(\); \/\* = 0xffff8881[0-9a-f]{8} \*\//);
    expect(retval).toMatch(/\| {2}\} \/\* kernel_clone = 0x27 \*\//); // pid 39
  });

  it("filters by task", () => {
    const k = trace({ tracer: "function_graph", comm: "kthreadd" }).split("\n").slice(4);
    expect(k.filter((l) => l.includes("=>"))).toEqual([]); // one task: no switch blocks
    expect(k.some((l) => l.includes("create_kthread"))).toBe(true);
    expect(k.some((l) => l.includes("__kthread_create_on_node"))).toBe(false);
    // kthreadd was inside schedule() when tracing began: that return is not shown, and its
    // next call is at depth 0, as with the kernel's return stack starting empty.
    expect(k[0]).toMatch(/^ 1\) +[\d.]+ us +\| {2}spin_lock\(\);$/);
    expect(k.findIndex((l) => /\|\s+\}/.test(l))).toBeGreaterThan(k.findIndex((l) => l.endsWith("{")));
  });
});

describe("function", () => {
  it("prints func <-parent lines with the context columns", () => {
    const text = trace({ tracer: "function", comm: "kthreadd" });
    golden("kthread-run.2cpu.seed1.function", text);
    expect(text.split("\n")[0]).toBe("# tracer: function");
    expect(text).toMatch(/^ +kthreadd-2 +\[00\d\] \S{5} +\d+\.\d{6}: copy_process <-kernel_clone$/m);
  });
});
