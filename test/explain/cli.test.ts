/**
 * `tasklab explain` as a command: the report, --json, --format perfetto, --pstree, -o, the
 * streaming of a multi-megabyte file, and every malformed input a one-line error with exit
 * status 2.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { explain } from "../../src/explain/explain.js";
import { TraceFormatError } from "../../src/explain/parse.js";
import { readTraceText } from "../../src/explain/read.js";
import { readTraceFile } from "../../src/explain/read-file.js";
import { err, out } from "../stdio.js";

const fixture = (name: string) => new URL(`../fixtures/real/${name}`, import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "tasklab-explain-"));
const file = (name: string, text: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe("tasklab explain", () => {
  it("prints the report: the tree, the kthread steps, the stops, the vfork waits", async () => {
    expect(await main(["explain", fixture("kthread-mount-umount.txt")])).toBe(0);
    expect(err).toBe("");
    expect(out).toContain("Task creations: 5 (vfork 2, kthread 3)");
    expect(out).toContain(
      "├─▶ jbd2/loop0-8(10220)  kthread for mount(10219) at 388.198063 on CPU 0, clone_flags=800700 CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_UNTRACED, first ran after 12 µs, exit at 388.221624",
    );
    expect(out).toContain(
      "  kworker/R-ext4-(10221) stopped by umount(10223) at 388.221489, it exited 44 µs later, kthread_stop returned 0 after 98 µs",
    );
    expect(out.endsWith("Departures from 6.19's protocol: none\n")).toBe(true);
  });

  it("--json: one object with the tasks, the kthread steps and the departures", async () => {
    expect(await main(["explain", fixture("pthread-no-irq-info.txt"), "--json"])).toBe(0);
    const j = JSON.parse(out);
    expect(j.kernel).toMatchObject({ release: "6.19", detected: true });
    const threads = j.tasks.filter((t: { creation: { kind: string } | null }) => t.creation?.kind === "thread");
    expect(
      threads.map((t: { pid: number; creation: { clone_flags: string } }) => [t.pid, t.creation.clone_flags]),
    ).toEqual([
      [10208, "3d0f00"],
      [10209, "3d0f00"],
    ]);
    expect(j.departures).toEqual([]);
  });

  it("--format perfetto: CPU and task tracks, a flow from each parent to each child", async () => {
    const o = join(tmp, "mount.json");
    expect(await main(["explain", fixture("kthread-mount-umount.txt"), "--format", "perfetto", "-o", o])).toBe(0);
    expect(out).toBe("");
    const events: { ph: string; name: string; pid: number; tid: number; id?: number; args?: { name?: string } }[] =
      JSON.parse(readFileSync(o, "utf8")).traceEvents;
    const starts = events.filter((e) => e.ph === "s");
    const ends = events.filter((e) => e.ph === "f");
    expect(starts.map((e) => [e.name, e.tid])).toEqual([
      ["vfork", 10218],
      ["kthread", 2],
      ["kthread", 2],
      ["kthread", 2],
      ["vfork", 10218],
    ]);
    expect(ends.map((e) => e.tid)).toEqual([10219, 10220, 10221, 10222, 10223]);
    expect(ends.map((e) => e.id)).toEqual(starts.map((e) => e.id));
    const names = events.filter((e) => e.name === "thread_name").map((e) => e.args?.name);
    expect(names).toContain("CPU 0");
    expect(names).toContain("jbd2/loop0-8 10220");
    expect(events.some((e) => e.name === "the new thread wakes its creator" && e.tid === 10220)).toBe(true);
  });

  it("--pstree: the tasks alive at the end", async () => {
    expect(await main(["explain", fixture("fork-exec-wait.txt"), "--pstree"])).toBe(0);
    expect(out).toContain("bash(10185)\n");
    expect(out).not.toContain("true(");
  });

  it("--kernel reads the trace against that release", async () => {
    expect(await main(["explain", fixture("kthread-mount-umount.txt"), "--kernel", "6.1"])).toBe(0);
    expect(out).toContain("kernel: read as 6.1 (kthread era E5)\n");
    expect(out).toContain(
      "Departures from 6.1's protocol:\n  kthread jbd2/loop0-8(10220): named 'jbd2/loop0-8' already at the fork",
    );
  });

  it("streams a multi-megabyte file line by line, reporting progress", async () => {
    const text = readFileSync(fixture("trace-pipe-lost.txt"), "utf8");
    const big = file("big.txt", text.repeat(Math.ceil(2.2e6 / text.length)));
    const seen: number[] = [];
    const r = await readTraceFile(big, (b) => seen.push(b));
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(r.recon.events).toBe(readTraceText(text).recon.events * Math.ceil(2.2e6 / text.length));
  });

  it("a trace that ends mid-protocol: the missing steps are after its end, not departures", () => {
    const lines = readFileSync(fixture("kthread-mount-umount.txt"), "utf8").split("\n");
    const cut = lines.findIndex((l) => l.includes("sched_wakeup_new: comm=jbd2/loop0-8"));
    const r = readTraceText(lines.slice(0, cut + 1).join("\n"));
    const x = explain(r);
    expect(x.protocols[0]?.departures).toEqual([]);
    expect(x.protocols[0]?.outside).toEqual([
      "the new thread runs: after the trace ends",
      "the new thread wakes its creator: after the trace ends",
      "the new thread sleeps: after the trace ends",
      "the creator runs again: after the trace ends",
    ]);
  });

  const errors: [string, string | Buffer, string][] = [
    ["empty.txt", "", "empty: no ftrace header and no event lines"],
    ["blank.txt", "\n\n  \n", "empty: no ftrace header and no event lines"],
    [
      "perfetto.json",
      '{"traceEvents": []}\n',
      "line 1: this is JSON, not ftrace text (give the kernel's trace file, trace_pipe or 'trace-cmd report' output)",
    ],
    [
      "trace.dat",
      Buffer.from("\u0017\bDtracing6\u0000\u0000\u0000\u0000"),
      "line 1: this is a binary trace-cmd trace.dat; convert it with 'trace-cmd report -i FILE > FILE.txt'",
    ],
    [
      "garbage.txt",
      "hello world\nsched_switch happened\n",
      "line 1: not ftrace text: 'hello world' (expected '# tracer: …', trace-cmd report output or lines like 'bash-1234 [001] 12.345678: sched_switch: …')",
    ],
    [
      "script.sh",
      "#!/bin/sh\necho hi\n",
      "line 2: not ftrace text: 'echo hi' (expected '# tracer: …', trace-cmd report output or lines like 'bash-1234 [001] 12.345678: sched_switch: …')",
    ],
    [
      "comments.txt",
      "# just a comment\n",
      "line 1: not ftrace text: '# just a comment' (no '# tracer:' header and no event lines)",
    ],
  ];
  it.each(errors)("%s: one line, exit 2", async (name, text, message) => {
    const p = file(name, text);
    expect(await main(["explain", p])).toBe(2);
    expect(out).toBe("");
    expect(err).toBe(`tasklab: ${p}: ${message}\n`);
  });

  it("a missing file, a directory, an unknown release: one line, exit 2", async () => {
    expect(await main(["explain", join(tmp, "nope.txt")])).toBe(2);
    expect(err).toBe(`tasklab: ${join(tmp, "nope.txt")}: cannot read it (no such file)\n`);
    expect(await main(["explain", tmp])).toBe(2);
    expect(err).toContain(`tasklab: ${tmp}: not a file\n`);
    expect(await main(["explain", fixture("pthread-no-irq-info.txt"), "--kernel", "9.9"])).toBe(2);
    expect(out).toBe("");
  });

  it("any text is either read or refused with a TraceFormatError, never another exception", () => {
    const line = fc.oneof(
      fc.string(),
      fc.constantFrom(
        "# tracer: nop",
        "           <...>-12    [000] d..2.   1.000001: sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120",
        "kthreadd-2 [001] 2.5: task_newtask: pid=9 comm=x clone_flags=zz oom_score_adj=0",
        "CPU:1 [LOST 3 EVENTS]",
        " 1)   kthread-2    |   0.040 us    |  spin_lock();",
      ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
        try {
          readTraceText(lines.join("\n"));
        } catch (e) {
          if (!(e instanceof TraceFormatError)) throw e;
        }
      }),
    );
  });
});
