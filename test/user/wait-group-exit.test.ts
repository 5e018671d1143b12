/**
 * What a parent's wait4 and waitid report for a child process with threads, by the way the
 * group ended (kernel/exit.c wait_task_zombie: the group's exit code once SIGNAL_GROUP_EXIT
 * is set, else the leader's own): the leader leaves first with exit(0) and a thread then
 * calls exit_group(3); a thread calls exit_group(3) while the leader sleeps; everyone leaves
 * with exit() (no group exit: the leader's code); a signal kills the group, before or after
 * its leader left. Then which wait options see such a child: __WCLONE only for a child with no SIGCHLD
 * exit signal, __WALL for both, and any thread of the parent may reap it.
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { ECHILD } from "../../src/linux/include/errno.js";
import { CLD_EXITED, CLD_KILLED, SIGCHLD, SIGKILL, SIGTERM } from "../../src/linux/include/signal.js";
import { MAP_ANONYMOUS, MAP_SHARED, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import { __WALL, __WCLONE, P_PID, WEXITED } from "../../src/linux/include/uapi/wait.js";
import { PAGE_SIZE } from "../../src/linux/mm/mm_types.js";
import { problems } from "../../src/run.js";
import { WEXITSTATUS, WIFEXITED, WTERMSIG } from "../../src/scenarios/user-program.js";
import type { User } from "../../src/user/user.js";
import { runProgram } from "../helpers.js";

/** The child process, given a word of memory it shares with the parent; it ends itself. */
type Child = (u: User, shared: number) => UGen<void>;
/** The parent's part after the fork: what it reports about the child `pid`. */
type Parent = (u: User, pid: number, shared: number) => UGen<Record<string, number | boolean>>;

/**
 * Forks `child` with exit signal `exitSignal` (SIGCHLD, or 0: a "clone" child), runs
 * `parent` in the program, and returns what it reported; the run must end cleanly, with
 * nothing left of the child.
 */
function run(child: Child, parent: Parent, exitSignal = SIGCHLD): Record<string, number | boolean> {
  let seen: Record<string, number | boolean> = {};
  const r = runProgram(
    function* (u) {
      const shared = yield* u.sys.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
      yield* u.store(shared, 0);
      const pid = yield* u.sys.clone(exitSignal);
      if (pid === 0) {
        yield* child(u, shared);
        for (;;) yield* u.sys.exit_group(99); // not reached: the child ends itself
      }
      seen = yield* parent(u, pid, shared);
      return 0;
    },
    { until: 5e9 },
  );
  expect(problems(r.reports)).toEqual([]);
  expect(r.status, "the program itself exits 0").toBe(0);
  expect(r.machine.tasks().filter((t) => t.comm === "t" && t.exit_state !== 0)).toEqual([]);
  return seen;
}

/** A thread of the child: stores its tid at `shared` (if given), sleeps `us`, then does `end`. */
function* thread(u: User, us: number, end: (t: User) => UGen<void>, shared = 0): UGen<void> {
  yield* u.libc.pthread_create(
    0,
    null,
    function* (t) {
      if (shared !== 0) yield* t.store(shared, yield* t.sys.gettid());
      if (us > 0) yield* t.libc.usleep(us);
      yield* end(t);
      return 0;
    },
    null,
  );
}

const exitGroup = (code: number) =>
  function* (t: User): UGen<void> {
    for (;;) yield* t.sys.exit_group(code);
  };
const exitThread = (code: number) =>
  function* (t: User): UGen<void> {
    for (;;) yield* t.sys.exit(code);
  };

/** The ways a two-thread child ends. */
const ENDINGS: Record<string, Child> = {
  /** The leader exits (exit(0)) first; 1 ms later the thread calls exit_group(3). */
  *"leader first"(u) {
    yield* thread(u, 1000, exitGroup(3));
    yield* exitThread(0)(u);
  },
  /** The thread calls exit_group(3) at once, while the leader sleeps (it is killed by the group exit). */
  *"thread first"(u) {
    yield* thread(u, 0, exitGroup(3));
    yield* u.libc.usleep(100_000);
    yield* exitGroup(0)(u);
  },
  /** The leader exit(0)s, then the thread exit(7)s: no group exit, the status is the leader's. */
  *"no group exit"(u) {
    yield* thread(u, 1000, exitThread(7));
    yield* exitThread(0)(u);
  },
  /** Both sleep until the parent's signal kills the group. */
  *killed(u) {
    yield* thread(u, 10_000_000, exitGroup(0));
    yield* u.libc.usleep(10_000_000);
    yield* exitGroup(0)(u);
  },
  /** The leader exit(0)s; the thread (its tid in `shared`) sleeps until the parent's signal kills the group. */
  *"killed after the leader left"(u, shared) {
    yield* thread(u, 10_000_000, exitGroup(0), shared);
    yield* exitThread(0)(u);
  },
};

/**
 * How the parent signals the child 2 ms in: kill(pid), or tgkill to the thread whose tid
 * the child stored in the shared word (a signal for one thread; a fatal one still ends the group).
 */
function* signal(u: User, pid: number, shared: number, how: "kill" | "tgkill", sig: number): UGen<void> {
  yield* u.libc.usleep(2000);
  if (how === "kill") expect(yield* u.sys.kill(pid, sig)).toBe(0);
  else expect(yield* u.sys.tgkill(pid, (yield* u.load(shared)) as number, sig)).toBe(0);
}

type Signal = { how: "kill" | "tgkill"; sig: number } | null;

/** The parent: (signals the child) then wait4(pid, &status, options). */
function wait4(options: number, send: Signal = null): Parent {
  return function* (u, pid, shared) {
    if (send !== null) yield* signal(u, pid, shared, send.how, send.sig);
    const st = u.alloca(8);
    const got = yield* u.sys.wait4(pid, st, options);
    return { reaped: got === pid, status: got === pid ? ((yield* u.load(st)) as number) : got };
  };
}

/** The parent: (signals the child) then waitid(P_PID, pid, &info, WEXITED | options), and the siginfo's fields. */
function waitid(options: number, send: Signal = null): Parent {
  return function* (u, pid, shared) {
    if (send !== null) yield* signal(u, pid, shared, send.how, send.sig);
    const info = u.alloca(128);
    const ret = yield* u.sys.waitid(P_PID, pid, info, WEXITED | options);
    const at = function* (off: number) {
      return (yield* u.load(info + off)) as number;
    };
    return {
      ret,
      si_signo: yield* at(0),
      si_code: yield* at(8),
      si_pid_is_child: (yield* at(16)) === pid,
      si_uid: yield* at(20),
      si_status: yield* at(24),
    };
  };
}

const exited = (code: number) => ({
  si_signo: SIGCHLD,
  si_code: CLD_EXITED,
  si_pid_is_child: true,
  si_uid: 0,
  si_status: code,
});
const killed = (sig: number) => ({ ...exited(sig), si_code: CLD_KILLED });

describe("wait4 and waitid after a group exit from a thread", () => {
  it.each([
    { ending: "leader first", status: 768 },
    { ending: "thread first", status: 768 },
    { ending: "no group exit", status: 0 },
  ])("$ending: wait4 gives status $status", ({ ending, status }) => {
    const seen = run(ENDINGS[ending] as Child, wait4(0));
    expect(seen).toEqual({ reaped: true, status });
    expect(WIFEXITED(status)).toBe(true);
  });

  it("the statuses mean what they say: exit code 3 is 768 (WIFEXITED, WEXITSTATUS 3)", () => {
    expect([WIFEXITED(768), WEXITSTATUS(768)]).toEqual([true, 3]);
  });

  it.each([
    { ending: "leader first", code: 3 },
    { ending: "thread first", code: 3 },
    { ending: "no group exit", code: 0 },
  ])("$ending: waitid reports CLD_EXITED with si_status $code", ({ ending, code }) => {
    expect(run(ENDINGS[ending] as Child, waitid(0))).toEqual({ ret: 0, ...exited(code) });
  });

  it.each([
    { ending: "killed", how: "kill", sig: SIGKILL },
    { ending: "killed", how: "kill", sig: SIGTERM },
    { ending: "killed after the leader left", how: "tgkill", sig: SIGKILL },
    { ending: "killed after the leader left", how: "tgkill", sig: SIGTERM },
  ] as const)(
    "$ending by $how of signal $sig: WIFSIGNALED with that signal; waitid CLD_KILLED",
    ({ ending, how, sig }) => {
      const child = ENDINGS[ending] as Child;
      expect(run(child, wait4(0, { how, sig }))).toEqual({ reaped: true, status: sig });
      expect([WIFEXITED(sig), WTERMSIG(sig)]).toEqual([false, sig]);
      expect(run(child, waitid(0, { how, sig }))).toEqual({ ret: 0, ...killed(sig) });
    },
  );

  // As complete_signal does in Linux: a group signal goes to a thread that can take it, and a
  // fatal one ends the group, even when the leader has already exited (it was dropped at the
  // zombie leader before: the live thread slept on).
  it("killed after the leader left, by kill(pid): the group's live thread dies too", () => {
    const child = ENDINGS["killed after the leader left"] as Child;
    expect(run(child, wait4(0, { how: "kill", sig: SIGKILL }))).toEqual({ reaped: true, status: SIGKILL });
  });
});

describe("wait options and a child with threads", () => {
  it("a SIGCHLD child is not a __WCLONE child; __WALL reaps it with the group's status", () => {
    const seen = run(ENDINGS["leader first"] as Child, function* (u, pid, shared) {
      const clone = yield* u.sys.wait4(pid, 0, __WCLONE);
      return { __WCLONE: clone, ...(yield* wait4(__WALL)(u, pid, shared)) };
    });
    expect(seen).toEqual({ __WCLONE: -ECHILD, reaped: true, status: 768 });
  });

  it("a child with exit signal 0 is seen only with __WCLONE or __WALL, with the group's status", () => {
    for (const options of [__WCLONE, __WALL]) {
      const seen = run(
        ENDINGS["leader first"] as Child,
        function* (u, pid, shared) {
          const plain = yield* u.sys.wait4(pid, 0, 0);
          return { plain, ...(yield* wait4(options)(u, pid, shared)) };
        },
        0,
      );
      expect(seen, `options ${options}`).toEqual({ plain: -ECHILD, reaped: true, status: 768 });
    }
    expect(run(ENDINGS["thread first"] as Child, waitid(__WCLONE), 0)).toEqual({ ret: 0, ...exited(3) });
  });

  it("a thread of the parent reaps the child (the group's children are every thread's), with __WALL", () => {
    const seen = run(ENDINGS["leader first"] as Child, function* (u, pid) {
      const box = u.alloca(8);
      yield* u.store(box, -1);
      let tid = 0;
      const pd = u.alloca(8);
      yield* u.libc.pthread_create(
        pd,
        null,
        function* (t) {
          const st = t.alloca(8);
          const got = yield* t.sys.wait4(pid, st, __WALL);
          yield* t.store(box, got === pid ? ((yield* t.load(st)) as number) : got);
          return 0;
        },
        null,
      );
      tid = (yield* u.load(pd)) as number;
      yield* u.libc.pthread_join(tid);
      return { status: (yield* u.load(box)) as number };
    });
    expect(seen).toEqual({ status: 768 });
  });
});

describe("reparenting within the group", () => {
  it("a child whose parent thread exits goes to a live thread of its group: getppid is still the group, that thread reaps it", () => {
    const r = runProgram(
      function* (u) {
        yield* u.libc.pthread_create(
          0,
          null,
          function* (t) {
            yield* t.libc.usleep(5000); // the leader has exited by now; the child still runs
            const st = t.alloca(8);
            const got = yield* t.sys.wait4(-1, st, 0);
            yield* t.libc.puts(`thread: wait4 ${got > 0 ? "reaped the child" : got}, status ${yield* t.load(st)}`);
            for (;;) yield* t.sys.exit_group(0);
          },
          null,
        );
        const group = yield* u.sys.getpid();
        const c = yield* u.sys.fork();
        if (c === 0) {
          yield* u.libc.usleep(2000);
          const ppid = yield* u.sys.getppid();
          yield* u.libc.puts(`child: getppid ${ppid === group ? "is still the group" : ppid}`);
          for (;;) yield* u.sys.exit_group(5);
        }
        for (;;) yield* u.sys.exit(0); // the leader alone
      },
      { until: 5e9 },
    );
    expect(problems(r.reports)).toEqual([]);
    expect(r.tty).toEqual(["child: getppid is still the group", "thread: wait4 reaped the child, status 1280"]);
    expect(r.status).toBe(0);
  });
});
