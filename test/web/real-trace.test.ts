/**
 * A real trace opened in the visualizer: the snapshot its panes draw (tasks at the trace's
 * end, CPU lanes from sched_switch, markers, wakeup arrows, the event lines) and the
 * explanation beside it; a file that is not a trace is a TraceFormatError.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TraceFormatError } from "../../src/explain/parse.js";
import { openRealTrace } from "../../src/web/real-trace.js";

const text = readFileSync(new URL("../fixtures/real/kthread-mount-umount.txt", import.meta.url), "utf8");

describe("a real trace in the visualizer", () => {
  it("makes a read-only snapshot at the trace's end, with the explanation", () => {
    const { snap, report } = openRealTrace(text, "mount.txt");
    expect(snap.spec).toEqual({ scenario: "mount.txt", cpus: 2, seed: 0, era: "6.19" });
    expect(snap.done).toBe(true);
    expect(snap.runqueues.map((q) => q.curr)).toEqual(["node/9057", "kworker/u8:1/35"]);
    expect(snap.trace).toEqual(text.split("\n").filter((l) => l !== "" && !l.startsWith("#")));
    expect(snap.traceTimes[0]).toBe(388176375000);
    const lazy = snap.tasks.find((t) => t.pid === 10222);
    expect(lazy).toMatchObject({ comm: "ext4lazyinit", ppid: 2, kthread: true, state: "S" });
    expect(snap.tasks.some((t) => t.pid === 10221)).toBe(false); // stopped and gone
    expect(snap.slices.find((s) => s.pid === 10220)).toMatchObject({ cpu: 0, start: 388198075000, end: 388198087000 });
    expect(
      snap.markers.filter((m) => m.event === "task_newtask").map((m) => snap.trace[m.line]?.includes("task_newtask")),
    ).toEqual([true, true, true, true, true]);
    expect(snap.wakeups.find((w) => w.pid === 10220)).toEqual({
      pid: 10220,
      from: { cpu: 0, time: 388198072000 },
      to: { cpu: 0, time: 388198075000 },
    });
    expect(report).toContain("Departures from 6.19's protocol: none");
  });

  it("refuses what is not a trace", () => {
    expect(() => openRealTrace("hello\n", "x.txt")).toThrow(TraceFormatError);
  });
});
