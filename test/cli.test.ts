import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { clearOutput, err, out } from "./stdio.js";

describe("tasklab CLI", () => {
  it("lists the scenarios with a description each", async () => {
    expect(await main(["scenarios"])).toBe(0);
    expect(out).toMatch(/^boot +boot the machine/m);
    expect(out).toMatch(/^kthread-run +a module calls kthread_run/m);
    expect(out).toMatch(/^kthread-creator-killed-3a +creator killed/m);
  });

  it("keeps only the last --buffer-size entries, as ftrace's ring buffer overwrites", async () => {
    const golden = readFileSync(new URL("golden/kthread-run.2cpu.seed1.trace", import.meta.url), "utf8");
    const all = golden.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(await main(["run", "kthread-run", "--buffer-size", "5"])).toBe(0);
    expect(out).toContain(`# entries-in-buffer/entries-written: 5/${all.length}   #P:2\n`);
    expect(out.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toEqual(all.slice(-5));
  });

  it("runs a scenario and prints the ftrace text", async () => {
    expect(await main(["run", "kthread-run", "--cpus", "2", "--seed", "1"])).toBe(0);
    expect(out.split("\n")[0]).toBe("# tracer: nop");
    expect(out).toBe(readFileSync(new URL("golden/kthread-run.2cpu.seed1.trace", import.meta.url), "utf8"));
    expect(err).toBe("");
  });

  it("prints the task table like ps -eo pid,ppid,stat,pri,ni,psr,comm", async () => {
    expect(await main(["ps", "boot", "--cpus", "2"])).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toBe("  PID  PPID STAT PRI  NI PSR COMMAND");
    expect(lines[1]).toMatch(/^ {4}1 {5}0 S {5}19 {3}0 {3}\d init$/);
    expect(lines[2]).toMatch(/^ {4}2 {5}0 S {5}19 {3}0 {3}\d kthreadd$/);
    expect(lines).toContain("   18     2 S    139   -   0 migration/0");
    expect(lines).toContain("   16     2 S     19   0   0 rcu_exp_par_gp_kthread_worker/0");
  });

  it("gives ps --json with the documented fields, and ps -f with kernel threads in brackets", async () => {
    await main(["ps", "boot", "--json"]);
    const rows = JSON.parse(out);
    expect(rows[1]).toMatchObject({
      pid: 2,
      ppid: 0,
      tgid: 2,
      state: "S",
      comm: "kthreadd",
      flags: 0x208040,
      prio: 120,
      nice: 0,
    });
    expect([0, 1]).toContain(rows[1].cpu);
    clearOutput();
    await main(["ps", "boot", "-f"]);
    expect(out).toMatch(/^root +2 +0 +0 00:00 \? +00:00:00 \[kthreadd\]$/m);
  });

  it("shows the table at a chosen time", async () => {
    await main(["ps", "kthread-run", "--at", "30ms", "--json"]);
    const t = JSON.parse(out).find((r: { comm: string }) => r.comm === "my_kthread/0");
    expect(t).toMatchObject({ state: "D", ppid: 2 });
  });

  it("says what was wrong, with exit code 2, for bad input", async () => {
    expect(await main(["run", "no-such"])).toBe(2);
    expect(err).toMatch(/unknown scenario 'no-such': built-in ones are boot, kthread-run/);
    clearOutput();
    expect(await main(["run", "boot", "--cpus", "2000"])).toBe(2);
    expect(err).toMatch(/expected an integer from 1 to 1024, got '2000'/);
    clearOutput();
    expect(await main(["run", "boot", "--until", "soon"])).toBe(2);
    expect(err).toMatch(/expected a time such as 10ms/);
    clearOutput();
    expect(await main(["frobnicate"])).toBe(2);
    expect(err).toMatch(/unknown command 'frobnicate'/);
  });

  it("prints the version in package.json with --version and -V", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ["--version", "-V"]) {
      clearOutput();
      expect(await main([flag])).toBe(0);
      expect(out).toBe(`${version}\n`);
      expect(err).toBe("");
    }
  });

  it("has --help on every subcommand", async () => {
    for (const cmd of ["run", "ps", "scenarios"]) {
      clearOutput();
      expect(await main([cmd, "--help"])).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage: tasklab ${cmd}`));
    }
  });

  it("exits 1 and prints the report when the scenario goes wrong", async () => {
    expect(await main(["run", "test/fixtures/oops.ts"])).toBe(1);
    expect(err).toMatch(/^\[ +\d+\.\d{6}\] BUG: unhandled exception in broken\/\d+: boom$/m);
  });
});

describe("the command run from its sources", () => {
  it("runs as bin/tasklab-src.js, TypeScript scenario files included", () => {
    const text = execFileSync("node", ["bin/tasklab-src.js", "run", "examples/two-workers.ts"], { encoding: "utf8" });
    expect(text).toMatch(/task_newtask: pid=\d+ comm=pinger clone_flags=800700/);
    const bad = spawnSync("node", ["bin/tasklab-src.js", "run", "nope"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
  });

  it("ends quietly with status 0 when its output's reader goes away (tasklab run … | head -1)", () => {
    // A real pipe (node's own stdio pipes are sockets with larger buffers), and 170 KB of
    // trace: more than the pipe (64 KB) and head's one read hold, so a write fails with EPIPE.
    const r = spawnSync(
      "bash",
      ["-c", 'node bin/tasklab-src.js run boot --trace-boot --cpus 8 | head -1; echo "status $((PIPESTATUS[0]))"'],
      { encoding: "utf8" },
    );
    expect(r.stdout).toBe("# tracer: nop\nstatus 0\n");
    expect(r.stderr).toBe("");
  });
});

describe("the host-side watchdog", () => {
  it("ends a scenario whose JavaScript never yields, with a report, instead of hanging", async () => {
    const t0 = Date.now();
    expect(await main(["run", "test/fixtures/hang.ts", "--watchdog", "1"])).toBe(2);
    expect(err).toMatch(/^tasklab: watchdog: the scenario ran 1 s of wall time without returning to the engine/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it("ends the debugger's scenario the same way, with the same report, and exit 2", async () => {
    expect(await main(["debug", "test/fixtures/hang.ts", "--watchdog", "1", "--ex", "run"])).toBe(2);
    expect(err).toMatch(
      /^tasklab: watchdog: the scenario ran 1 s of wall time without returning to the engine \(a JavaScript loop in scenario code that never yields\?\)\. Last seen: /,
    );
    expect(out).toBe("");
  });
});

describe("fault and signal injection from the command line", () => {
  it("--threads-max caps the number of tasks: a fork beyond it fails (-EAGAIN), so kthread_run makes nothing", async () => {
    expect(await main(["ps", "kthread-run", "--at", "10ms"])).toBe(0);
    expect(out).toMatch(/ my_kthread\/0\n/);
    const all = out.trimEnd().split("\n").length - 1;
    clearOutput();
    expect(await main(["ps", "kthread-run", "--at", "10ms", "--threads-max", String(all - 1)])).toBe(0);
    expect(out).not.toMatch(/my_kthread/);
    expect(out.trimEnd().split("\n").length - 1).toBe(all - 1);
    clearOutput();
    expect(await main(["run", "boot", "--threads-max", "19"])).toBe(2);
    expect(err).toMatch(/expected an integer from 20 to 1073741823, got '19'/);
  });

  it("--fail makes the named allocation fail", async () => {
    expect(await main(["run", "kthread-stop-unwoken", "--fail", "kmalloc:kthread_create_info"])).toBe(0);
    expect(out).not.toMatch(/task_newtask/);
    expect(err).not.toMatch(/kthread_stop returned/);
  });

  it("--kill kills a task when another reaches a function", async () => {
    expect(await main(["run", "kthread-creator-killed-4t"])).toBe(0);
    expect(err).toMatch(/creator: kthread_create returned task \d+/);
    clearOutput();
    // Killed earlier, while kthreadd creates the thread: the creator gets -EINTR.
    expect(await main(["run", "kthread-creator-killed-4t", "--kill", "creator@kthreadd:create_kthread"])).toBe(0);
    expect(err).toMatch(/creator: kthread_create returned -4/);
  });

  it("rejects a malformed spec with a message", async () => {
    expect(await main(["run", "boot", "--fail", "kmalloc"])).toBe(2);
    expect(err).toMatch(/'kmalloc' needs a name: kmalloc:NAME/);
    clearOutput();
    expect(await main(["run", "boot", "--signal", "KILL:init"])).toBe(2);
    expect(err).toMatch(/needs @WHEN/);
  });

  it("prints /proc files", async () => {
    expect(await main(["proc", "boot", "2", "stat"])).toBe(0);
    expect(out).toMatch(/^2 \(kthreadd\) S 0 0 0 0 -1 2129984 /);
    clearOutput();
    expect(await main(["proc", "kthread-long-name", "40", "comm"])).toBe(0);
    expect(out).toBe("long_kthread_name_for_the_proc_view/5678\n");
    clearOutput();
    expect(await main(["proc", "boot", "2"])).toBe(0);
    expect(out).toMatch(/^Name:\tkthreadd\n/);
    expect(out).toMatch(/\nKthread:\t1\n/);
    clearOutput();
    // Sleeping: the scheduler's frames (schedule, wait_for_common, ...) are not shown.
    expect(await main(["proc", "kthread-run", "2", "stack"])).toBe(0);
    expect(out).toBe("[<0>] kthreadd\n[<0>] ret_from_fork\n");
    clearOutput();
    expect(await main(["proc", "kthread-run", "39", "stack", "--at", "3ms"])).toBe(0);
    expect(out).toBe("[<0>] msleep\n[<0>] my_kthread\n[<0>] kthread\n[<0>] ret_from_fork\n");
    clearOutput();
    expect(await main(["proc", "kthread-run", "2", "sched"])).toBe(0);
    const sched = out.split("\n");
    expect(sched.slice(0, 2)).toEqual(["kthreadd (2, #threads: 1)", "-".repeat(67)]);
    for (const l of sched.slice(2, -1)) expect(l).toMatch(/^[a-z_.-]+ {2,}:( {0,20}-?\d+| {0,13}-?\d+\.\d{6})$/);
    expect(sched).toContain(`se.load.weight${" ".repeat(31)}:${"1048576".padStart(21)}`);
    expect(sched).toContain(`prio${" ".repeat(41)}:${"120".padStart(21)}`);
    const switches = (name: string) =>
      Number(/: +(\d+)$/.exec(sched.find((l) => l.startsWith(`${name} `)) as string)?.[1]);
    expect(switches("nr_switches")).toBe(switches("nr_voluntary_switches") + switches("nr_involuntary_switches"));
    clearOutput();
    // Created by kthreadd on CPU 1, placed on CPU 0 by wake_up_new_task: not a migration.
    expect(await main(["proc", "kthread-run", "39", "sched", "--at", "3ms"])).toBe(0);
    expect(out).toContain(`\nse.nr_migrations${" ".repeat(29)}:${"0".padStart(21)}\n`);
    clearOutput();
    expect(await main(["proc", "kthread-run", "39", "stat", "--at", "3ms"])).toBe(0);
    expect(out.trimEnd().split(" ")[38]).toBe("0"); // stat field 39: the CPU it ran on
    expect(await main(["proc", "boot", "4242", "comm"])).toBe(2);
    expect(err).toMatch(/no task with pid 4242/);
  });
});
