/**
 * The gdb-style debugger: seed 003's session (break on kthreadd, bt) and the rest of the
 * commands, on the Debugger itself (commands in, text out) and through `tasklab debug`.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Debugger, debugCommand } from "../../src/debug/gdb.js";
import { findScenario } from "../../src/scenarios/index.js";

function session() {
  const s = findScenario("kthread-run");
  if (s === undefined) throw new Error("no scenario");
  const d = new Debugger(s, { cpus: 2, seed: 1 });
  return (line: string) => debugCommand(d, line);
}

describe("tasklab debug", () => {
  it("stops at kthreadd's entry and shows its backtrace (seed 003)", () => {
    const gdb = session();
    expect(gdb("break kthreadd")).toBe("Breakpoint 1 at kthreadd");
    expect(gdb("run")).toBe(
      'Starting kthread-run on 2 CPUs\n\nTask 2 "swapper/0" hit Breakpoint 1, kthreadd () at 0.000051 s, CPU 0',
    );
    expect(gdb("bt")).toBe("#0  kthreadd ()\n#1  ret_from_fork ()");
  });

  it("breaks in create_kthread with kthreadd's stack; finish returns to kthreadd with the value", () => {
    const gdb = session();
    gdb("break create_kthread");
    expect(gdb("run")).toContain('Task 2 "kthreadd" hit Breakpoint 1, create_kthread ()');
    expect(gdb("bt")).toBe("#0  create_kthread ()\n#1  kthreadd ()\n#2  ret_from_fork ()");
    expect(gdb("print comm")).toBe('$1 = "kthreadd"');
    expect(gdb("print $pid")).toBe("$2 = 2");
    expect(gdb("finish")).toMatch(
      /^Run till exit from #0 {2}create_kthread \(\)\nkthreadd \(\) at [\d.]+ s\nValue returned is \$3 = 0x0$/,
    );
  });

  it("step goes into callees, next over them; continue N passes over hits", () => {
    const gdb = session();
    gdb("break copy_process");
    gdb("run");
    expect(gdb("step")).toMatch(/^dup_task_struct \(\) at/);
    expect(gdb("next")).toMatch(/^copy_creds|^sched_fork \(\) at/);
    const more = gdb("continue 3"); // the next two copy_process calls are passed over
    expect(more).toContain("hit Breakpoint 1, copy_process ()");
    expect(gdb("info breakpoints")).toContain("breakpoint already hit 4 times");
  });

  it("tbreak stops once; delete removes; the run ends and says so", () => {
    const gdb = session();
    expect(gdb("tbreak wake_up_new_task")).toBe("Temporary breakpoint 1 at wake_up_new_task");
    expect(gdb("run")).toContain("hit Temporary breakpoint 1, wake_up_new_task ()");
    expect(gdb("info breakpoints")).toBe("No breakpoints or watchpoints.");
    expect(gdb("continue")).toBe("[Inferior 1 (kthread-run) exited normally]");
    expect(gdb("bt")).toBe("The program is not being run.");
  });

  it("info tasks marks the selected task; task switches; watch stops when a field changes", () => {
    const gdb = session();
    gdb("break create_kthread");
    gdb("run");
    const tasks = gdb("info tasks");
    expect(tasks.split("\n")[0]).toBe("  Id    Name             State CPU Frame");
    expect(tasks).toMatch(/\n\* 2 +\[kthreadd\] +R +0 +create_kthread \(\)/);
    expect(gdb("task 1")).toMatch(/^\[Switching to task 1 \(swapper\/0\)\]\n#0 /);
    expect(gdb("watch __state")).toBe("Hardware watchpoint 2: __state (task 1)");
    expect(gdb("continue")).toMatch(/Hardware watchpoint 2: __state\n\nOld value = \d+\nNew value = \d+\n/);
  });

  it("says what is wrong, as gdb does", () => {
    const gdb = session();
    expect(gdb("break no_such_function")).toBe('Function "no_such_function" not defined.');
    expect(gdb("bt")).toBe("The program is not being run.");
    expect(gdb("frobnicate")).toBe('Undefined command: "frobnicate".  Try "help".');
    gdb("break kthreadd");
    gdb("run");
    expect(gdb("print nosuch")).toBe("There is no member named nosuch.");
    expect(gdb("task 99999")).toBe("Invalid task ID: 99999");
    expect(gdb("list copy_process")).toContain("copy_process");
  });

  it("is deterministic: the same commands give the same text", () => {
    const a = session();
    const b = session();
    for (const c of ["break copy_process", "run", "bt", "next", "next", "continue", "info tasks"])
      expect(b(c)).toBe(a(c));
  });

  it("runs from the command line with --ex (batch) and exits 0", () => {
    const out = execFileSync(
      "node",
      ["bin/tasklab.js", "debug", "kthread-run", "--ex", "break kthreadd", "--ex", "run", "--ex", "bt"],
      { encoding: "utf8" },
    );
    expect(out).toBe(
      'Breakpoint 1 at kthreadd\nStarting kthread-run on 2 CPUs\n\nTask 2 "swapper/0" hit Breakpoint 1, kthreadd () at 0.000051 s, CPU 0\n#0  kthreadd ()\n#1  ret_from_fork ()\n',
    );
  });

  it("reads commands from piped stdin", () => {
    const out = execFileSync("node", ["bin/tasklab.js", "debug", "kthread-run"], {
      encoding: "utf8",
      input: "break create_kthread\nrun\nbt\nquit\n",
    });
    expect(out).toContain("#1  kthreadd ()");
  });
});
