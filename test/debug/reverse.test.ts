/**
 * Reverse execution in `tasklab debug` (issue 19): reverse-step, -next, -continue, -finish,
 * checkpoints and watchpoints both ways, as gdb sessions; going back lands on the machine
 * the forward run had there (its hash), and shows what the forward run showed there.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import { scanSources } from "../../src/cli/sources.js";
import { Debugger, debugCommand } from "../../src/gdb/gdb.js";
import { machineFor } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { runTo } from "../../src/timetravel.js";

const sources = scanSources();
const GENERATORS = runtimeName() === "generators";

function scenario(name: string): Scenario {
  const s = findScenario(name);
  if (s === undefined) throw new Error("no scenario");
  return s;
}

function session(name = "kthread-run") {
  const d = new Debugger(scenario(name), { cpus: 2, seed: 1 }, sources);
  const gdb = (line: string) => debugCommand(d, line);
  const steps = () => d.machineNow()?.engine.steps ?? -1;
  return { d, gdb, steps };
}

/** The line (1-based) of the first line of `file` that starts with `text`: where the debugger places a function. */
function lineOf(file: string, text: string): number {
  return (
    readFileSync(file, "utf8")
      .split("\n")
      .findIndex((l) => l.startsWith(text)) + 1
  );
}

/** The machine of a plain run (no debugger) at `steps`: its hash. */
function hashAt(name: string, steps: number): string {
  const m = machineFor(scenario(name), { cpus: 2, seed: 1, checkLeaks: false });
  expect(runTo(m, steps)).toBe(null);
  return m.hash();
}

describe.skipIf(GENERATORS)("tasklab debug: reverse execution", () => {
  it("reverse-step goes back call by call to what step showed, with the same stack", () => {
    const { gdb, steps } = session();
    gdb("break create_kthread");
    const hit = gdb("run");
    const bt0 = gdb("bt");
    const at0 = steps();
    const s1 = gdb("step");
    const bt1 = gdb("bt");
    const at1 = steps();
    const s2 = gdb("step");
    expect(s1).toMatch(/^kernel_thread \(fn=<kthread>, arg=0xffff8880[0-9a-f]{8}, name="pool_workqueue_release"/);
    expect(s2).toMatch(/^kernel_clone \(args=0xffff8880[0-9a-f]{8}\) at kernel\/fork\.ts:\d+ \[/);
    expect(gdb("reverse-step")).toBe(s1);
    expect(steps()).toBe(at1);
    expect(gdb("bt")).toBe(bt1);
    // Back onto the breakpoint's hit: gdb says it as it was hit.
    expect(gdb("rs")).toBe(hit.slice(hit.indexOf("\n") + 1));
    expect(steps()).toBe(at0);
    expect(gdb("bt")).toBe(bt0);
    // And forwards again: the same run.
    expect(gdb("step")).toBe(s1);
    expect(gdb("step")).toBe(s2);
  });

  it("reverse-continue goes back to the previous breakpoint hit, and says so at the start of history", () => {
    const { gdb, steps } = session();
    gdb("break create_kthread");
    const first = gdb("run").split("\n").slice(1).join("\n");
    const at = steps();
    const second = gdb("continue");
    gdb("continue");
    expect(gdb("reverse-continue")).toBe(second);
    expect(gdb("rc")).toBe(first);
    expect(steps()).toBe(at);
    expect(gdb("info breakpoints")).toBe(
      "Num     Type           Disp Enb What\n1       breakpoint     keep y   create_kthread\n\tbreakpoint already hit 5 times",
    );
    expect(gdb("rc")).toBe("\nNo more reverse-execution history.");
    expect(steps()).toBe(0);
    expect(gdb("continue")).toBe(first);
  });

  it("reverse-next goes back over callees; reverse-finish to before the call", () => {
    const { gdb, steps } = session();
    gdb("break create_kthread");
    const hit = gdb("run");
    const at = steps();
    gdb("step");
    gdb("step");
    const lock = gdb("next"); // out of create_kthread, back in kthreadd: its next spin_lock
    expect(lock).toMatch(/^spin_lock \(lock=0xffff8880[0-9a-f]{8}\) at kernel\/locking\/spinlock\.ts:\d+ \[/);
    gdb("next");
    expect(gdb("reverse-next")).toBe(lock);
    // Over everything create_kthread called, back to its call (the breakpoint's hit).
    expect(gdb("reverse-next")).toBe(hit.slice(hit.indexOf("\n") + 1));
    expect(steps()).toBe(at);
    expect(gdb("frame 1")).toBe("#1  kthreadd (_unused=0x0) at kernel/kthread.ts:516");
    expect(gdb("up")).toMatch(/^#2 {2}ret_from_fork \(p=0xffff8880[0-9a-f]{8}\) at kernel\/fork\.ts:194$/);
    expect(gdb("up")).toBe("Initial frame selected; you cannot go up.");
    expect(gdb("down 2")).toMatch(/^#0 {2}create_kthread \(create=0xffff8880[0-9a-f]{8}\)/);
    expect(gdb("down")).toBe("Bottom (innermost) frame selected; you cannot go down.");
    const back = gdb("reverse-finish").split("\n");
    expect(back[0]).toMatch(
      /^Run back to call of #0 {2}create_kthread \(create=0xffff8880[0-9a-f]{8}\) at kernel\/kthread\.ts:481$/,
    );
    expect(back[1]).toMatch(
      /^spin_lock \(lock=0xffff8880[0-9a-f]{8}\) at kernel\/locking\/spinlock\.ts:\d+ \[0\.000061 s, CPU 0\]$/,
    );
    expect(steps()).toBe(at - 1);
    expect(gdb("step")).toBe(hit.slice(hit.indexOf("\n") + 1));
    expect(gdb("finish").split("\n")[0]).toBe("Run till exit from #0  create_kthread ()");
  });

  it("lands where the forward run was: the machine's hash, for any breakpoint and count (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("copy_process", "wake_up_new_task", "create_kthread", "schedule", "do_exit"),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        (fn, ahead, back) => {
          const { d, gdb, steps } = session();
          gdb(`break ${fn}`);
          const shown = [gdb("run").split("\n").slice(1).join("\n")];
          const at = [steps()];
          for (let i = 1; i < ahead; i++) {
            const out = gdb("continue");
            if (out.startsWith("[Inferior")) {
              // From the end of the run, back to its last hit.
              expect(gdb("reverse-continue")).toBe(shown.at(-1));
              break;
            }
            shown.push(out);
            at.push(steps());
          }
          const n = Math.min(back, shown.length - 1);
          for (let i = 0; i < n; i++) gdb("reverse-continue");
          const k = shown.length - 1 - n;
          expect(steps()).toBe(at[k]);
          expect((d.machineNow() as NonNullable<ReturnType<typeof d.machineNow>>).hash()).toBe(
            hashAt("kthread-run", at[k] as number),
          );
          if (n > 0) {
            // Forwards from there: the next hit is the one the run had.
            expect(gdb("continue")).toBe(shown[k + 1]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("finds who freed a kthread_create_info: watch -l on it, reverse-continue", () => {
    /** What gdb prints as watchpoint 2 stops, the values in the order the run goes. */
    const changed = (old: string, now: string) => [
      "",
      "Hardware watchpoint 2: -location _create->__slab->freed",
      "",
      `Old value = ${old}`,
      `New value = ${now}`,
    ];
    const { gdb, steps } = session();
    gdb("break kthread_stop");
    expect(gdb("run")).toMatch(/Task 1 "init" hit Breakpoint 1, kthread_stop \(k=0xffff8880[0-9a-f]{8}\)/);
    expect(gdb("task 39")).toBe("[Switching to task 39 (my_kthread/0)]\n#0  schedule ()");
    expect(gdb("frame 5")).toMatch(/^#5 {2}kthread \(_create=0xffff8880[0-9a-f]{8}\) at kernel\/kthread\.ts:\d+$/);
    expect(gdb("print _create->__slab->freed")).toBe("$1 = true");
    expect(gdb("watch -l _create->__slab->freed")).toBe("Hardware watchpoint 2: -location _create->__slab->freed");
    const back = gdb("reverse-continue");
    expect(back.split("\n").slice(0, 5)).toEqual(changed("true", "false"));
    const freer = gdb("bt").split("\n");
    expect(freer).toContain(
      freer.find((l) => /^#\d+ {2}__kthread_create_on_node \(threadfn=<my_kthread>, /.test(l)) ?? "missing",
    );
    expect(gdb("print $comm")).toMatch(/^\$2 = "init"$/);
    const at = steps();
    // Forwards again: the free happens in the very next stretch.
    const fwd = gdb("continue");
    expect(fwd.split("\n").slice(0, 5)).toEqual(changed("false", "true"));
    expect(steps()).toBeGreaterThan(at);
    expect(gdb("info breakpoints")).toContain("2       hw watchpoint  keep y   -location _create->__slab->freed");
  });

  it("goes back from the end of the run, as rr does", () => {
    const { gdb, steps } = session();
    gdb("break do_exit");
    gdb("run");
    gdb("delete");
    const end = gdb("continue");
    expect(end).toBe("[Inferior 1 (kthread-run) exited normally]");
    const last = steps();
    expect(gdb("reverse-step")).toMatch(/^do_task_dead \(\) at kernel\/exit\.ts:\d+ \[0\.064013 s, CPU 0\]$/);
    expect(gdb("bt").split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(/^#0 {2}do_task_dead \(\)/),
      `#1  do_exit (code=0) at kernel/exit.ts:${lineOf("src/linux/kernel/exit.ts", "export const do_exit")}`,
    ]);
    expect(gdb("step")).toBe(end);
    expect(steps()).toBe(last);
    expect(gdb("step")).toBe("The program is not being run.");
  });

  it("checkpoint, info checkpoints, restart N: gdb's words", () => {
    const { gdb, steps } = session();
    gdb("break create_kthread");
    gdb("run");
    expect(gdb("info checkpoints")).toBe("No checkpoints.");
    const c1 = gdb("checkpoint");
    expect(c1).toMatch(
      /^checkpoint 1: step 54, task 2, create_kthread \(create=0xffff8880[0-9a-f]{8}\) at kernel\/kthread\.ts:\d+ \[0\.000062 s, CPU 0\]$/,
    );
    const bt = gdb("bt");
    gdb("continue");
    gdb("continue");
    const here = steps();
    expect(gdb("info checkpoints").split("\n")).toEqual([
      `* 0 (main process) step ${here}`,
      `  1 ${c1.slice("checkpoint 1: ".length)}`,
    ]);
    expect(gdb("restart 1")).toBe(
      `Switching to checkpoint 1 (step 54)\n#0  ${c1.slice(c1.indexOf("create_kthread ("))}`,
    );
    expect(steps()).toBe(54);
    expect(gdb("bt")).toBe(bt);
    expect(gdb("info checkpoints").split("\n")[1]).toMatch(/^\* 1 step 54, /);
    expect(gdb("restart 0")).toMatch(
      new RegExp(`^Switching to checkpoint 0 \\(step ${here}\\)\\n#0 {2}create_kthread `),
    );
    expect(steps()).toBe(here);
    expect(gdb("restart")).toBe("Requires argument (checkpoint id to restart)");
    expect(gdb("restart 7")).toBe("Not found: checkpoint id 7");
    expect(gdb("delete checkpoint 1")).toBe("");
    expect(gdb("info checkpoints")).toBe("No checkpoints.");
  });

  it("goes back in a run with signal injection: the creator killed at its 3rd call, as a plain run", () => {
    const { d, gdb, steps } = session("kthread-creator-killed-3a");
    gdb("break create_kthread");
    const first = gdb("run").split("\n").slice(1).join("\n");
    const at = steps();
    const second = gdb("continue");
    gdb("continue");
    expect(gdb("rc")).toBe(second);
    expect(gdb("rc")).toBe(first);
    expect(steps()).toBe(at);
    expect(d.machineNow()?.hash()).toBe(hashAt("kthread-creator-killed-3a", at));
    // Forwards again: the same hits, the signal sent as in the plain run.
    expect(gdb("continue")).toBe(second);
  });

  it("says so for a run that cannot go back (the function tracer observes it through closures)", () => {
    const d = new Debugger(scenario("kthread-run"), { cpus: 2, seed: 1, tracer: { tracer: "function" } }, sources);
    const gdb = (line: string) => debugCommand(d, line);
    gdb("break create_kthread");
    gdb("run");
    const no =
      "Target native does not support this command.\n(This run cannot go back: the function tracer observes the run through host closures.)";
    expect(gdb("reverse-step")).toBe(no);
    expect(gdb("checkpoint")).toBe(no);
  });

  it("runs from the command line (--ex, batch)", () => {
    const out = execFileSync(
      "node",
      [
        "bin/tasklab-src.js",
        "debug",
        "kthread-run",
        "--ex",
        "break create_kthread",
        "--ex",
        "run",
        "--ex",
        "step",
        "--ex",
        "rs",
      ],
      { encoding: "utf8" },
    );
    const { gdb } = session();
    expect(out).toBe(`${["break create_kthread", "run", "step", "rs"].map((c) => gdb(c)).join("\n")}\n`);
  });
});
