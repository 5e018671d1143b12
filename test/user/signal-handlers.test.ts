/**
 * Caught signals run their handler, as Linux 6.19 does (kernel/signal.c get_signal and
 * signal_delivered, arch/x86/kernel/signal.c handle_signal and setup_rt_frame,
 * signal_64.c rt_sigreturn). Each case names its source: LTP's
 * testcases/kernel/syscalls/sigaction/sigaction01.c and rt_sigaction01.c, the man pages
 * sigaction(2), signal(7) ("Interruption of system calls and library functions by signal
 * handlers"), wait(2), ppoll(2) / select_tut(2) (the pselect pattern), or the kernel
 * function it checks.
 */
import { describe, expect, it } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { ECHILD, EINTR } from "../../src/linux/include/errno.js";
import {
  CLD_EXITED,
  CLD_KILLED,
  HANDLER_TEXT,
  SA_NOCLDWAIT,
  SA_NODEFER,
  SA_RESETHAND,
  SA_RESTART,
  SA_SIGINFO,
  SI_TKILL,
  SI_USER,
  SIG_BLOCK,
  SIG_DFL,
  SIGCHLD,
  SIGKILL,
  SIGUSR1,
  SIGUSR2,
} from "../../src/linux/include/signal.js";
import { WNOHANG } from "../../src/linux/include/uapi/wait.js";
import { EXEC_LAYOUT } from "../../src/linux/mm/mm_types.js";
import type { Machine } from "../../src/machine.js";
import { machineFor, type RunResult, runMachine, runScenario, traceText } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { loadState, saveState } from "../../src/state/file.js";
import type { User } from "../../src/user/user.js";
import { runProgram, runRecording } from "../helpers.js";
import { bit, sigset } from "./sigsets.js";

const frames = runtimeName() === "frames";
/** si_code of sigqueue(3) (SI_QUEUE). */
const SI_QUEUE = -1;

/** A handler that forks; the child returns from it (top-level functions: the frames transform compiles them). */
function* forkingHandler(u: User): UGen<void> {
  const box = (yield* u.load(EXEC_LAYOUT.heap)) as number;
  const pid = yield* u.sys.fork();
  if (pid === 0) {
    yield* u.libc.puts(`child in handler, n = ${box}`);
    yield* u.store(EXEC_LAYOUT.heap, box + 1);
    return;
  }
  yield* u.sys.wait4(pid, 0, 0);
}

function* forkInHandler(u: User) {
  yield* u.store(EXEC_LAYOUT.heap, 1);
  yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: forkingHandler });
  const me = yield* u.sys.getpid();
  const k = yield* u.sys.kill(me, SIGUSR1);
  const who = (yield* u.sys.getpid()) === me ? "parent" : "child";
  const n = (yield* u.load(EXEC_LAYOUT.heap)) as number;
  yield* u.libc.puts(`${who} back: kill ${k}, blocked ${yield* blocked(u)}, n = ${n}`);
  return 0;
}

function run(body: (u: User, rec: (k: string, v: number | boolean) => void, shared: number) => UGen<void>) {
  return runRecording(body, {}).seen;
}

/** The low word of the caller's signal mask (rt_sigprocmask with no set only reads). */
function* blocked(u: User): UGen<number> {
  const old = u.alloca(8);
  yield* u.sys.rt_sigprocmask(SIG_BLOCK, 0, old);
  return (yield* u.load(old)) as number;
}

describe("a caught signal runs its handler", () => {
  it("sigaction01.c case 1: SA_RESETHAND|SA_SIGINFO: the handler runs before kill returns, with a siginfo; the action is SIG_DFL again but keeps SA_SIGINFO", () => {
    const seen = run(function* (u, rec) {
      let runs = 0;
      function* handler(hu: User, sig: number, info: number): UGen<void> {
        runs++;
        const old = hu.alloca(32);
        yield* hu.sys.rt_sigaction(SIGUSR1, null, old);
        rec("sig", sig);
        rec("handler in handler", (yield* hu.load(old)) as number);
        rec("SA_SIGINFO kept", (((yield* hu.load(old + 8)) as number) & SA_SIGINFO) !== 0);
        rec("si_signo", (yield* hu.load(info)) as number);
        rec("si_code", (yield* hu.load(info + 8)) as number);
        rec("si_pid is the sender", (yield* hu.load(info + 16)) === (yield* hu.sys.getpid()));
        rec("blocked in handler", yield* blocked(hu));
      }
      yield* u.libc.sigaction(SIGUSR1, { sa_handler: handler, sa_flags: SA_RESETHAND | SA_SIGINFO });
      rec("kill", yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1));
      rec("runs after kill", runs);
      rec("blocked after", yield* blocked(u));
    });
    expect(seen).toEqual({
      sig: SIGUSR1,
      "handler in handler": SIG_DFL,
      "SA_SIGINFO kept": true,
      si_signo: SIGUSR1,
      si_code: SI_USER,
      "si_pid is the sender": true,
      // sigaction01.c case 2: SA_RESETHAND does not imply SA_NODEFER in Linux.
      "blocked in handler": bit(SIGUSR1),
      kill: 0,
      "runs after kill": 1,
      "blocked after": 0,
    });
  });

  it("sigaction01.c case 4: tgkill (pthread_kill) gives the handler a siginfo too: SI_TKILL", () => {
    const seen = run(function* (u, rec) {
      function* handler(hu: User, _sig: number, info: number): UGen<void> {
        rec("si_code", (yield* hu.load(info + 8)) as number);
      }
      yield* u.sys.rt_sigaction(SIGUSR2, { sa_handler: handler, sa_flags: SA_SIGINFO });
      const me = yield* u.sys.getpid();
      rec("tgkill", yield* u.sys.tgkill(me, yield* u.sys.gettid(), SIGUSR2));
    });
    expect(seen).toEqual({ si_code: SI_TKILL, tgkill: 0 });
  });

  it("rt_sigaction01.c: the handler's address comes back at oldact, and installing it again by that address still runs it", () => {
    const seen = run(function* (u, rec) {
      let runs = 0;
      function* handler(): UGen<void> {
        runs++;
      }
      const old = u.alloca(32);
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: handler, sa_mask: bit(SIGUSR2) | bit(SIGKILL) });
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: SIG_DFL }, old);
      const addr = (yield* u.load(old)) as number;
      rec("address", addr);
      rec("mask (SIGKILL left out)", (yield* u.load(old + 24)) as number);
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: addr });
      yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1);
      rec("runs", runs);
    });
    expect(seen).toEqual({ address: HANDLER_TEXT, "mask (SIGKILL left out)": bit(SIGUSR2), runs: 1 });
  });
});

describe("the mask while a handler runs (signal_delivered)", () => {
  /** SIGUSR1's handler sends SIGUSR2 (and, once, SIGUSR1 again); the order things ran in. */
  function order(usr1: { sa_flags?: number; sa_mask?: number }) {
    const steps: string[] = [];
    run(function* (u) {
      let depth = 0;
      let entries = 0;
      function* h1(hu: User): UGen<void> {
        depth++;
        entries++;
        steps.push(`usr1 in (depth ${depth})`);
        const me = yield* hu.sys.getpid();
        yield* hu.sys.kill(me, SIGUSR2);
        if (entries === 1) yield* hu.sys.kill(me, SIGUSR1);
        steps.push("usr1 out");
        depth--;
      }
      function* h2(): UGen<void> {
        steps.push("usr2");
      }
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: h1, ...usr1 });
      yield* u.sys.rt_sigaction(SIGUSR2, { sa_handler: h2 });
      yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1);
      steps.push("main");
    });
    return steps;
  }

  it("sigaction(2): the signal itself is blocked during its handler (a second one waits), other signals interrupt it", () => {
    expect(order({})).toEqual([
      "usr1 in (depth 1)",
      "usr2",
      "usr1 out",
      "usr1 in (depth 1)",
      "usr2",
      "usr1 out",
      "main",
    ]);
  });

  it("sigaction(2) sa_mask: a signal in sa_mask waits until the handler returns", () => {
    expect(order({ sa_mask: bit(SIGUSR2) })).toEqual([
      "usr1 in (depth 1)",
      "usr1 out",
      // rt_sigreturn unblocks both: the lower number (SIGUSR1) is dequeued first, and
      // SIGUSR2 then interrupts its handler at its first call.
      "usr1 in (depth 1)",
      "usr1 out",
      "usr2",
      "main",
    ]);
  });

  it("sigaction(2) SA_NODEFER: the signal is not blocked during its own handler: it nests", () => {
    expect(order({ sa_flags: SA_NODEFER })).toEqual([
      "usr1 in (depth 1)",
      "usr2",
      "usr1 in (depth 2)",
      "usr2",
      "usr1 out",
      "usr1 out",
      "main",
    ]);
  });

  it("rt_sigreturn takes the mask back from the frame's uc_sigmask, which the handler may change (ucontext at the third argument, uc_sigmask at +296)", () => {
    const seen = run(function* (u, rec) {
      function* handler(hu: User, _sig: number, _info: number, uc: number): UGen<void> {
        yield* hu.store(uc + 296, bit(SIGUSR2));
      }
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: handler });
      yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1);
      rec("blocked after", yield* blocked(u));
    });
    expect(seen).toEqual({ "blocked after": bit(SIGUSR2) });
  });
});

describe("interrupted calls (signal(7))", () => {
  it("signal(7): a wait4 interrupted by a handler is -EINTR, or made again with SA_RESTART; the handler runs either way", () => {
    const got = (flags: number) =>
      run(function* (u, rec) {
        let runs = 0;
        function* handler(): UGen<void> {
          runs++;
        }
        yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: handler, sa_flags: flags });
        const pid = yield* u.sys.fork();
        if (pid === 0) {
          yield* u.sys.kill(yield* u.sys.getppid(), SIGUSR1);
          yield* u.libc.usleep(1000);
          for (;;) yield* u.sys.exit_group(6);
        }
        const st = u.alloca(8);
        const r = yield* u.sys.wait4(pid, st, 0);
        rec("wait4", r === pid ? ((yield* u.load(st)) as number) : r);
        rec("runs", runs);
        if (r < 0) yield* u.sys.wait4(pid, 0, 0);
      });
    expect(got(0)).toEqual({ wait4: -EINTR, runs: 1 });
    expect(got(SA_RESTART)).toEqual({ wait4: 6 << 8, runs: 1 });
  });

  it("signal(2) NOTES: glibc's signal() gives BSD semantics (SA_RESTART): waitpid goes on; with sigaction and no SA_RESTART it fails with EINTR", () => {
    const got = (bsd: boolean) =>
      run(function* (u, rec) {
        function* handler(): UGen<void> {}
        if (bsd) rec("old handler", yield* u.libc.signal(SIGUSR1, handler));
        else yield* u.libc.sigaction(SIGUSR1, { sa_handler: handler });
        const pid = yield* u.libc.fork();
        if (pid === 0) {
          yield* u.libc.kill(yield* u.libc.getppid(), SIGUSR1);
          yield* u.libc.usleep(1000);
          return yield* u.libc.exit(3);
        }
        const r = yield* u.libc.waitpid(pid, 0, 0);
        rec("waitpid is the pid", r === pid);
        rec("waitpid", r);
        rec("errno", u.errno);
        if (r < 0) yield* u.libc.waitpid(pid, 0, 0);
      });
    expect(got(true)).toMatchObject({ "old handler": SIG_DFL, "waitpid is the pid": true, errno: 0 });
    expect(got(false)).toEqual({ "waitpid is the pid": false, waitpid: -1, errno: EINTR });
  });

  it("signal(7): nanosleep is never restarted after a handler (-EINTR); a compute goes on after it to its end", () => {
    const seen = run(function* (u, rec) {
      let runs = 0;
      function* handler(): UGen<void> {
        runs++;
      }
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: handler, sa_flags: SA_RESTART });
      const parent = yield* u.sys.getpid();
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.libc.usleep(1000);
        yield* u.sys.kill(parent, SIGUSR1);
        yield* u.libc.usleep(10_000);
        yield* u.sys.kill(parent, SIGUSR1);
        for (;;) yield* u.sys.exit_group(0);
      }
      rec("nanosleep", yield* u.sys.nanosleep({ tv_sec: 1, tv_nsec: 0 }));
      const t0 = yield* u.libc.now();
      rec("compute", yield* u.compute(20_000_000));
      rec("computed at least 20 ms", (yield* u.libc.now()) - t0 >= 20_000_000);
      rec("runs", runs);
      yield* u.sys.wait4(pid, 0, 0);
    });
    expect(seen).toEqual({ nanosleep: -EINTR, compute: 0, "computed at least 20 ms": true, runs: 2 });
  });

  it("ppoll(2) / select_tut(2): a signal ppoll's mask lets through runs its handler under that mask; ppoll is -EINTR and the caller's mask is back after", () => {
    const seen = run(function* (u, rec) {
      function* handler(hu: User): UGen<void> {
        rec("blocked in handler", yield* blocked(hu));
      }
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: handler });
      yield* u.sys.rt_sigprocmask(SIG_BLOCK, yield* sigset(u, SIGUSR1, SIGUSR2));
      yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1); // pending, blocked
      const during = yield* sigset(u, SIGUSR2); // ppoll lets SIGUSR1 in
      rec("ppoll", yield* u.sys.ppoll(0, 0, null, during));
      rec("blocked after", yield* blocked(u));
    });
    expect(seen).toEqual({
      "blocked in handler": bit(SIGUSR1) | bit(SIGUSR2),
      ppoll: -EINTR,
      "blocked after": bit(SIGUSR1) | bit(SIGUSR2),
    });
  });
});

describe("SIGCHLD handlers", () => {
  it("wait(2) NOTES, the classic reaper: a SIGCHLD handler reaps with waitpid(-1, WNOHANG) in a loop; signals merge, no child is lost", () => {
    const seen = run(function* (u, rec) {
      let reaped = 0;
      let calls = 0;
      function* reaper(hu: User): UGen<void> {
        calls++;
        while ((yield* hu.sys.wait4(-1, 0, WNOHANG)) > 0) reaped++;
      }
      yield* u.libc.signal(SIGCHLD, reaper);
      for (let i = 0; i < 3; i++) {
        const pid = yield* u.sys.fork();
        if (pid === 0) {
          yield* u.libc.usleep(1000 * (i + 1));
          for (;;) yield* u.sys.exit_group(i);
        }
      }
      while (reaped < 3) yield* u.sys.nanosleep({ tv_sec: 0, tv_nsec: 1_000_000 });
      rec("reaped", reaped);
      rec("handler ran", calls >= 1 && calls <= 3);
      rec("wait4 after", yield* u.sys.wait4(-1, 0, 0));
    });
    expect(seen).toEqual({ reaped: 3, "handler ran": true, "wait4 after": -ECHILD });
  });

  it("sigaction(2) SA_SIGINFO for SIGCHLD: si_code CLD_EXITED with the exit status, CLD_KILLED with the signal; si_pid the child", () => {
    const seen = run(function* (u, rec) {
      let n = 0;
      function* handler(hu: User, _sig: number, info: number): UGen<void> {
        n++;
        rec(`si_code ${n}`, (yield* hu.load(info + 8)) as number);
        rec(`si_pid ${n}`, (yield* hu.load(info + 16)) as number);
        rec(`si_status ${n}`, (yield* hu.load(info + 24)) as number);
      }
      yield* u.sys.rt_sigaction(SIGCHLD, { sa_handler: handler, sa_flags: SA_SIGINFO });
      const a = yield* u.sys.fork();
      if (a === 0) for (;;) yield* u.sys.exit_group(7);
      yield* u.sys.wait4(a, 0, 0);
      const b = yield* u.sys.fork();
      if (b === 0) for (;;) yield* u.sys.nanosleep({ tv_sec: 1, tv_nsec: 0 });
      yield* u.sys.kill(b, SIGKILL);
      while ((yield* u.sys.wait4(b, 0, 0)) === -EINTR);
      rec("a", a);
      rec("b", b);
    });
    expect(seen).toMatchObject({
      "si_code 1": CLD_EXITED,
      "si_status 1": 7,
      "si_code 2": CLD_KILLED,
      "si_status 2": SIGKILL,
    });
    expect([seen["si_pid 1"], seen["si_pid 2"]]).toEqual([seen.a, seen.b]);
  });

  it("sigaction(2) SA_NOCLDWAIT: the handler still runs, and wait4 is -ECHILD (the child was reaped at once)", () => {
    const seen = run(function* (u, rec) {
      let runs = 0;
      function* handler(): UGen<void> {
        runs++;
      }
      yield* u.sys.rt_sigaction(SIGCHLD, { sa_handler: handler, sa_flags: SA_NOCLDWAIT });
      const pid = yield* u.sys.fork();
      if (pid === 0) for (;;) yield* u.sys.exit_group(0);
      rec("sleep", yield* u.sys.nanosleep({ tv_sec: 1, tv_nsec: 0 }));
      rec("runs", runs);
      rec("wait4", yield* u.sys.wait4(pid, 0, 0));
    });
    expect(seen).toEqual({ sleep: -EINTR, runs: 1, wait4: -ECHILD });
  });
});

describe("handlers and fork", () => {
  it.runIf(frames)(
    "fork(2): a fork inside a handler copies the handler's frame too: the child returns from the handler into its own copy of the program",
    () => {
      const r = runProgram(forkInHandler);
      expect(r.reports).toEqual([]);
      expect(r.tty).toEqual([
        "child in handler, n = 1",
        "child back: kill 0, blocked 0, n = 2",
        "parent back: kill 0, blocked 0, n = 1",
      ]);
    },
  );

  it.runIf(!frames)(
    "a fork inside a handler of a program that cannot be copied is reported (it cannot be replayed)",
    () => {
      const r = runProgram(forkInHandler);
      expect(r.reports.map((x) => x.title)).toContainEqual(expect.stringMatching(/forked in a signal handler/));
    },
  );

  it("fork(2): the child inherits the handlers, and they run in it", () => {
    const seen = run(function* (u, rec, shared) {
      function* handler(hu: User): UGen<void> {
        yield* hu.store(shared, yield* hu.sys.getpid());
      }
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: handler });
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.sys.kill(yield* u.sys.getpid(), SIGUSR1);
        for (;;) yield* u.sys.exit_group(0);
      }
      yield* u.sys.wait4(pid, 0, 0);
      rec("the handler ran in the child", (yield* u.load(shared)) === pid);
    });
    expect(seen).toEqual({ "the handler ran in the child": true });
  });
});

describe.runIf(frames)("handlers and saved states", () => {
  const s = findScenario("sigchld-reaper") as Scenario;
  const shown = (r: RunResult) => ({
    trace: traceText(r),
    tty: r.machine.kernel.tty.map((l) => l.text),
    hash: r.machine.hash(),
  });

  it("sigchld-reaper: a state saved while its handler runs (the frame, the queued siginfo) loads and runs on as the uninterrupted run", () => {
    const want = shown(runScenario(s, { cpus: 2, seed: 1 }));
    const inHandler = (m: Machine) => m.tasks().some((t) => (t.user?.frames.length ?? 0) > 0);
    // Where the handler runs, found rather than pinned (every 10 steps): a timing change moves it.
    const scan = machineFor(s, { cpus: 2, seed: 1 });
    const during: number[] = [];
    while (scan.run({ maxSteps: 10, until: 10e9 }) === "steps") if (inHandler(scan)) during.push(scan.engine.steps);
    expect(during.length).toBeGreaterThan(3);
    const first = during[0] as number;
    const last = during[during.length - 1] as number;
    const inside = [first, during[during.length >> 2], during[during.length >> 1], last] as number[];
    for (const n of [first - 500, ...inside, last + 100]) {
      const m = machineFor(s, { cpus: 2, seed: 1 });
      m.run({ maxSteps: n, until: 10e9 });
      expect(inHandler(m), `step ${n} in the handler`).toBe(inside.includes(n));
      const loaded = loadState(saveState(m));
      expect(shown(runMachine(s, loaded, { cpus: 2, seed: 1 })), `step ${n}`).toEqual(want);
    }
  });
});

describe("pidfd_send_signal's siginfo", () => {
  it("pidfd_send_signal(2) (as rt_sigqueueinfo(2)): the siginfo the caller gives for its own process is what the handler gets", () => {
    const seen = run(function* (u, rec) {
      function* handler(hu: User, _sig: number, info: number): UGen<void> {
        rec("si_code", (yield* hu.load(info + 8)) as number);
        rec("si_pid", (yield* hu.load(info + 16)) as number);
      }
      yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: handler, sa_flags: SA_SIGINFO });
      const fd = yield* u.sys.pidfd_open(yield* u.sys.getpid(), 0);
      const si = u.alloca(128);
      yield* u.store(si, SIGUSR1);
      yield* u.store(si + 8, SI_QUEUE);
      yield* u.store(si + 16, 4242);
      rec("sent", yield* u.sys.pidfd_send_signal(fd, SIGUSR1, si, 0));
    });
    expect(seen).toEqual({ si_code: SI_QUEUE, si_pid: 4242, sent: 0 });
  });
});
