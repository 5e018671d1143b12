/** top: the counts line, the columns, the order by CPU use. */
import { describe, expect, it } from "vitest";
import { psRows, runScenario } from "../../src/run.js";
import boot from "../../src/scenarios/boot.js";
import type { PsRow } from "../../src/views/ps.js";
import { formatTop } from "../../src/views/top.js";

const row = (pid: number, state: string, runtime: number, prio = 120, nice = 0): PsRow =>
  ({ pid, state, runtime, prio, nice, name: `t${pid}` }) as PsRow;

describe("top", () => {
  it("counts tasks by state and lists them by CPU use, with top's columns", () => {
    const rows = [row(0, "R", 5e9), row(1, "S", 1e9), row(2, "R", 61.5e9), row(3, "Z", 0), row(4, "I", 0, 0)];
    expect(formatTop(rows, 100e9).split("\n")).toEqual([
      "Tasks:   4 total,   1 running,   2 sleeping,   0 stopped,   1 zombie",
      "",
      "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND",
      "      2 root      20   0       0      0      0 R  61.5   0.0   1:01.50 t2",
      "      1 root      20   0       0      0      0 S   1.0   0.0   0:01.00 t1",
      "      3 root      20   0       0      0      0 Z   0.0   0.0   0:00.00 t3",
      "      4 root      rt   0       0      0      0 I   0.0   0.0   0:00.00 t4",
      "",
    ]);
  });

  it("accounts a booted machine's CPU time: no more than its CPUs had", () => {
    const r = runScenario(boot, { cpus: 2, seed: 1 });
    const text = formatTop(psRows(r), r.machine.now);
    const pcts = [...text.matchAll(/ [A-Z] +(\d+\.\d) +0\.0 /g)].map((m) => Number(m[1]));
    expect(pcts.length).toBe(psRows(r).filter((t) => t.pid !== 0).length);
    const total = pcts.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(200);
    expect(pcts).toEqual([...pcts].sort((a, b) => b - a));
  });
});
