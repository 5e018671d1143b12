/**
 * pidfd_open and waitid(P_PIDFD) as Linux 6.19 has them (kernel/pid.c pidfd_open,
 * kernel/fork.c pidfd_prepare, kernel/exit.c kernel_waitid), with the flags each release
 * refuses. Each case names what it was written from: the kernel's selftests
 * (tools/testing/selftests/pidfd/pidfd_wait.c, pidfd_info_test.c), the man pages
 * pidfd_open(2) and waitid(2).
 */
import { describe, expect, it } from "vitest";
import type { EraName } from "../../src/linux/eras/profiles.js";
import { EAGAIN, ECHILD, EINVAL, ENOENT, ESRCH } from "../../src/linux/include/errno.js";
import { CLD_EXITED, CLD_KILLED, SIGCHLD, SIGKILL } from "../../src/linux/include/signal.js";
import { P_PID, P_PIDFD, WEXITED, WNOHANG, WNOWAIT } from "../../src/linux/include/uapi/wait.js";
import { PIDFD_NONBLOCK, PIDFD_THREAD } from "../../src/linux/kernel/sys.js";
import type { UGen } from "../../src/user/runtime.js";
import type { User } from "../../src/user/user.js";
import { runRecording } from "../helpers.js";

type Seen = Record<string, number>;

/** Runs `body` as the program (on `kernel`) with a MAP_SHARED word; what the original process recorded. */
function run(body: (u: User, shared: number, rec: (k: string, v: number) => void) => UGen<void>, kernel?: EraName) {
  return runRecording((u, rec, shared) => body(u, shared, rec), kernel === undefined ? {} : { kernel }).seen;
}

/** A child that sleeps `us` and then exits with `code` (it never returns to the caller). */
function* child(u: User, us: number, code: number): UGen<never> {
  if (us > 0) yield* u.libc.usleep(us);
  for (;;) yield* u.sys.exit_group(code);
}

/** waitid(P_PIDFD, fd, info, options) and the siginfo's si_signo, si_code, si_pid, si_status. */
interface Info {
  ret: number;
  signo: number;
  code: number;
  pid: number;
  status: number;
}
function* waitPidfd(u: User, fd: number, options: number): UGen<Info> {
  const info = u.alloca(128);
  const ret = yield* u.sys.waitid(P_PIDFD, fd, info, options);
  const at = function* (off: number) {
    return (yield* u.load(info + off)) as number;
  };
  return { ret, signo: yield* at(0), code: yield* at(8), pid: yield* at(16), status: yield* at(24) };
}

describe("pidfd_open on a task that exited but is not reaped", () => {
  it("an exited child still has its pid: pidfd_open gives a pidfd and waitid(P_PIDFD) reaps it; then -ESRCH (pidfd_info_test.c success_exit/success_reaped)", () => {
    const got = run(function* (u, _s, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) yield* child(u, 0, 7);
      // waitid(2): WNOWAIT leaves the child a zombie; this returns once it has exited.
      const info = u.alloca(128);
      rec("nowait", yield* u.sys.waitid(P_PID, pid, info, WEXITED | WNOWAIT));
      const fd = yield* u.sys.pidfd_open(pid, 0);
      rec("fd", fd);
      rec("thread fd", yield* u.sys.pidfd_open(pid, PIDFD_THREAD));
      const w = yield* waitPidfd(u, fd, WEXITED);
      for (const [k, v] of Object.entries(w)) rec(k, v === pid ? -1 : v);
      rec("after reap", yield* u.sys.pidfd_open(pid, 0));
      rec("wait again", yield* u.sys.waitid(P_PIDFD, fd, info, WEXITED));
    });
    expect(got).toEqual({
      nowait: 0,
      fd: 3,
      "thread fd": 4,
      ret: 0,
      signo: SIGCHLD,
      code: CLD_EXITED,
      pid: -1,
      status: 7,
      "after reap": -ESRCH,
      "wait again": -ECHILD,
    });
  });

  it("a leader that exited while its thread runs: pidfd_open succeeds with 0 and PIDFD_THREAD; its thread is -ENOENT without PIDFD_THREAD (pidfd_info_test.c thread_group)", () => {
    const got = run(function* (u, shared, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.libc.pthread_create(
          0,
          null,
          function* (t) {
            yield* t.store(shared, yield* t.sys.gettid());
            yield* t.libc.usleep(10_000_000);
            return 0;
          },
          null,
        );
        for (;;) yield* u.sys.exit(0); // the leader leaves first
      }
      yield* u.libc.usleep(2000);
      const tid = (yield* u.load(shared)) as number;
      const fd = yield* u.sys.pidfd_open(pid, 0);
      rec("leader", fd);
      rec("leader thread", yield* u.sys.pidfd_open(pid, PIDFD_THREAD));
      rec("thread as leader", yield* u.sys.pidfd_open(tid, 0));
      rec("thread", yield* u.sys.pidfd_open(tid, PIDFD_THREAD));
      // The zombie leader is not reapable while its thread runs (delay_group_leader).
      rec("not yet", (yield* waitPidfd(u, fd, WEXITED | WNOHANG)).pid);
      rec("kill", yield* u.sys.kill(pid, SIGKILL));
      const w = yield* waitPidfd(u, fd, WEXITED);
      rec("code", w.code);
      rec("status", w.status);
      rec("reaped", w.pid === pid ? 1 : 0);
    });
    expect(got).toEqual({
      leader: 3,
      "leader thread": 4,
      "thread as leader": -ENOENT,
      thread: 5,
      "not yet": 0,
      kill: 0,
      code: CLD_KILLED,
      status: SIGKILL,
      reaped: 1,
    });
  });

  it("6.8: a thread's pid without PIDFD_THREAD is -EINVAL (pid_has_task(PIDTYPE_TGID)), and PIDFD_THREAD is no flag yet", () => {
    const got = run(function* (u, shared, rec) {
      yield* u.libc.pthread_create(
        0,
        null,
        function* (t) {
          yield* t.store(shared, yield* t.sys.gettid());
          for (;;) yield* t.sys.exit(0);
        },
        null,
      );
      yield* u.libc.usleep(1000);
      const tid = (yield* u.load(shared)) as number;
      rec("thread", yield* u.sys.pidfd_open(tid, 0));
      rec("PIDFD_THREAD", yield* u.sys.pidfd_open(yield* u.sys.getpid(), PIDFD_THREAD));
    }, "6.8");
    // The thread has exited by now (a thread is reaped at once): its pid is gone.
    expect(got).toEqual({ thread: -ESRCH, PIDFD_THREAD: -EINVAL });
  });
});

describe("PIDFD_NONBLOCK (pidfd_wait.c wait_nonblock)", () => {
  it("waitid on a nonblocking pidfd: -ECHILD for no child, -EAGAIN while the child runs, 0 with WNOHANG; it reaps once the child exited", () => {
    const got = run(function* (u, _s, rec) {
      const self = yield* u.sys.pidfd_open(yield* u.sys.getpid(), PIDFD_NONBLOCK);
      rec("self", (yield* waitPidfd(u, self, WEXITED)).ret);
      yield* u.sys.close(self);
      const pid = yield* u.sys.fork();
      if (pid === 0) yield* child(u, 5000, 3);
      const fd = yield* u.sys.pidfd_open(pid, PIDFD_NONBLOCK);
      rec("fd", fd);
      rec("running", (yield* waitPidfd(u, fd, WEXITED)).ret);
      const w = yield* waitPidfd(u, fd, WEXITED | WNOHANG);
      rec("WNOHANG", w.ret);
      rec("WNOHANG pid", w.pid);
      // A blocking pidfd of the same child waits; the nonblocking one then finds it reaped.
      const blocking = yield* u.sys.pidfd_open(pid, 0);
      const done = yield* waitPidfd(u, blocking, WEXITED | WNOWAIT);
      rec("blocking", done.ret);
      rec("blocking code", done.code);
      const reaped = yield* waitPidfd(u, fd, WEXITED);
      rec("nonblocking reaps", reaped.pid === pid ? reaped.status : -1);
    });
    expect(got).toEqual({
      self: -ECHILD,
      fd: 3,
      running: -EAGAIN,
      WNOHANG: 0,
      "WNOHANG pid": 0,
      blocking: 0,
      "blocking code": CLD_EXITED,
      "nonblocking reaps": 3,
    });
  });
});

describe("pidfd flags by release (pidfd_open(2) VERSIONS: PIDFD_NONBLOCK 5.10, PIDFD_THREAD 6.9)", () => {
  const flags = (kernel: EraName) =>
    run(function* (u, _s, rec) {
      const me = yield* u.sys.getpid();
      rec("0", yield* u.sys.pidfd_open(me, 0));
      rec("NONBLOCK", yield* u.sys.pidfd_open(me, PIDFD_NONBLOCK));
      rec("THREAD", yield* u.sys.pidfd_open(me, PIDFD_THREAD));
      rec("both", yield* u.sys.pidfd_open(me, PIDFD_THREAD | PIDFD_NONBLOCK));
      rec("other", yield* u.sys.pidfd_open(me, 1));
    }, kernel);
  it.each<[EraName, Seen]>([
    ["5.4", { "0": 3, NONBLOCK: -EINVAL, THREAD: -EINVAL, both: -EINVAL, other: -EINVAL }],
    ["5.10", { "0": 3, NONBLOCK: 4, THREAD: -EINVAL, both: -EINVAL, other: -EINVAL }],
    ["6.8", { "0": 3, NONBLOCK: 4, THREAD: -EINVAL, both: -EINVAL, other: -EINVAL }],
    ["6.19", { "0": 3, NONBLOCK: 4, THREAD: 5, both: 6, other: -EINVAL }],
  ])("%s", (kernel, want) => {
    expect(flags(kernel)).toEqual(want);
  });

  it("waitid's P_PIDFD is an unknown idtype before 5.4 (-EINVAL)", () => {
    const got = run(function* (u, _s, rec) {
      rec("P_PIDFD", yield* u.sys.waitid(P_PIDFD, 0, u.alloca(128), WEXITED));
    }, "4.19");
    expect(got).toEqual({ P_PIDFD: -EINVAL });
  });
});
