import { describe, expect, it } from "vitest";
import { IS_ERR } from "../../src/linux/include/err.js";
import { EINVAL } from "../../src/linux/include/errno.js";
import { SIGCHLD } from "../../src/linux/include/signal.js";
import type { TraceRecord } from "../../src/linux/include/trace/events/records.js";
import { CLONE_PARENT, CLONE_SIGHAND, CLONE_THREAD, CLONE_VM } from "../../src/linux/include/uapi/sched.js";
import { do_exit } from "../../src/linux/kernel/exit.js";
import { kernel_clone, kernelCloneArgs } from "../../src/linux/kernel/fork.js";
import { kthread_run } from "../../src/linux/kernel/kthread.js";
import { find_task_by_pid_ns } from "../../src/linux/kernel/pid.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { K } from "../../src/linux/kernel.js";
import { problems } from "../../src/run.js";
import { records, runMain } from "../helpers.js";

function* exits_after(ms: number) {
  yield* msleep(ms);
  yield* do_exit(0);
  return 0;
}

const exitsOf = (recs: readonly TraceRecord[]) =>
  recs.flatMap((e) => (e.type === "sched_process_exit" ? [`${e.tpid}:${e.group_dead}`] : []));

describe("exit", () => {
  it("counts a thread group: the first of two to exit is not group_dead, the last is", () => {
    let thread = 0;
    function* leader() {
      thread = yield* kernel_clone(
        kernelCloneArgs({ flags: CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, fn: () => exits_after(1), kthread: true }),
      );
      yield* msleep(5);
      return 0;
    }
    let leaderPid = 0;
    const r = runMain(function* () {
      const t = yield* kthread_run(leader, null, "leader");
      if (IS_ERR(t)) return;
      leaderPid = t.pid;
      yield* msleep(20);
    });
    expect(problems(r.reports)).toEqual([]);
    expect(thread).toBe(leaderPid + 1);
    expect(exitsOf(records(r))).toEqual([`${thread}:false`, `${leaderPid}:true`]);
  });

  it("gives an exiting task's children to init, which reaps them once it waits again", () => {
    let childPid = 0;
    let seen: { parent: number; state: number } | null = null;
    function* parent() {
      childPid = yield* kernel_clone(
        kernelCloneArgs({ exit_signal: SIGCHLD, fn: () => exits_after(30), kthread: true, name: "orphan" }),
      );
      yield* msleep(5);
      return 0;
    }
    const r = runMain(function* () {
      yield* kthread_run(parent, null, "parentk");
      yield* msleep(60);
      // init is busy with the scenario: the orphan, now its child, is a zombie until init waits.
      const orphan = find_task_by_pid_ns(childPid, K.init_pid_ns);
      seen = orphan === null ? null : { parent: orphan.real_parent.pid, state: orphan.exit_state };
    });
    expect(problems(r.reports)).toEqual([]);
    expect(seen).toEqual({ parent: 1, state: 0x20 }); // EXIT_ZOMBIE
    const last = records(r)
      .filter((e) => e.type === "sched_switch" && e.prev_pid === childPid)
      .at(-1);
    expect(last?.type === "sched_switch" && last.prev_state).toBe(0x20); // prints as Z
    // Back in its loop, init reaps it: a wait by init, and the orphan is gone.
    expect(records(r).some((e) => e.type === "sched_process_wait" && e.pid === 1)).toBe(true);
    expect(r.machine.tasks().find((t) => t.pid === childPid)).toBeUndefined();
  });

  it("refuses CLONE_PARENT from init with -EINVAL", () => {
    let ret = 0;
    runMain(function* () {
      ret = yield* kernel_clone(
        kernelCloneArgs({ flags: CLONE_PARENT, exit_signal: SIGCHLD, fn: () => exits_after(1) }),
      );
    });
    expect(ret).toBe(-EINVAL);
  });
});
