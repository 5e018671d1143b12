/**
 * PR_SET_CHILD_SUBREAPER as Linux 6.19 has it (kernel/sys.c prctl, kernel/exit.c
 * find_new_reaper): orphans go to the nearest live ancestor that is a subreaper, else to
 * init. Written from prctl(2) (PR_SET_CHILD_SUBREAPER, since Linux 3.4).
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import type { EraName } from "../../src/linux/eras/profiles.js";
import { EFAULT, EINVAL } from "../../src/linux/include/errno.js";
import { PR_GET_CHILD_SUBREAPER, PR_SET_CHILD_SUBREAPER } from "../../src/linux/include/uapi/prctl.js";
import type { User } from "../../src/user/user.js";
import { runRecording } from "../helpers.js";

function run(body: (u: User, shared: number, rec: (k: string, v: number) => void) => UGen<void>, kernel?: EraName) {
  return runRecording((u, rec, shared) => body(u, shared, rec), kernel === undefined ? {} : { kernel }).seen;
}

/**
 * The program (a subreaper or not) forks a middle process, which forks a grandchild and
 * exits; the grandchild, orphaned, stores its new getppid() in shared memory and exits.
 */
function* orphanGrandchild(u: User, shared: number, rec: (k: string, v: number) => void): UGen<void> {
  const middle = yield* u.sys.fork();
  if (middle === 0) {
    const g = yield* u.sys.fork();
    if (g === 0) {
      yield* u.libc.usleep(2000);
      yield* u.store(shared, yield* u.sys.getppid());
      for (;;) yield* u.sys.exit_group(7);
    }
    yield* u.store(shared + 8, g);
    for (;;) yield* u.sys.exit_group(0);
  }
  yield* u.libc.waitpid(middle, 0, 0);
  yield* u.libc.usleep(5000);
  rec("new parent", (yield* u.load(shared)) as number);
  // A subreaper reaps the grandchild itself: wait4 finds it.
  const st = u.alloca(8);
  const got = yield* u.sys.wait4((yield* u.load(shared + 8)) as number, st, 0);
  rec("reaped", got > 0 ? ((yield* u.load(st)) as number) >> 8 : got);
}

describe("PR_SET_CHILD_SUBREAPER", () => {
  it("prctl(2): an orphaned grandchild is reparented to the subreaper, which reaps it", () => {
    const seen = run(function* (u, shared, rec) {
      rec("set", yield* u.sys.prctl(PR_SET_CHILD_SUBREAPER, 1));
      const flag = u.alloca(8);
      rec("get", yield* u.sys.prctl(PR_GET_CHILD_SUBREAPER, flag));
      rec("flag", (yield* u.load(flag)) as number);
      const me = yield* u.sys.getpid();
      yield* orphanGrandchild(u, shared, (k, v) => rec(k, k === "new parent" ? (v === me ? 1 : v) : v));
    });
    expect(seen).toEqual({ set: 0, get: 0, flag: 1, "new parent": 1, reaped: 7 });
  });

  it("prctl(2): without a subreaper the orphan goes to init (getppid() 1), and is not the program's to reap", () => {
    const seen = run(function* (u, shared, rec) {
      yield* orphanGrandchild(u, shared, rec);
    });
    expect(seen).toEqual({ "new parent": 1, reaped: -10 });
  });

  it("a subreaper set after the middle process was forked still counts (propagate_has_child_subreaper)", () => {
    const seen = run(function* (u, shared, rec) {
      const me = yield* u.sys.getpid();
      const middle = yield* u.sys.fork();
      if (middle === 0) {
        yield* u.libc.usleep(1000); // the parent becomes a subreaper meanwhile
        const g = yield* u.sys.fork();
        if (g === 0) {
          yield* u.libc.usleep(2000);
          yield* u.store(shared, yield* u.sys.getppid());
          for (;;) yield* u.sys.exit_group(0);
        }
        for (;;) yield* u.sys.exit_group(0);
      }
      yield* u.sys.prctl(PR_SET_CHILD_SUBREAPER, 1);
      yield* u.libc.waitpid(middle, 0, 0);
      yield* u.libc.usleep(5000);
      rec("new parent", ((yield* u.load(shared)) as number) === me ? 1 : 0);
      yield* u.libc.wait(0);
    });
    expect(seen).toEqual({ "new parent": 1 });
  });

  it("prctl(2): PR_SET_CHILD_SUBREAPER is -EINVAL before 3.4; PR_GET_CHILD_SUBREAPER to an unmapped address is -EFAULT", () => {
    const old = run(function* (_u, _s, rec) {
      rec("set", yield* _u.sys.prctl(PR_SET_CHILD_SUBREAPER, 1));
    }, "2.6.32");
    expect(old).toEqual({ set: -EINVAL });
    const bad = run(function* (u, _s, rec) {
      rec("get", yield* u.sys.prctl(PR_GET_CHILD_SUBREAPER, 0x10));
    }, "3.10");
    expect(bad).toEqual({ get: -EFAULT });
  });
});
