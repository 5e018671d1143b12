import { describe, expect, it } from "vitest";
import { problems, runScenario } from "../../src/run.js";
import { abba, abc } from "./broken.js";
import { ofKind } from "./detect.js";

describe("lockdep", () => {
  it("reports two locks taken in both orders, with the chain recorded first and the current stack", () => {
    const r = runScenario(abba);
    const [rep, ...more] = ofKind(r, "lockdep");
    expect(more).toEqual([]);
    expect(problems(r.reports)).toContain(rep);
    expect(rep?.title).toBe("WARNING: possible circular locking dependency detected");
    expect(rep?.lines.join("\n")).toBe(
      [
        "------------------------------------------------------",
        "init/1 is trying to acquire lock:",
        " (lock_a){+.+.}-{3:3}, at: main",
        "",
        "but task is already holding lock:",
        " (lock_b){....}-{3:3}, at: main",
        "",
        "which lock already depends on the new lock.",
        "",
        "",
        "the existing dependency chain (in reverse order) is:",
        "",
        "-> #1 (lock_b){....}-{3:3}:",
        "       spin_lock_irq",
        "       take_a_then_b",
        "       kthread",
        "       ret_from_fork",
        "",
        "-> #0 (lock_a){+.+.}-{3:3}:",
        "       spin_lock",
        "       main",
        "       kernel_init",
        "       ret_from_fork",
        "",
        "other info that might help us debug this:",
        "",
        " Possible unsafe locking scenario:",
        "",
        "       CPU0                    CPU1",
        "       ----                    ----",
        "  lock(lock_b);",
        "                               lock(lock_a);",
        "                               lock(lock_b);",
        "  lock(lock_a);",
        "",
        " *** DEADLOCK ***",
        "",
        "1 lock held by init/1:",
        " #0: (lock_b){....}-{3:3}, at: main",
        "",
        "stack backtrace:",
        `CPU: ${rep?.cpu} UID: 0 PID: 1 Comm: init`,
        "Call Trace:",
        " spin_lock",
        " main",
        " kernel_init",
        " ret_from_fork",
      ].join("\n"),
    );
  });

  it("follows a longer chain: a → b, b → c, then c → a", () => {
    const rep = ofKind(runScenario(abc), "lockdep")[0];
    const text = rep?.lines.join("\n") ?? "";
    expect(text).toContain("-> #2 (lock_c){+.+.}-{3:3}:\n       spin_lock\n       take_b_then_c\n");
    expect(text).toContain("-> #1 (lock_b){+.+.}-{3:3}:\n       spin_lock_irq\n       take_a_then_b\n");
    expect(text).toContain("Chain exists of:\n  lock_a --> lock_b --> lock_c\n");
    expect(text).toContain("  lock(lock_c);\n                               lock(lock_b);\n");
  });

  it("is silent when switched off", () => {
    expect(ofKind(runScenario(abba, { detectors: { lockdep: false } }), "lockdep")).toEqual([]);
  });
});
