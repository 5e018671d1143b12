/** ps -o: the columns procps offers, laid out as it does, over the model's task table. */
import { describe, expect, it } from "vitest";
import { psRows, runScenario } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import { formatPsColumns, formatPsEo, parsePsColumns } from "../../src/views/ps.js";

function at(name: string, until: number) {
  const s = findScenario(name);
  if (s === undefined) throw new Error(name);
  return runScenario(s, { cpus: 2, seed: 1, until, checkLeaks: false });
}

describe("ps -o", () => {
  it("lays out the default columns exactly as formatPsEo", () => {
    const rows = psRows(at("kthread-run", 30e6));
    expect(formatPsColumns(rows, ["pid", "ppid", "stat", "pri", "ni", "psr", "comm"])).toBe(formatPsEo(rows));
  });

  it("shows threads with their LWP, the process's address space, and where sleepers wait", () => {
    const rows = psRows(at("pthread-create", 4.72e6), true);
    const text = formatPsColumns(rows, parsePsColumns("pid,lwp,nlwp,cls,uid,vsz,rss,wchan,comm")).split("\n");
    expect(text[0]).toBe("  PID   LWP NLWP CLS   UID    VSZ   RSS WCHAN             COMMAND");
    expect(text).toContain("   39    40    2 TS      0  18792  1484 -                 pthread-create");
    expect(text).toContain("    2     2    1 TS      0      0     0 kthreadd          kthreadd");
    expect(text.find((l) => l.endsWith(" init"))).toMatch(/ do_wait +init$/);
  });

  it("refuses an unknown column, naming the known ones", () => {
    expect(() => parsePsColumns("pid,bogus")).toThrow(/unknown ps column 'bogus' \(known: pid,ppid,tid,lwp/);
  });
});
