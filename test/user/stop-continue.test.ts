/**
 * Job control as Linux 6.19 has it (kernel/signal.c prepare_signal, do_signal_stop,
 * do_notify_parent_cldstop; kernel/exit.c wait_task_stopped, wait_task_continued): a stop
 * signal stops the whole thread group (T), SIGCONT continues it whatever its handler, and
 * the parent sees both through wait4 (WUNTRACED, WCONTINUED) and waitid (WSTOPPED,
 * WCONTINUED, WNOWAIT). Each case names its source: the kernel's selftest
 * tools/testing/selftests/pidfd/pidfd_wait.c, the man pages wait(2) and signal(7), or the
 * kernel function whose rule it checks.
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { ECHILD, EINTR } from "../../src/linux/include/errno.js";
import {
  CLD_CONTINUED,
  CLD_KILLED,
  CLD_STOPPED,
  SIG_IGN,
  SIGCHLD,
  SIGCONT,
  SIGKILL,
  SIGSTOP,
  SIGTSTP,
  SIGTTIN,
  SIGTTOU,
} from "../../src/linux/include/signal.js";
import {
  P_PID,
  P_PIDFD,
  WCONTINUED,
  WEXITED,
  WNOHANG,
  WNOWAIT,
  WSTOPPED,
  WUNTRACED,
} from "../../src/linux/include/uapi/wait.js";
import { psRows, traceText } from "../../src/run.js";
import { WEXITSTATUS, WIFCONTINUED, WIFSTOPPED, WSTOPSIG } from "../../src/scenarios/user-program.js";
import type { User } from "../../src/user/user.js";
import { runProgram, runRecording } from "../helpers.js";

/** Runs `body` as the program; what the original process recorded, and the run. */
function run(body: (u: User, rec: (k: string, v: number | boolean) => void) => UGen<void>) {
  return runRecording(body);
}

/** waitid(idtype, id, info, options): its result and the siginfo's si_code, si_pid, si_status. */
function* waitInfo(
  u: User,
  idtype: number,
  id: number,
  options: number,
): UGen<{ ret: number; code: number; pid: number; status: number }> {
  const info = u.alloca(128);
  const ret = yield* u.sys.waitid(idtype, id, info, options);
  const at = function* (off: number) {
    return (yield* u.load(info + off)) as number;
  };
  return { ret, code: yield* at(8), pid: yield* at(16), status: yield* at(24) };
}

/** wait4(pid, &status, options): the status (or the negative result). */
function* wait4Status(u: User, pid: number, options: number): UGen<number> {
  const st = u.alloca(8);
  const r = yield* u.sys.wait4(pid, st, options);
  return r === pid ? ((yield* u.load(st)) as number) : r;
}

/** Forks a child that sleeps 5 ms and exits 0; returns its pid 1 ms later. */
function* sleeper(u: User): UGen<number> {
  const pid = yield* u.sys.fork();
  if (pid === 0) {
    yield* u.libc.usleep(5000);
    for (;;) yield* u.sys.exit_group(0);
  }
  yield* u.libc.usleep(1000);
  return pid;
}

describe("stop and continue, seen by the parent", () => {
  it("pidfd_wait.c wait_states: stopped (CLD_STOPPED, SIGSTOP), continued (CLD_CONTINUED, SIGCONT), stopped again (WUNTRACED), killed", () => {
    const { seen } = run(function* (u, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.sys.kill(yield* u.sys.getpid(), SIGSTOP);
        yield* u.libc.usleep(1000);
        yield* u.sys.kill(yield* u.sys.getpid(), SIGSTOP);
        for (;;) yield* u.sys.exit_group(0);
      }
      const fd = yield* u.sys.pidfd_open(pid, 0);
      const stopped = yield* waitInfo(u, P_PIDFD, fd, WSTOPPED);
      rec("stopped", stopped.ret === 0 && stopped.pid === pid);
      rec("stopped code", stopped.code);
      rec("stopped status", stopped.status);
      rec("SIGCONT", yield* u.sys.kill(pid, SIGCONT));
      const cont = yield* waitInfo(u, P_PIDFD, fd, WCONTINUED);
      rec("continued code", cont.code);
      rec("continued status", cont.status);
      const again = yield* waitInfo(u, P_PIDFD, fd, WUNTRACED);
      rec("again code", again.code);
      rec("SIGKILL", yield* u.sys.kill(pid, SIGKILL));
      const dead = yield* waitInfo(u, P_PIDFD, fd, WEXITED);
      rec("dead code", dead.code);
      rec("dead status", dead.status);
    });
    expect(seen).toEqual({
      stopped: true,
      "stopped code": CLD_STOPPED,
      "stopped status": SIGSTOP,
      SIGCONT: 0,
      "continued code": CLD_CONTINUED,
      "continued status": SIGCONT,
      "again code": CLD_STOPPED,
      SIGKILL: 0,
      "dead code": CLD_KILLED,
      "dead status": SIGKILL,
    });
  });

  it.each([SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU])(
    "wait(2): wait4 with WUNTRACED reports stop signal %i (WIFSTOPPED, WSTOPSIG), with WCONTINUED the continue (WIFCONTINUED: 0xffff), then the exit",
    (sig) => {
      const { seen } = run(function* (u, rec) {
        const pid = yield* u.sys.fork();
        if (pid === 0) {
          // A group of its own whose parent is in another group of the session: not orphaned.
          yield* u.sys.setpgid(0, 0);
          yield* u.libc.usleep(5000);
          for (;;) yield* u.sys.exit_group(5);
        }
        yield* u.libc.usleep(1000);
        yield* u.sys.kill(pid, sig);
        const st = yield* wait4Status(u, pid, WUNTRACED);
        rec("WIFSTOPPED", WIFSTOPPED(st));
        rec("WSTOPSIG", WSTOPSIG(st));
        // The stop is consumed: a second WUNTRACED|WNOHANG wait finds nothing new.
        rec("consumed", yield* wait4Status(u, pid, WUNTRACED | WNOHANG));
        yield* u.sys.kill(pid, SIGCONT);
        rec("WIFCONTINUED", WIFCONTINUED(yield* wait4Status(u, pid, WCONTINUED)));
        rec("exit", WEXITSTATUS(yield* wait4Status(u, pid, 0)));
      });
      expect(seen).toEqual({ WIFSTOPPED: true, WSTOPSIG: sig, consumed: 0, WIFCONTINUED: true, exit: 5 });
    },
  );

  it("wait(2): without WUNTRACED a stop is not reported; WNOWAIT leaves it to be reported again (waitid)", () => {
    const { seen } = run(function* (u, rec) {
      const pid = yield* sleeper(u);
      yield* u.sys.kill(pid, SIGSTOP);
      yield* u.libc.usleep(1000);
      rec("plain", yield* wait4Status(u, pid, WNOHANG));
      const peek = yield* waitInfo(u, P_PID, pid, WSTOPPED | WNOWAIT);
      rec("peek", peek.code);
      const take = yield* waitInfo(u, P_PID, pid, WSTOPPED);
      rec("take", take.code);
      rec("gone", (yield* waitInfo(u, P_PID, pid, WSTOPPED | WNOHANG)).pid);
      yield* u.sys.kill(pid, SIGCONT);
      const c1 = yield* waitInfo(u, P_PID, pid, WCONTINUED | WNOWAIT);
      const c2 = yield* waitInfo(u, P_PID, pid, WCONTINUED);
      rec("continued twice", c1.code === CLD_CONTINUED && c2.code === CLD_CONTINUED);
      rec("reaped", (yield* waitInfo(u, P_PID, pid, WEXITED)).pid === pid);
    });
    expect(seen).toEqual({
      plain: 0,
      peek: CLD_STOPPED,
      take: CLD_STOPPED,
      gone: 0,
      "continued twice": true,
      reaped: true,
    });
  });

  it("kernel/exit.c wait_consider_task: waitid(WSTOPPED) on a child that has exited is -ECHILD (a reapable zombie is no child for it)", () => {
    const { seen } = run(function* (u, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) for (;;) yield* u.sys.exit_group(0);
      yield* waitInfo(u, P_PID, pid, WEXITED | WNOWAIT);
      rec("WSTOPPED", (yield* waitInfo(u, P_PID, pid, WSTOPPED)).ret);
      rec("WEXITED", (yield* waitInfo(u, P_PID, pid, WEXITED)).ret);
    });
    expect(seen).toEqual({ WSTOPPED: -ECHILD, WEXITED: 0 });
  });

  it("do_notify_parent_cldstop: the stop and the continue each send the parent SIGCHLD (a caught one interrupts its nanosleep)", () => {
    const { seen } = run(function* (u, rec) {
      yield* u.sys.rt_sigaction(SIGCHLD, { sa_handler: 2 });
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.sys.kill(yield* u.sys.getpid(), SIGSTOP);
        yield* u.libc.usleep(100_000);
        for (;;) yield* u.sys.exit_group(0);
      }
      rec("stop", yield* u.sys.nanosleep({ tv_sec: 1, tv_nsec: 0 }));
      rec("stopped", WIFSTOPPED(yield* wait4Status(u, pid, WUNTRACED)));
      yield* u.sys.kill(pid, SIGCONT);
      rec("continue", yield* u.sys.nanosleep({ tv_sec: 1, tv_nsec: 0 }));
      rec("continued", WIFCONTINUED(yield* wait4Status(u, pid, WCONTINUED)));
      let st = -EINTR;
      while (st === -EINTR) st = yield* wait4Status(u, pid, 0); // the exit's SIGCHLD may interrupt it
      rec("exited", st);
    });
    expect(seen).toEqual({ stop: -EINTR, stopped: true, continue: -EINTR, continued: true, exited: 0 });
  });
});

describe("what stops and what continues", () => {
  it("signal(7): SIGCONT continues a stopped process even when SIGCONT is ignored; SIGKILL ends a stopped one", () => {
    const { seen } = run(function* (u, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.sys.rt_sigaction(SIGCONT, { sa_handler: SIG_IGN });
        yield* u.sys.kill(yield* u.sys.getpid(), SIGSTOP);
        yield* u.sys.kill(yield* u.sys.getpid(), SIGSTOP);
        for (;;) yield* u.sys.exit_group(0);
      }
      rec("first stop", WIFSTOPPED(yield* wait4Status(u, pid, WUNTRACED)));
      yield* u.sys.kill(pid, SIGCONT);
      rec("continued", WIFCONTINUED(yield* wait4Status(u, pid, WCONTINUED)));
      rec("second stop", WIFSTOPPED(yield* wait4Status(u, pid, WUNTRACED)));
      yield* u.sys.kill(pid, SIGKILL);
      rec("killed", yield* wait4Status(u, pid, 0));
    });
    expect(seen).toEqual({ "first stop": true, continued: true, "second stop": true, killed: SIGKILL });
  });

  it("do_signal_stop: a stop signal sent to one thread (tgkill) stops every thread of the group (T in ps and sched_switch), and SIGCONT resumes their sleeps", () => {
    const { seen, r } = run(function* (u, rec) {
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        yield* u.sys.setpgid(0, 0);
        yield* u.libc.pthread_create(
          0,
          null,
          function* (t) {
            yield* t.sys.nanosleep({ tv_sec: 0, tv_nsec: 10_000_000 });
            return 0;
          },
          null,
        );
        yield* u.sys.nanosleep({ tv_sec: 0, tv_nsec: 10_000_000 });
        for (;;) yield* u.sys.exit_group(4);
      }
      yield* u.libc.usleep(1000);
      yield* u.sys.tgkill(pid, pid, SIGTSTP);
      rec("stopped", WSTOPSIG(yield* wait4Status(u, pid, WUNTRACED)));
      yield* u.libc.usleep(20_000);
      yield* u.sys.kill(pid, SIGCONT);
      rec("exit", WEXITSTATUS(yield* wait4Status(u, pid, 0)));
    });
    expect(seen).toEqual({ stopped: SIGTSTP, exit: 4 });
    // Both threads of the child switched out stopped (sched_switch's prev_state T: __TASK_STOPPED).
    const stopped = new Set(
      traceText(r)
        .split("\n")
        .map((l) => / prev_comm=t prev_pid=(\d+) prev_prio=\d+ prev_state=T /.exec(l)?.[1])
        .filter((x) => x !== undefined),
    );
    expect(stopped.size).toBe(2);
  });

  it("get_signal, is_current_pgrp_orphaned: in an orphaned process group SIGTSTP, SIGTTIN and SIGTTOU are discarded; SIGSTOP still stops", () => {
    const { seen } = run(function* (u, rec) {
      // The child is left in its parent's group (the group of the program pid 1 started): orphaned.
      const pid = yield* sleeper(u);
      for (const sig of [SIGTSTP, SIGTTIN, SIGTTOU]) yield* u.sys.kill(pid, sig);
      yield* u.libc.usleep(1000);
      rec("job-control stops", yield* wait4Status(u, pid, WUNTRACED | WNOHANG));
      yield* u.sys.kill(pid, SIGSTOP);
      rec("SIGSTOP", WSTOPSIG(yield* wait4Status(u, pid, WUNTRACED)));
      yield* u.sys.kill(pid, SIGCONT);
      rec("exit", yield* wait4Status(u, pid, 0));
    });
    expect(seen).toEqual({ "job-control stops": 0, SIGSTOP: SIGSTOP, exit: 0 });
  });

  it("ps and /proc show T for every thread of a stopped group", () => {
    let child = 0;
    const r = runProgram(
      function* (u) {
        const pid = yield* u.sys.fork();
        if (pid === 0) {
          yield* u.libc.pthread_create(
            0,
            null,
            function* (t) {
              yield* t.compute(50_000_000);
              return 0;
            },
            null,
          );
          yield* u.compute(50_000_000);
          for (;;) yield* u.sys.exit_group(0);
        }
        child = pid;
        yield* u.libc.usleep(1000);
        yield* u.sys.kill(pid, SIGSTOP);
        yield* u.libc.usleep(100_000_000);
        return 0;
      },
      { until: 50_000_000 },
    );
    const rows = psRows(r, true).filter((row) => row.tgid === child);
    expect(rows.map((row) => row.state)).toEqual(["T", "T"]);
  });
});
