import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { machineFor, problems, runScenario } from "../../src/run.js";
import { endOfRunChecks } from "../../src/scenarios/detectors.js";
import kthreadRun from "../../src/scenarios/kthread-run.js";
import { createOnly, neverCompleted, stopSleeper } from "./broken.js";
import { ofKind, pidOf } from "./detect.js";

describe("the deadlock check", () => {
  it("lists each blocked task with what it waits on, who could wake it and its stack", () => {
    const r = runScenario(stopSleeper);
    const [rep, ...more] = ofKind(r, "deadlock");
    expect(more).toEqual([]);
    expect(problems(r.reports)).toContain(rep);
    expect(rep?.title).toBe("tasklab: deadlock: all tasks blocked, none runnable");
    const pid = pidOf(r, "sleeper");
    const p5 = String(pid).padEnd(5);
    expect(rep?.lines).toEqual([
      "task:init            state:D stack:0     pid:1     tgid:1     ppid:0      task_flags:0x0040 flags:0x00000000",
      " has not returned from the scenario's main()",
      ` waits on: the exit of kthread sleeper/${pid} (its struct kthread's exited)`,
      ` woken by: sleeper/${pid} (state D)`,
      "Call Trace:",
      " schedule",
      " schedule_timeout",
      " wait_for_common",
      " wait_for_completion",
      " kthread_stop",
      " main",
      " kernel_init",
      " ret_from_fork",
      `task:sleeper         state:D stack:0     pid:${p5} tgid:${p5} ppid:2      task_flags:0x208040 flags:0x00000020`,
      " waits on: a wait queue",
      " woken by: unknown",
      "Call Trace:",
      " schedule",
      " sleeper",
      " kthread",
      " ret_from_fork",
    ]);
  });

  it("is the same check when the caller runs the machine itself", () => {
    const m = machineFor(neverCompleted);
    const found = endOfRunChecks(m, neverCompleted, m.run());
    expect(found.map((x) => x.kind)).toEqual(["deadlock"]);
    expect(found[0]?.lines.slice(1, 3)).toEqual([" waits on: a completion (done=0)", " woken by: unknown"]);
  });

  it("leaves alone a kthread created and never woken, and is off when switched off", () => {
    expect(ofKind(runScenario(createOnly), "deadlock")).toEqual([]);
    expect(ofKind(runScenario(stopSleeper, { detectors: { deadlock: false } }), "deadlock")).toEqual([]);
  });
});

describe("the detectors' switches on the command line", () => {
  let err = "";
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it("--no-deadlock-check, --hung-task-timeout and --no-lockdep", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation((s) => {
      err += String(s);
      return true;
    });
    expect(await main(["run", "test/fixtures/blocked.ts"])).toBe(1);
    expect(err).toMatch(/^\[ +1\.\d{6}\] tasklab: deadlock: all tasks blocked, none runnable$/m);
    err = "";
    expect(await main(["run", "test/fixtures/blocked.ts", "--no-deadlock-check", "--no-lockdep"])).toBe(0);
    expect(err).toBe("");
    expect(await main(["run", "test/fixtures/blocked.ts", "--no-deadlock-check", "--hung-task-timeout", "1"])).toBe(1);
    expect(err).toMatch(/^\[ +1\.\d{6}\] INFO: task waiter:\d+ blocked for more than 1 seconds\.$/m);
  });
});

describe("the lost-task check", () => {
  it("reports a task set running that is on no run queue and no CPU (its wakeup lost)", () => {
    const r = runScenario(kthreadRun);
    expect(ofKind(r, "lost-wakeup")).toEqual([]);
    // kthreadd sleeps (S) at the end: make it look woken without being queued.
    const kthreadd = r.machine.kernel.kthreadd_task as NonNullable<typeof r.machine.kernel.kthreadd_task>;
    kthreadd.__state = 0;
    const found = endOfRunChecks(r.machine, kthreadRun, "idle").filter((x) => x.kind === "lost-wakeup");
    expect(found.map((x) => x.title)).toEqual([
      "tasklab: lost wakeup: kthreadd/2 is runnable but on no run queue and no CPU",
    ]);
    expect(problems(found)).toEqual(found);
  });
});
