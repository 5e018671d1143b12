/**
 * `tasklab diff`: one scenario on two releases, what differs (views/diff.ts, cli/diff.ts).
 * Each boundary test asserts both sides: what A shows and B lacks, and the reverse.
 */
import { describe, expect, it } from "vitest";
import { eraDiff } from "../../src/cli/diff.js";
import { main } from "../../src/cli/main.js";
import { era } from "../../src/linux/eras/profiles.js";
import type { TraceRecord } from "../../src/linux/include/trace/events/records.js";
import { align, type DiffInput, diffRuns, formatDiff, isEmptyDiff } from "../../src/views/diff.js";
import { err, out } from "../stdio.js";

const flags = (a: string, b: string) => ({ kernel: [a, b], seed: 1, cpus: 2 });

/** Every line of a kind ("-" or "+") in the call hunks of a role. */
function callLines(d: Awaited<ReturnType<typeof eraDiff>>, role: string, op: "-" | "+"): string[] {
  const c = d.calls.find((x) => x.role === role);
  return (c?.hunks ?? [])
    .flat()
    .filter((l) => l.op === op)
    .map((l) => l.text.trim());
}

function eventLines(d: Awaited<ReturnType<typeof eraDiff>>, op: "-" | "+"): string[] {
  return d.events.flatMap((e) =>
    e.hunks
      .flat()
      .filter((l) => l.op === op)
      .map((l) => `${e.role}: ${l.text}`),
  );
}

describe("tasklab diff", () => {
  it("kthread-run 5.4 → 5.10: _do_fork only in A, kernel_clone only in B (kthreadd's call path)", async () => {
    const d = await eraDiff("kthread-run", flags("5.4", "5.10"));
    expect(d.onlyA).toContain("_do_fork");
    expect(d.onlyA).not.toContain("kernel_clone");
    expect(d.onlyB).toContain("kernel_clone");
    expect(d.onlyB).not.toContain("_do_fork");
    expect(callLines(d, "kthreadd", "-")).toContain("_do_fork");
    expect(callLines(d, "kthreadd", "+")).toContain("kernel_clone");
    const text = formatDiff(d);
    expect(text).toContain("--- Linux 5.4 (A)\n+++ Linux 5.10 (B)");
    expect(text).toMatch(/^- {4}_do_fork$/m);
    expect(text).toMatch(/^\+ {4}kernel_clone$/m);
  });

  it("kthread-run 6.1 → 6.4: the creator's task_rename only in A", async () => {
    const d = await eraDiff("kthread-run", flags("6.1", "6.4"));
    const onlyA = eventLines(d, "-").filter((l) => l.includes("task_rename:"));
    expect(onlyA).toEqual([
      "init: task_rename: pid={my_kthread/0} oldcomm=kthreadd newcomm=my_kthread/0 oom_score_adj=0",
    ]);
    expect(eventLines(d, "+").filter((l) => l.includes("task_rename:"))).toEqual([]);
    // and the reverse direction swaps the sides
    const r = await eraDiff("kthread-run", flags("6.4", "6.1"));
    expect(eventLines(r, "+").filter((l) => l.includes("task_rename:"))).toHaveLength(1);
    expect(eventLines(r, "-").filter((l) => l.includes("task_rename:"))).toEqual([]);
  });

  it("the same release twice: an empty diff", async () => {
    const d = await eraDiff("kthread-run", flags("6.19", "6.19"));
    expect(isEmptyDiff(d)).toBe(true);
    expect(d.onlyA).toEqual([]);
    expect(d.onlyB).toEqual([]);
    expect(formatDiff(d)).toBe(
      "--- Linux 6.19 (A)\n+++ Linux 6.19 (B)\n# scenario kthread-run\n# no difference: same calls, events and return values\n",
    );
  });

  it("--json: the typed object, exit 0", async () => {
    expect(await main(["diff", "kthread-run", "--kernel", "5.4", "--kernel", "5.10", "--json"])).toBe(0);
    const d = JSON.parse(out);
    expect(Object.keys(d)).toEqual(["scenario", "a", "b", "onlyA", "onlyB", "calls", "events", "retvals"]);
    expect(d.scenario).toBe("kthread-run");
    expect([d.a, d.b]).toEqual(["5.4", "5.10"]);
    const k = d.calls.find((c: { role: string }) => c.role === "kthreadd");
    expect(k).toMatchObject({ role: "kthreadd", pidA: 2, pidB: 2, onlyA: ["_do_fork"], onlyB: ["kernel_clone"] });
    expect(k.hunks[0]).toContainEqual({ op: "-", text: "    _do_fork" });
    expect(k.hunks[0]).toContainEqual({ op: "+", text: "    kernel_clone" });
  });

  it("usage errors exit 2 with the message: a scenario refused by one release, an unknown release, one --kernel", async () => {
    expect(await main(["diff", "kthread-creator-killed-3a", "--kernel", "2.6.32", "--kernel", "6.19"])).toBe(2);
    expect(err).toContain("scenario kthread-creator-killed-3a does not apply to Linux 2.6.32");
    expect(out).toBe("");
    expect(await main(["diff", "kthread-run", "--kernel", "9.9", "--kernel", "6.19"])).toBe(2);
    expect(err).toContain("unknown kernel '9.9'");
    expect(await main(["diff", "kthread-run", "--kernel", "6.19"])).toBe(2);
    expect(err).toContain("diff needs --kernel twice");
  });

  it("runs under the watchdog: a scenario file whose JavaScript never yields is ended with a report (exit 2)", async () => {
    expect(await main(["diff", "test/fixtures/hang.ts", "--kernel", "6.1", "--kernel", "6.4", "--watchdog", "1"])).toBe(
      2,
    );
    expect(err).toMatch(/^tasklab: watchdog: the scenario ran 1 s of wall time without returning to the engine/);
    expect(out).toBe("");
  });

  it("return values: a function whose result differs; pids of created tasks compared by task", () => {
    const hdr = { ts: 0, cpu: 0, tgid: 1, irqflags: "...." };
    const names = ["kthread_stop", "kernel_clone"];
    const run = (kernel: string, stopRet: string, child: number): DiffInput => ({
      kernel,
      era: era(kernel),
      cmdlines: new Map([
        [1, "init"],
        [child, "t"],
      ]),
      fnName: (id) => names[id] as string,
      records: [
        { ...hdr, pid: 1, type: "sched_process_fork", comm: "init", tpid: 1, child_comm: "t", child_pid: child },
        { ...hdr, pid: 1, type: "funcgraph_entry", fn: 1, depth: 0 },
        { ...hdr, pid: 1, type: "funcgraph_exit", fn: 1, depth: 0, calltime: 0, retval: String(child) },
        { ...hdr, pid: 1, type: "funcgraph_entry", fn: 0, depth: 0 },
        { ...hdr, pid: 1, type: "funcgraph_exit", fn: 0, depth: 0, calltime: 0, retval: stopRet },
      ] as TraceRecord[],
    });
    const d = diffRuns("synthetic", run("6.8", "-4", 40), run("6.19", "0", 52));
    expect(d.calls).toEqual([]);
    expect(d.retvals).toEqual([{ role: "init", fn: "kthread_stop", a: ["-4"], b: ["0"] }]);
    expect(formatDiff(d)).toContain("init kthread_stop()\n-[-4 (-EINTR)]\n+[0]");
    expect(diffRuns("synthetic", run("6.8", "0", 40), run("6.19", "0", 52)).retvals).toEqual([]);
  });

  it("alignment: the shortest edit script keeps what both have", () => {
    expect(align(["a", "b", "c"], ["a", "x", "c"])).toEqual(["=", "-", "+", "="]);
    expect(align(["k", "do_fork", "copy_process"], ["k", "kernel_thread_helper", "do_fork", "copy_process"])).toEqual([
      "=",
      "+",
      "=",
      "=",
    ]);
    expect(align([], ["a"])).toEqual(["+"]);
    expect(align(["a", "b"], [])).toEqual(["-", "-"]);
  });
});
