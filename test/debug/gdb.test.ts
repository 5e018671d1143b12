/**
 * The gdb-style debugger: seed 003's session (break on kthreadd, bt) and the rest of the
 * commands, on the Debugger itself (commands in, text out) and through `tasklab debug`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scanSources } from "../../src/cli/sources.js";
import { Debugger, debugCommand } from "../../src/gdb/gdb.js";
import { findScenario } from "../../src/scenarios/index.js";

const sources = scanSources();

function session(name = "kthread-run") {
  const s = findScenario(name);
  if (s === undefined) throw new Error("no scenario");
  const d = new Debugger(s, { cpus: 2, seed: 1 }, sources);
  return (line: string) => debugCommand(d, line);
}

describe("tasklab debug", () => {
  it("stops at kthreadd's entry and shows its backtrace (seed 003)", () => {
    const gdb = session();
    expect(gdb("break kthreadd")).toMatch(/^Breakpoint 1 at kthreadd: file kernel\/kthread\.ts, line \d+\.$/);
    expect(gdb("run")).toMatch(
      /^Starting kthread-run on 2 CPUs\n\nTask 2 "swapper\/0" hit Breakpoint 1, kthreadd \(_unused=0x0\) at kernel\/kthread\.ts:\d+ \[0\.000051 s, CPU 0\]$/,
    );
    expect(gdb("bt")).toMatch(
      /^#0 {2}kthreadd \(_unused=0x0\) at kernel\/kthread\.ts:\d+\n#1 {2}ret_from_fork \(p=0xffff8880[0-9a-f]{8}\) at kernel\/fork\.ts:\d+$/,
    );
  });

  it("breaks in create_kthread with kthreadd's stack; finish returns to kthreadd with the value", () => {
    const gdb = session();
    gdb("break create_kthread");
    expect(gdb("run")).toContain('Task 2 "kthreadd" hit Breakpoint 1, create_kthread (create=0xffff8880');
    expect(
      gdb("bt")
        .replace(/ at \S+:\d+/g, "")
        .replace(/0xffff8880[0-9a-f]{8}/g, "PTR"),
    ).toBe("#0  create_kthread (create=PTR)\n#1  kthreadd (_unused=0x0)\n#2  ret_from_fork (p=PTR)");
    expect(gdb("print comm")).toBe('$1 = "kthreadd"');
    expect(gdb("print current->comm")).toBe('$2 = "kthreadd"');
    expect(gdb("print $pid")).toBe("$3 = 2");
    expect(gdb("print create->node")).toBe("$4 = -1");
    expect(gdb("print *create")).toMatch(
      /^\$5 = \{threadfn = \{<function [a-z_]+>\}, data = .*, node = -1, result = 0x0/,
    );
    expect(gdb("finish")).toMatch(
      /^Run till exit from #0 {2}create_kthread \(\)\nkthreadd \(_unused=0x0\) at kernel\/kthread\.ts:\d+\nValue returned is \$6 = 0x0$/,
    );
  });

  it("step goes into callees, next over them; continue N passes over hits", () => {
    const gdb = session();
    gdb("break copy_process");
    gdb("run");
    expect(gdb("step")).toMatch(/^dup_task_struct \(orig=0xffff8880[0-9a-f]{8}\) at kernel\/fork_copy\.ts:\d+ \[/);
    expect(gdb("next")).toMatch(
      /^sched_fork \(_clone_flags=\d+, p=0xffff8880[0-9a-f]{8}\) at kernel\/sched\/core\.ts:\d+ \[/,
    );
    const more = gdb("continue 3"); // the next two copy_process calls are passed over
    expect(more).toContain("hit Breakpoint 1, copy_process (args=0xffff8880");
    expect(gdb("info breakpoints")).toContain("breakpoint already hit 4 times");
  });

  it("tbreak stops once; delete removes; the run ends and says so", () => {
    const gdb = session();
    expect(gdb("tbreak wake_up_new_task")).toMatch(
      /^Temporary breakpoint 1 at wake_up_new_task: file kernel\/sched\/core\.ts/,
    );
    expect(gdb("run")).toContain("hit Temporary breakpoint 1, wake_up_new_task (p=0xffff8880");
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
    expect(gdb("list copy_process").split("\n").slice(0, 2)).toEqual([
      "kernel/fork.ts:",
      expect.stringMatching(
        /^\d+ +export const copy_process = kfunc\(function\* copy_process\(args: kernel_clone_args\)/,
      ),
    ]);
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
      ["bin/tasklab-src.js", "debug", "kthread-run", "--ex", "break kthreadd", "--ex", "run", "--ex", "bt"],
      { encoding: "utf8" },
    );
    const gdb = session();
    expect(out).toBe(`${["break kthreadd", "run", "bt"].map((c) => gdb(c)).join("\n")}\n`);
  });

  it("stops only where a breakpoint's condition holds", () => {
    const gdb = session("fork");
    expect(gdb('break copy_process if comm == "fork"')).toMatch(/^Breakpoint 1 at copy_process/);
    expect(gdb("run")).toMatch(/Task 39 "fork" hit Breakpoint 1, copy_process \(args=0xffff8880[0-9a-f]{8}\)/);
    expect(gdb("print args->flags")).toBe("$1 = 18874368"); // 0x1200000: glibc's fork
    expect(gdb("break copy_process if $pid > 100000")).toMatch(/^Breakpoint 2/);
    expect(gdb("delete 1")).toBe("");
    expect(gdb("continue")).toBe("[Inferior 1 (fork) exited normally]");
    expect(gdb('break copy_process if comm ~ "x"')).toMatch(/^Bad condition/);
  });

  it("says where a function that runs atomically was hit: after it", () => {
    const gdb = session();
    gdb("break activate_task");
    expect(gdb("run")).toMatch(
      /hit Breakpoint 1, activate_task \(\) ran atomically \(in a critical section\); stopped after it in /,
    );
  });

  it("prints what the README shows for seed 003's session", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = /```\n(Breakpoint 1 at kthreadd[^`]*)```/.exec(readme)?.[1];
    const gdb = session();
    expect(block).toBe(`${["break kthreadd", "run", "bt"].map((c) => gdb(c)).join("\n")}\n`);
  });

  it("reads commands from piped stdin", () => {
    const out = execFileSync("node", ["bin/tasklab-src.js", "debug", "kthread-run"], {
      encoding: "utf8",
      input: "break create_kthread\nrun\nbt\nquit\n",
    });
    expect(out).toMatch(/\n#1 {2}kthreadd \(_unused=0x0\) at kernel\/kthread\.ts:\d+\n/);
  });
});
