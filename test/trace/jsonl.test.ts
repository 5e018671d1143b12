/** --format jsonl: the same records as the text trace, one typed JSON object per line. */
import { describe, expect, it } from "vitest";
import { runScenario, traceText } from "../../src/run.js";
import kthreadRun from "../../src/scenarios/kthread-run.js";

const run = (tracer: "nop" | "function") => runScenario(kthreadRun, { cpus: 2, seed: 1, tracer: { tracer } });

describe("jsonl", () => {
  it("holds one object per line of the text trace, in the same order and with the same facts", () => {
    const r = run("nop");
    const text = traceText(r)
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"));
    const events = traceText(r, {}, "jsonl")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.length).toBe(text.length);
    events.forEach((e, i) => {
      const line = text[i] as string;
      expect(Object.keys(e).slice(0, 7)).toEqual(["ts", "cpu", "task", "pid", "tgid", "irqflags", "type"]);
      expect(line).toContain(`${e.task}-${e.pid} `);
      expect(line).toContain(` ${e.irqflags} `);
      expect(line).toContain(`: ${e.type}: `);
    });
    const born = events.find((e) => e.type === "sched_wakeup_new");
    expect(born).toMatchObject({ task: "kthreadd", pid: 2, comm: "my_kthread/0", tpid: 39, prio: 120 });
  });

  it("names the function tracer's functions and callers", () => {
    const events = traceText(run("function"), {}, "jsonl")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ task: "init", type: "function", fn: "kthread_create_on_node" });
    expect(events).toContainEqual(
      expect.objectContaining({ fn: "copy_process", parent: "kernel_clone", task: "kthreadd" }),
    );
  });

  it("is byte-identical across runs", () => {
    expect(traceText(run("nop"), {}, "jsonl")).toBe(traceText(run("nop"), {}, "jsonl"));
  });
});
