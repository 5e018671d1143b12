/**
 * poll and ppoll on a pidfd as Linux 6.19 has them (fs/select.c do_sys_poll, fs/pidfs.c
 * pidfd_poll, kernel/exit.c exit_notify / __unhash_process). Written from the kernel's
 * selftests (tools/testing/selftests/pidfd/pidfd_poll_test.c, pidfd_test.c
 * test_pidfd_poll_exec / _leader_exit, pidfd_info_test.c) and the man pages poll(2) and
 * pidfd_open(2) ("the file descriptor becomes readable when the process terminates").
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import type { EraName } from "../../src/linux/eras/profiles.js";
import { EFAULT, EINTR, EINVAL } from "../../src/linux/include/errno.js";
import { SIG_BLOCK, SIGCHLD, SIGCONT, SIGKILL, SIGSTOP, SIGUSR1 } from "../../src/linux/include/signal.js";
import { POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDNORM } from "../../src/linux/include/uapi/poll.js";
import { CLONE_PIDFD } from "../../src/linux/include/uapi/sched.js";
import { P_PIDFD, WEXITED } from "../../src/linux/include/uapi/wait.js";
import { PIDFD_THREAD } from "../../src/linux/kernel/sys.js";
import type { User } from "../../src/user/user.js";
import { runRecording } from "../helpers.js";

type Rec = (k: string, v: number) => void;
function run(body: (u: User, shared: number, rec: Rec) => UGen<void>, kernel?: EraName) {
  return runRecording((u, rec, shared) => body(u, shared, rec), kernel === undefined ? {} : { kernel }).seen;
}

/** A child that sleeps `us` and then exits with `code` (it never returns to the caller). */
function* child(u: User, us: number, code: number): UGen<never> {
  if (us > 0) yield* u.libc.usleep(us);
  for (;;) yield* u.sys.exit_group(code);
}

/** A struct pollfd array on the stack: each { fd, events }, revents cleared. */
function* pollfds(u: User, entries: readonly [number, number][]): UGen<number> {
  const a = u.alloca(8 * entries.length);
  for (const [i, [fd, events]] of entries.entries()) {
    yield* u.store(a + 8 * i, fd);
    yield* u.store(a + 8 * i + 4, events);
    yield* u.store(a + 8 * i + 6, 0);
  }
  return a;
}
function* revents(u: User, a: number, i = 0): UGen<number> {
  return (yield* u.load(a + 8 * i + 6)) as number;
}
function* now(u: User): UGen<number> {
  const tp = u.alloca(16);
  yield* u.sys.clock_gettime(1, tp);
  return ((yield* u.load(tp)) as number) * 1e9 + ((yield* u.load(tp + 8)) as number);
}

describe("poll on a pidfd", () => {
  it("blocks until the child exits, then reports POLLIN; once reaped, POLLIN|POLLHUP (pidfd_poll_test.c, pidfd_open(2))", () => {
    const got = run(function* (u, _s, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) yield* child(u, 20_000, 3);
      const fd = yield* u.sys.pidfd_open(pid, 0);
      const a = yield* pollfds(u, [[fd, POLLIN]]);
      const t0 = yield* now(u);
      rec("poll", yield* u.sys.poll(a, 1, -1));
      rec("waited 20ms", (yield* now(u)) - t0 >= 20e6 ? 1 : 0);
      rec("revents", yield* revents(u, a));
      // Still a zombie: readable again at once.
      rec("again", yield* u.sys.poll(a, 1, 0));
      rec("zombie revents", yield* revents(u, a));
      const info = u.alloca(128);
      rec("reap", (yield* u.sys.waitid(P_PIDFD, fd, info, WEXITED)) === 0 ? 1 : 0);
      rec("reaped", yield* u.sys.poll(a, 1, 0));
      rec("reaped revents", yield* revents(u, a));
    });
    expect(got).toEqual({
      poll: 1,
      "waited 20ms": 1,
      revents: POLLIN,
      again: 1,
      "zombie revents": POLLIN,
      reap: 1,
      reaped: 1,
      // POLLHUP is reported even though not asked for; POLLRDNORM only when asked.
      "reaped revents": POLLIN | POLLHUP,
    });
  });

  it("reports only what was asked for, plus POLLHUP/POLLERR: a zombie's pidfd, and the terminal (writable: POLLOUT|POLLWRNORM, of which POLLOUT was asked) (poll(2))", () => {
    const got = run(function* (u, _s, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) yield* child(u, 0, 0);
      const fd = yield* u.sys.pidfd_open(pid, 0);
      yield* u.libc.usleep(5000);
      const a = yield* pollfds(u, [
        [fd, POLLIN | POLLRDNORM],
        [fd, POLLOUT],
        [1, POLLOUT | POLLIN],
      ]);
      rec("n", yield* u.sys.poll(a, 3, 0));
      rec("in", yield* revents(u, a, 0));
      rec("out only", yield* revents(u, a, 1));
      rec("tty", yield* revents(u, a, 2));
      yield* u.sys.kill(pid, SIGKILL);
    });
    expect(got).toEqual({ n: 2, in: POLLIN | POLLRDNORM, "out only": 0, tty: POLLOUT });
  });

  it("timeout 0 on a live child returns 0 at once; a 10 ms timeout expires after 10 ms (poll(2))", () => {
    const got = run(function* (u, _s, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) yield* child(u, 1_000_000, 0);
      const fd = yield* u.sys.pidfd_open(pid, 0);
      const a = yield* pollfds(u, [[fd, POLLIN]]);
      let t0 = yield* now(u);
      rec("nonblocking", yield* u.sys.poll(a, 1, 0));
      rec("at once", (yield* now(u)) - t0 < 1e6 ? 1 : 0);
      rec("revents", yield* revents(u, a));
      t0 = yield* now(u);
      rec("timed", yield* u.sys.poll(a, 1, 10));
      const took = (yield* now(u)) - t0;
      rec("10ms", took >= 10e6 && took < 11e6 ? 1 : 0);
      t0 = yield* now(u);
      rec("ppoll", yield* u.sys.ppoll(a, 1, { tv_sec: 0, tv_nsec: 3_000_000 }));
      rec("3ms", (yield* now(u)) - t0 >= 3e6 ? 1 : 0);
      rec("ppoll bad ts", yield* u.sys.ppoll(a, 1, { tv_sec: 0, tv_nsec: 1e9 }));
      yield* u.sys.kill(pid, SIGKILL);
    });
    expect(got).toEqual({
      nonblocking: 0,
      "at once": 1,
      revents: 0,
      timed: 0,
      "10ms": 1,
      ppoll: 0,
      "3ms": 1,
      "ppoll bad ts": -EINVAL,
    });
  });

  it("a caught signal interrupts a blocked poll with -EINTR, with or without a timeout (poll(2) EINTR)", () => {
    const got = run(function* (u, _s, rec) {
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: 2 });
      const me = yield* u.sys.getpid();
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.libc.usleep(5000);
        yield* u.sys.kill(me, SIGUSR1);
        yield* u.libc.usleep(5000);
        yield* u.sys.kill(me, SIGUSR1);
        yield* child(u, 1_000_000, 0);
      }
      const fd = yield* u.sys.pidfd_open(pid, 0);
      const a = yield* pollfds(u, [[fd, POLLIN]]);
      rec("forever", yield* u.sys.poll(a, 1, -1));
      const t0 = yield* now(u);
      rec("timed", yield* u.sys.poll(a, 1, 1000));
      rec("cut short", (yield* now(u)) - t0 < 10e6 ? 1 : 0);
      yield* u.sys.kill(pid, SIGKILL);
      rec("after kill", yield* u.sys.poll(a, 1, 1000));
      rec("revents", yield* revents(u, a));
    });
    expect(got).toEqual({ forever: -EINTR, timed: -EINTR, "cut short": 1, "after kill": 1, revents: POLLIN });
  });

  it("a stop and continue (no handler) does not end a timed poll: it goes on through restart_syscall for only the time left (do_restart_poll)", () => {
    const got = run(function* (u, _s, rec) {
      const me = yield* u.sys.getpid();
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.libc.usleep(5000);
        yield* u.sys.kill(me, SIGSTOP);
        yield* u.libc.usleep(5000);
        yield* u.sys.kill(me, SIGCONT);
        yield* child(u, 1_000_000, 0);
      }
      const fd = yield* u.sys.pidfd_open(pid, 0);
      const a = yield* pollfds(u, [[fd, POLLIN]]);
      const t0 = yield* now(u);
      rec("timed", yield* u.sys.poll(a, 1, 20));
      const took = (yield* now(u)) - t0;
      rec("20ms in all", took >= 20e6 && took < 21e6 ? 1 : 0);
      yield* u.sys.kill(pid, SIGKILL);
      rec("forever", yield* u.sys.poll(a, 1, -1));
    });
    expect(got).toEqual({ timed: 0, "20ms in all": 1, forever: 1 });
  });

  it("bad descriptors: a closed fd is POLLNVAL (counted), a negative one is skipped (revents 0) (poll(2))", () => {
    const got = run(function* (u, _s, rec) {
      const a = yield* pollfds(u, [
        [57, POLLIN],
        [-1, POLLIN],
        [-5, POLLOUT],
      ]);
      rec("n", yield* u.sys.poll(a, 3, 0));
      rec("closed", yield* revents(u, a, 0));
      rec("negative", yield* revents(u, a, 1));
      rec("negative2", yield* revents(u, a, 2));
    });
    expect(got).toEqual({ n: 1, closed: POLLNVAL, negative: 0, negative2: 0 });
  });

  it("-EFAULT for an unmapped array, -EINVAL for nfds over RLIMIT_NOFILE; nfds 0 just sleeps (poll(2) EFAULT, EINVAL)", () => {
    const got = run(function* (u, _s, rec) {
      rec("unmapped", yield* u.sys.poll(0x10, 1, 0));
      rec("too many", yield* u.sys.poll(0, 1025, 0));
      const t0 = yield* now(u);
      rec("none", yield* u.sys.poll(0, 0, 2));
      rec("slept", (yield* now(u)) - t0 >= 2e6 ? 1 : 0);
    });
    expect(got).toEqual({ unmapped: -EFAULT, "too many": -EINVAL, none: 0, slept: 1 });
  });
});

describe("poll on a pidfd of a thread group", () => {
  /** A child process whose leader exits first while a thread lives on for 20 ms; the shared word gets the thread's tid. */
  function* leaderFirst(u: User, shared: number): UGen<number> {
    const pid = yield* u.sys.fork();
    if (pid === 0) {
      yield* u.libc.pthread_create(
        0,
        null,
        function* (t) {
          yield* t.store(shared, yield* t.sys.gettid());
          yield* t.libc.usleep(20_000);
          return 0;
        },
        null,
      );
      for (;;) yield* u.sys.exit(0); // the leader leaves first
    }
    yield* u.libc.usleep(2000);
    return pid;
  }

  it("6.19: a leader that exited while its thread runs is not readable, for either flag, until the group has exited (pidfd_test.c test_pidfd_poll_leader_exit)", () => {
    const got = run(function* (u, shared, rec) {
      const pid = yield* leaderFirst(u, shared);
      const fd = yield* u.sys.pidfd_open(pid, 0);
      const tfd = yield* u.sys.pidfd_open(pid, PIDFD_THREAD);
      const a = yield* pollfds(u, [
        [fd, POLLIN],
        [tfd, POLLIN],
      ]);
      rec("early", yield* u.sys.poll(a, 2, 0));
      const t0 = yield* now(u);
      rec("group", yield* u.sys.poll(a, 2, -1));
      rec("waited", (yield* now(u)) - t0 >= 15e6 ? 1 : 0);
      rec("fd", yield* revents(u, a, 0));
      rec("tfd", yield* revents(u, a, 1));
    });
    expect(got).toEqual({ early: 0, group: 2, waited: 1, fd: POLLIN, tfd: POLLIN });
  });

  it("a PIDFD_THREAD pidfd of a non-leader thread becomes readable when that thread exits (it is reaped at once: POLLIN|POLLHUP from 6.9)", () => {
    const got = run(function* (u, shared, rec) {
      yield* u.libc.pthread_create(
        0,
        null,
        function* (t) {
          yield* t.store(shared, yield* t.sys.gettid());
          yield* t.libc.usleep(10_000);
          return 0;
        },
        null,
      );
      yield* u.libc.usleep(1000);
      const tid = (yield* u.load(shared)) as number;
      const fd = yield* u.sys.pidfd_open(tid, PIDFD_THREAD);
      const a = yield* pollfds(u, [[fd, POLLIN]]);
      rec("live", yield* u.sys.poll(a, 1, 0));
      rec("exit", yield* u.sys.poll(a, 1, -1));
      rec("revents", yield* revents(u, a));
    });
    expect(got).toEqual({ live: 0, exit: 1, revents: POLLIN | POLLHUP });
  });
});

describe("ppoll's signal mask", () => {
  /** A sigset_t on the stack holding `sigs` (all below 32). */
  function* sigset(u: User, ...sigs: number[]): UGen<number> {
    const set = u.alloca(8);
    yield* u.store(
      set,
      sigs.reduce((m, s) => m | (1 << (s - 1)), 0),
    );
    yield* u.store(set + 4, 0);
    return set;
  }
  /** The caller's mask, low word. */
  function* blocked(u: User): UGen<number> {
    const old = u.alloca(8);
    yield* u.sys.rt_sigprocmask(SIG_BLOCK, 0, old);
    return (yield* u.load(old)) as number;
  }

  it("a signal blocked outside ppoll but not by its mask interrupts it (-EINTR), and the caller's mask is back afterwards (ppoll(2): the race-free wait)", () => {
    const got = run(function* (u, _s, rec) {
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: 2 });
      yield* u.sys.rt_sigprocmask(SIG_BLOCK, yield* sigset(u, SIGUSR1));
      const me = yield* u.sys.getpid();
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.libc.usleep(3000);
        yield* u.sys.kill(me, SIGUSR1);
        yield* child(u, 1_000_000, 0);
      }
      const fd = yield* u.sys.pidfd_open(pid, 0);
      const a = yield* pollfds(u, [[fd, POLLIN]]);
      rec("bad size", yield* u.sys.ppoll(a, 1, null, yield* sigset(u), 4));
      rec("unblocked", yield* u.sys.ppoll(a, 1, null, yield* sigset(u)));
      rec("mask after", yield* blocked(u));
      // Sent while blocked: pending until a ppoll that unblocks it, which returns at once.
      yield* u.sys.kill(me, SIGUSR1);
      rec("blocked one", yield* u.sys.ppoll(a, 1, { tv_sec: 0, tv_nsec: 1_000_000 }, yield* sigset(u, SIGUSR1)));
      rec("pending one", yield* u.sys.ppoll(a, 1, null, yield* sigset(u)));
      rec("mask at end", yield* blocked(u));
      yield* u.sys.kill(pid, SIGKILL);
    });
    expect(got).toEqual({
      "bad size": -EINVAL,
      unblocked: -EINTR,
      "mask after": 1 << (SIGUSR1 - 1),
      "blocked one": 0,
      "pending one": -EINTR,
      "mask at end": 1 << (SIGUSR1 - 1),
    });
  });
});

describe("poll on a CLONE_PIDFD pidfd", () => {
  it.each(["5.4", "6.19"] as const)(
    "%s: clone(CLONE_PIDFD) stores a pidfd that polls readable when the child exits (pidfd_poll_test.c)",
    (kernel) => {
      const got = run(function* (u, _s, rec) {
        const slot = u.alloca(8);
        const pid = yield* u.sys.clone(CLONE_PIDFD | SIGCHLD, 0, slot);
        if (pid === 0) yield* child(u, 3000, 0);
        const fd = (yield* u.load(slot)) as number;
        const a = yield* pollfds(u, [[fd, POLLIN]]);
        rec("live", yield* u.sys.poll(a, 1, 0));
        rec("exit", yield* u.sys.poll(a, 1, 5000));
        rec("revents", yield* revents(u, a));
        rec("reaped", (yield* u.sys.wait4(pid)) === pid ? 1 : 0);
      }, kernel);
      expect(got).toEqual({ live: 0, exit: 1, revents: POLLIN, reaped: 1 });
    },
  );
});

describe("poll on a pidfd in older releases", () => {
  it("5.10: readable on exit; no POLLHUP once reaped (added in 6.9)", () => {
    const got = run(function* (u, _s, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) yield* child(u, 2000, 0);
      const fd = yield* u.sys.pidfd_open(pid, 0);
      const a = yield* pollfds(u, [[fd, POLLIN]]);
      rec("exit", yield* u.sys.poll(a, 1, -1));
      rec("revents", yield* revents(u, a));
      const info = u.alloca(128);
      yield* u.sys.waitid(P_PIDFD, fd, info, WEXITED);
      rec("reaped", yield* u.sys.poll(a, 1, 0));
      rec("reaped revents", yield* revents(u, a));
    }, "5.10");
    expect(got).toEqual({ exit: 1, revents: POLLIN, reaped: 1, "reaped revents": POLLIN });
  });
});
