/** pstree -p: the drawing, the sort orders, threads, and the tree of a booted machine. */
import { describe, expect, it } from "vitest";
import { psRows, runScenario } from "../../src/run.js";
import boot from "../../src/scenarios/boot.js";
import type { PsRow } from "../../src/views/ps.js";
import { formatPstree } from "../../src/views/pstree.js";

function row(pid: number, ppid: number, name: string, tgid = pid): PsRow {
  return { pid, ppid, tgid, name, comm: name.slice(0, 15) } as PsRow;
}

const rows = [
  row(0, 0, "swapper/0"),
  row(1, 0, "init"),
  row(2, 0, "kthreadd"),
  row(40, 1, "sh"),
  row(41, 40, "worker"),
  row(42, 1, "app"),
  row(43, 42, "app", 42), // a thread of 42
  row(44, 42, "cat"),
  row(45, 1, "daemon"),
  row(9, 2, "kworker/0:0"),
  row(3, 2, "pool_workqueue_release"),
];

describe("pstree -p", () => {
  it("draws every tree under pid 0 with psmisc's connectors, siblings by name", () => {
    expect(formatPstree(rows).split("\n")).toEqual([
      "init(1)─┬─app(42)─┬─cat(44)",
      "        │         └─{app}(43)",
      "        ├─daemon(45)",
      "        └─sh(40)───worker(41)",
      "kthreadd(2)─┬─kworker/0:0(9)",
      "            └─pool_workqueue_release(3)",
      "",
    ]);
  });

  it("sorts by pid with -n and draws one tree given its root", () => {
    expect(formatPstree(rows, { root: 42, numeric: true })).toBe("app(42)─┬─{app}(43)\n        └─cat(44)\n");
    expect(formatPstree(rows, { root: 2, numeric: true }).split("\n")[0]).toBe(
      "kthreadd(2)─┬─pool_workqueue_release(3)",
    );
    expect(() => formatPstree(rows, { root: 99 })).toThrow(RangeError);
  });

  it("puts each task of a booted machine once, every kernel thread under kthreadd", () => {
    const r = runScenario(boot, { cpus: 2, seed: 1 });
    const all = psRows(r);
    const text = formatPstree(all);
    const drawn = [...text.matchAll(/(\S+?)\((\d+)\)/g)].map((m) => Number(m[2]));
    expect(drawn.sort((a, b) => a - b)).toEqual(
      all
        .map((t) => t.pid)
        .filter((p) => p !== 0)
        .sort((a, b) => a - b),
    );
    const kthreadd = formatPstree(all, { root: 2 });
    for (const t of all.filter((x) => x.kthread && x.pid > 2)) expect(kthreadd).toContain(`${t.name}(${t.pid})`);
    expect(text.startsWith("init(1)\nkthreadd(2)─┬─")).toBe(true);
  });
});
