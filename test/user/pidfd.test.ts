/**
 * pidfd_open and waitid(P_PIDFD) as Linux 6.19 has them (kernel/pid.c pidfd_open,
 * kernel/fork.c pidfd_prepare, kernel/exit.c kernel_waitid), with the flags each release
 * refuses. Each case names what it was written from: the kernel's selftests
 * (tools/testing/selftests/pidfd/pidfd_wait.c, pidfd_info_test.c), the man pages
 * pidfd_open(2) and waitid(2).
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import type { EraName } from "../../src/linux/eras/profiles.js";
import { EAGAIN, EBADF, ECHILD, EINVAL, ENOENT, EPERM, ESRCH } from "../../src/linux/include/errno.js";
import { CLD_EXITED, CLD_KILLED, SIG_IGN, SIGCHLD, SIGKILL, SIGUSR1, SIGUSR2 } from "../../src/linux/include/signal.js";
import { P_PID, P_PIDFD, WEXITED, WNOHANG, WNOWAIT } from "../../src/linux/include/uapi/wait.js";
import {
  PIDFD_SIGNAL_PROCESS_GROUP,
  PIDFD_SIGNAL_THREAD,
  PIDFD_SIGNAL_THREAD_GROUP,
} from "../../src/linux/kernel/pidfd_signal.js";
import { PIDFD_NONBLOCK, PIDFD_THREAD } from "../../src/linux/kernel/sys.js";
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

describe("pidfd_send_signal (pidfd_test.c, pidfd_send_signal(2))", () => {
  it("test_pidfd_send_signal_simple_success / _exited_fail: a signal through the pidfd reaches the child; once it is reaped, -ESRCH", () => {
    const got = run(function* (u, _s, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) yield* child(u, 100_000, 0);
      const fd = yield* u.sys.pidfd_open(pid, 0);
      rec("send", yield* u.sys.pidfd_send_signal(fd, SIGKILL));
      rec("killed", (yield* waitPidfd(u, fd, WEXITED)).status);
      rec("after reap", yield* u.sys.pidfd_send_signal(fd, SIGKILL));
      rec("not a pidfd", yield* u.sys.pidfd_send_signal(1, SIGKILL));
      rec("bad flags", yield* u.sys.pidfd_send_signal(fd, 0, 0, 8));
      rec("two scopes", yield* u.sys.pidfd_send_signal(fd, 0, 0, PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP));
    });
    expect(got).toEqual({
      send: 0,
      killed: SIGKILL,
      "after reap": -ESRCH,
      "not a pidfd": -EBADF,
      "bad flags": -EINVAL,
      "two scopes": -EINVAL,
    });
  });

  it("PIDFD_SIGNAL_PROCESS_GROUP (6.9+) signals the group the pidfd's process leads; before 6.9 the flag is -EINVAL", () => {
    const group = (kernel: EraName) =>
      run(function* (u, _s, rec) {
        const a = yield* u.sys.fork();
        if (a === 0) {
          yield* u.sys.setpgid(0, 0);
          yield* child(u, 100_000, 0);
        }
        const b = yield* u.sys.fork();
        if (b === 0) {
          yield* u.libc.usleep(500);
          yield* u.sys.setpgid(0, a);
          yield* child(u, 100_000, 0);
        }
        yield* u.libc.usleep(1000);
        const fd = yield* u.sys.pidfd_open(a, 0);
        const r = yield* u.sys.pidfd_send_signal(fd, SIGKILL, 0, PIDFD_SIGNAL_PROCESS_GROUP);
        rec("send", r);
        if (r < 0) yield* u.sys.kill(-a, SIGKILL);
        const st = u.alloca(8);
        yield* u.sys.wait4(b, st, 0);
        rec("b", (yield* u.load(st)) as number);
        yield* u.sys.wait4(a, st, 0);
      }, kernel);
    expect(group("6.19")).toEqual({ send: 0, b: SIGKILL });
    expect(group("6.8")).toEqual({ send: -EINVAL, b: SIGKILL });
  });

  it("a siginfo claiming a user sender (si_code >= 0) may only be sent to the caller's own process (-EPERM); its si_signo must be sig (-EINVAL)", () => {
    const got = run(function* (u, _s, rec) {
      const info = u.alloca(128);
      yield* u.store(info, SIGUSR2);
      yield* u.store(info + 8, 0); // SI_USER
      const pid = yield* u.sys.fork();
      if (pid === 0) yield* child(u, 100_000, 0);
      const fd = yield* u.sys.pidfd_open(pid, 0);
      rec("other", yield* u.sys.pidfd_send_signal(fd, SIGUSR2, info));
      rec("wrong signo", yield* u.sys.pidfd_send_signal(fd, SIGUSR1, info));
      yield* u.sys.rt_sigaction(SIGUSR2, { sa_handler: SIG_IGN });
      const self = yield* u.sys.pidfd_open(yield* u.sys.getpid(), 0);
      rec("self", yield* u.sys.pidfd_send_signal(self, SIGUSR2, info));
      yield* u.sys.kill(pid, SIGKILL);
      yield* u.sys.wait4(pid, 0, 0);
    });
    expect(got).toEqual({ other: -EPERM, "wrong signo": -EINVAL, self: 0 });
  });
});
