/**
 * Blocked signals and signal flags as Linux 6.19 has them (kernel/signal.c rt_sigprocmask,
 * sigpending, sig_ignored, complete_signal/wants_signal, do_notify_parent; the x86 signal
 * code's SA_RESTART): each case names its source, LTP's
 * testcases/kernel/syscalls/rt_sigprocmask/rt_sigprocmask0{1,2}.c, the man pages
 * sigprocmask(2), sigpending(2), sigaction(2), fork(2), or the kernel function it checks.
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { ECHILD, EFAULT, EINTR, EINVAL } from "../../src/linux/include/errno.js";
import {
  SA_NOCLDSTOP,
  SA_NOCLDWAIT,
  SA_RESTART,
  SIG_BLOCK,
  SIG_IGN,
  SIG_SETMASK,
  SIG_UNBLOCK,
  SIGCHLD,
  SIGCONT,
  SIGKILL,
  SIGSTOP,
  SIGTERM,
  SIGUSR1,
  SIGUSR2,
} from "../../src/linux/include/signal.js";
import { WUNTRACED } from "../../src/linux/include/uapi/wait.js";
import { EXEC_LAYOUT } from "../../src/linux/mm/mm_types.js";
import { WIFSTOPPED } from "../../src/scenarios/user-program.js";
import type { User, UserMain } from "../../src/user/user.js";
import { runRecording } from "../helpers.js";
import { bit, sigset } from "./sigsets.js";

/** An address nothing is mapped at. */
const BAD = 0x10;

function run(
  body: (u: User, rec: (k: string, v: number | boolean) => void) => UGen<void>,
  programs: Record<string, UserMain> = {},
) {
  return runRecording(body, { programs }).seen;
}

/** The low word of the sigset_t at `set`. */
function* low(u: User, set: number): UGen<number> {
  return (yield* u.load(set)) as number;
}

/** wait4(pid, &status, options): the status, or the negative result. */
function* wait4Status(u: User, pid: number, options = 0): UGen<number> {
  const st = u.alloca(8);
  const r = yield* u.sys.wait4(pid, st, options);
  return r === pid ? ((yield* u.load(st)) as number) : r;
}

describe("rt_sigprocmask and rt_sigpending", () => {
  it("rt_sigprocmask01.c: a blocked signal stays pending (rt_sigpending shows it) and takes effect when unblocked", () => {
    const seen = run(function* (u, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        const set = yield* sigset(u, SIGUSR1);
        yield* u.sys.rt_sigprocmask(SIG_BLOCK, set);
        yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1);
        const pend = u.alloca(8);
        yield* u.sys.rt_sigpending(pend);
        // Still alive: a wrong pending set ends it with 101 before it unblocks.
        if ((yield* low(u, pend)) !== bit(SIGUSR1)) for (;;) yield* u.sys.exit_group(101);
        yield* u.sys.rt_sigprocmask(SIG_UNBLOCK, set);
        for (;;) yield* u.sys.exit_group(100);
      }
      rec("status", yield* wait4Status(u, pid));
    });
    // Killed by SIGUSR1 when it was unblocked (the default action), not exited with 100.
    expect(seen).toEqual({ status: SIGUSR1 });
  });

  it("rt_sigprocmask02.c and sigprocmask(2): -EINVAL for a sigsetsize other than 8 or a bad how, -EFAULT for an unmapped set or oldset", () => {
    const seen = run(function* (u, rec) {
      const set = yield* sigset(u, SIGUSR1);
      rec("sigsetsize 4", yield* u.sys.rt_sigprocmask(SIG_BLOCK, set, 0, 4));
      rec("how 3", yield* u.sys.rt_sigprocmask(3, set, 0));
      rec("bad set", yield* u.sys.rt_sigprocmask(SIG_BLOCK, BAD, 0));
      rec("bad oldset", yield* u.sys.rt_sigprocmask(SIG_BLOCK, 0, BAD));
      rec("pending size 9", yield* u.sys.rt_sigpending(set, 9));
      rec("pending bad", yield* u.sys.rt_sigpending(BAD));
      const old = u.alloca(8);
      yield* u.sys.rt_sigprocmask(SIG_BLOCK, 0, old);
      rec("unchanged", yield* low(u, old));
    });
    expect(seen).toEqual({
      "sigsetsize 4": -EINVAL,
      "how 3": -EINVAL,
      "bad set": -EFAULT,
      "bad oldset": -EFAULT,
      "pending size 9": -EINVAL,
      "pending bad": -EFAULT,
      unchanged: 0,
    });
  });

  it("sigprocmask(2): SIG_BLOCK adds, SIG_UNBLOCK removes, SIG_SETMASK replaces; SIGKILL and SIGSTOP are silently left out", () => {
    const seen = run(function* (u, rec) {
      const old = u.alloca(8);
      yield* u.sys.rt_sigprocmask(SIG_BLOCK, yield* sigset(u, SIGUSR1, SIGKILL));
      yield* u.sys.rt_sigprocmask(SIG_BLOCK, yield* sigset(u, SIGUSR2, SIGSTOP), old);
      rec("after first", yield* low(u, old));
      yield* u.sys.rt_sigprocmask(SIG_UNBLOCK, yield* sigset(u, SIGUSR1), old);
      rec("after second", yield* low(u, old));
      yield* u.sys.rt_sigprocmask(SIG_SETMASK, yield* sigset(u, SIGTERM), old);
      rec("after unblock", yield* low(u, old));
      yield* u.sys.rt_sigprocmask(SIG_SETMASK, 0, old);
      rec("now", yield* low(u, old));
    });
    expect(seen).toEqual({
      "after first": bit(SIGUSR1),
      "after second": bit(SIGUSR1) + bit(SIGUSR2),
      "after unblock": bit(SIGUSR2),
      now: bit(SIGTERM),
    });
  });

  it("kernel/signal.c sig_ignored: a blocked signal is queued even when its handler ignores it", () => {
    const seen = run(function* (u, rec) {
      yield* u.sys.rt_sigaction(SIGUSR2, { sa_handler: SIG_IGN });
      yield* u.sys.rt_sigprocmask(SIG_BLOCK, yield* sigset(u, SIGUSR2));
      yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR2);
      const pend = u.alloca(8);
      yield* u.sys.rt_sigpending(pend);
      rec("pending", yield* low(u, pend));
    });
    expect(seen).toEqual({ pending: bit(SIGUSR2) });
  });

  it("fork(2), sigpending(2): the child inherits the mask but starts with nothing pending; execve keeps both", () => {
    const second: UserMain = function* (u) {
      const mask = u.alloca(8);
      const pend = u.alloca(8);
      yield* u.sys.rt_sigprocmask(SIG_BLOCK, 0, mask);
      yield* u.sys.rt_sigpending(pend);
      // 1: SIGUSR1 still blocked; 2: SIGUSR1 still pending.
      return ((yield* low(u, mask)) === bit(SIGUSR1) ? 1 : 0) + ((yield* low(u, pend)) === bit(SIGUSR1) ? 2 : 0);
    };
    const seen = run(
      function* (u, rec) {
        yield* u.sys.rt_sigprocmask(SIG_BLOCK, yield* sigset(u, SIGUSR1));
        yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1);
        const pid = yield* u.sys.fork();
        if (pid === 0) {
          const mask = u.alloca(8);
          const pend = u.alloca(8);
          yield* u.sys.rt_sigprocmask(SIG_BLOCK, 0, mask);
          yield* u.sys.rt_sigpending(pend);
          const m = yield* low(u, mask);
          const p = yield* low(u, pend);
          for (;;) yield* u.sys.exit_group((m === bit(SIGUSR1) ? 1 : 0) + (p === 0 ? 2 : 0));
        }
        rec("fork child", (yield* wait4Status(u, pid)) >> 8);
        const pid2 = yield* u.sys.fork();
        if (pid2 === 0) {
          yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1);
          yield* u.sys.execve("/bin/second", ["second"]);
          for (;;) yield* u.sys.exit_group(99);
        }
        rec("exec'd child", (yield* wait4Status(u, pid2)) >> 8);
        const pend = u.alloca(8);
        yield* u.sys.rt_sigpending(pend);
        rec("parent pending", yield* low(u, pend));
      },
      { "/bin/second": second },
    );
    expect(seen).toEqual({ "fork child": 3, "exec'd child": 3, "parent pending": bit(SIGUSR1) });
  });

  it("complete_signal: a signal for the process goes to a thread that does not block it (its sleep is interrupted, the blocking thread's is not)", () => {
    const seen = run(function* (u, rec) {
      const W = EXEC_LAYOUT.heap;
      yield* u.store(W, 0);
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: 2 });
      yield* u.sys.rt_sigprocmask(SIG_BLOCK, yield* sigset(u, SIGUSR1));
      const th = u.alloca(8);
      yield* u.libc.pthread_create(
        th,
        null,
        function* (t) {
          // A new thread inherits the mask: it unblocks SIGUSR1 for itself.
          const set = t.alloca(8);
          yield* t.store(set, bit(SIGUSR1));
          yield* t.store(set + 4, 0);
          yield* t.sys.rt_sigprocmask(SIG_UNBLOCK, set);
          yield* t.store(W, yield* t.sys.nanosleep({ tv_sec: 1, tv_nsec: 0 }));
          return 0;
        },
        null,
      );
      yield* u.libc.usleep(1000);
      yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1);
      rec("main sleep", yield* u.sys.nanosleep({ tv_sec: 0, tv_nsec: 2_000_000 }));
      yield* u.libc.pthread_join((yield* u.load(th)) as number);
      rec("thread sleep", (yield* u.load(W)) as number);
    });
    expect(seen).toEqual({ "main sleep": 0, "thread sleep": -EINTR });
  });

  it("wants_signal: a fatal signal to a stopped process waits until SIGCONT, then kills it", () => {
    const seen = run(function* (u, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.sys.kill(yield* u.sys.getpid(), SIGSTOP);
        for (;;) yield* u.sys.exit_group(0);
      }
      rec("stopped", WIFSTOPPED(yield* wait4Status(u, pid, WUNTRACED)));
      yield* u.sys.kill(pid, SIGTERM);
      yield* u.libc.usleep(1000);
      rec("still there", yield* wait4Status(u, pid, 1)); // WNOHANG
      yield* u.sys.kill(pid, SIGCONT);
      rec("killed", yield* wait4Status(u, pid));
    });
    expect(seen).toEqual({ stopped: true, "still there": 0, killed: SIGTERM });
  });
});

describe("sa_flags", () => {
  it("sigaction(2) SA_RESTART: a wait interrupted by a caught signal is made again instead of -EINTR", () => {
    const got = (flags: number) =>
      run(function* (u, rec) {
        yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: 2, sa_flags: flags });
        const pid = yield* u.sys.fork();
        if (pid === 0) {
          yield* u.sys.kill(yield* u.sys.getppid(), SIGUSR1);
          yield* u.libc.usleep(1000);
          for (;;) yield* u.sys.exit_group(6);
        }
        const r = yield* wait4Status(u, pid);
        rec("wait4", r);
        if (r < 0) yield* wait4Status(u, pid);
      });
    expect(got(0)).toEqual({ wait4: -EINTR });
    expect(got(SA_RESTART)).toEqual({ wait4: 6 << 8 });
  });

  it("sigaction(2) SA_NOCLDSTOP: no SIGCHLD when a child stops or continues (its exit still sends one)", () => {
    const got = (flags: number) =>
      run(function* (u, rec) {
        yield* u.sys.rt_sigaction(SIGCHLD, { sa_handler: 2, sa_flags: flags });
        const pid = yield* u.sys.fork();
        if (pid === 0) {
          yield* u.sys.kill(yield* u.sys.getpid(), SIGSTOP);
          for (;;) yield* u.sys.exit_group(0);
        }
        rec("sleep", yield* u.sys.nanosleep({ tv_sec: 0, tv_nsec: 5_000_000 }));
        yield* wait4Status(u, pid, WUNTRACED);
        yield* u.sys.kill(pid, SIGCONT);
        let st = -EINTR;
        while (st === -EINTR) st = yield* wait4Status(u, pid);
      });
    expect(got(SA_NOCLDSTOP)).toEqual({ sleep: 0 });
    expect(got(0)).toEqual({ sleep: -EINTR });
  });

  it("sigaction(2) SA_NOCLDWAIT: children are reaped at once (wait4 is -ECHILD), and a handler still gets SIGCHLD", () => {
    const seen = run(function* (u, rec) {
      yield* u.sys.rt_sigaction(SIGCHLD, { sa_handler: 2, sa_flags: SA_NOCLDWAIT });
      const pid = yield* u.sys.fork();
      if (pid === 0) for (;;) yield* u.sys.exit_group(0);
      rec("sleep", yield* u.sys.nanosleep({ tv_sec: 1, tv_nsec: 0 }));
      rec("wait4", yield* u.sys.wait4(pid, 0, 0));
    });
    expect(seen).toEqual({ sleep: -EINTR, wait4: -ECHILD });
  });

  it("rt_sigaction: the old handler and its flags come back at oldact and oldact + 8; unknown flag bits are cleared", () => {
    const seen = run(function* (u, rec) {
      const old = u.alloca(32);
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: 5, sa_flags: SA_RESTART | 0x100 });
      rec("set", yield* u.sys.rt_sigaction(SIGUSR1, null, old));
      rec("handler", (yield* u.load(old)) as number);
      rec("flags", (yield* u.load(old + 8)) as number);
      rec("sigsetsize", yield* u.sys.rt_sigaction(SIGUSR1, null, old, 4));
      rec("SIGKILL", yield* u.sys.rt_sigaction(SIGKILL, { sa_handler: 2 }));
    });
    expect(seen).toEqual({ set: 0, handler: 5, flags: SA_RESTART, sigsetsize: -EINVAL, SIGKILL: -EINVAL });
  });
});
