/**
 * Process groups and sessions as Linux 6.19 has them (kernel/sys.c setpgid, getpgid,
 * setsid, getsid; kernel/exit.c waits by group; kernel/signal.c kill of a group). Each case
 * names its source: LTP's testcases/kernel/syscalls/{setpgid,setsid,getsid,getpgid,waitpid,
 * kill}, the man pages setpgid(2), setsid(2), wait(2), kill(2), credentials(7).
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { EACCES, ECHILD, EINVAL, EPERM, ESRCH } from "../../src/linux/include/errno.js";
import { SIGHUP, SIGKILL, SIGSTOP } from "../../src/linux/include/signal.js";
import { MAP_ANONYMOUS, MAP_SHARED, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import { PR_SET_CHILD_SUBREAPER } from "../../src/linux/include/uapi/prctl.js";
import { P_PGID, WEXITED, WUNTRACED } from "../../src/linux/include/uapi/wait.js";
import { PAGE_SIZE } from "../../src/linux/mm/mm_types.js";
import { psRows } from "../../src/run.js";
import type { User, UserMain } from "../../src/user/user.js";
import { runProgram, runRecording } from "../helpers.js";

function run(
  body: (u: User, rec: (k: string, v: number) => void) => UGen<void>,
  programs: Record<string, UserMain> = {},
) {
  return runRecording(body, { programs }).seen;
}

/** A child that sleeps `us` then exits with `code`. */
function* child(u: User, us: number, code = 0): UGen<never> {
  yield* u.libc.usleep(us);
  for (;;) yield* u.sys.exit_group(code);
}

describe("setsid, getsid, getpgid", () => {
  it("setsid(2), setsid01.c: a new session and group numbered by the caller; again -EPERM; a group leader cannot either", () => {
    const seen = run(function* (u, rec) {
      const me = yield* u.sys.getpid();
      rec("before sid", yield* u.sys.getsid(0));
      rec("before pgid", yield* u.sys.getpgid(0));
      rec("setsid", (yield* u.sys.setsid()) === me ? 1 : 0);
      rec("sid", (yield* u.sys.getsid(0)) === me ? 1 : 0);
      rec("pgrp", (yield* u.sys.getpgrp()) === me ? 1 : 0);
      rec("again", yield* u.sys.setsid());
      const pid = yield* u.sys.fork();
      if (pid === 0) {
        // As the leader of a group of its own it may not start a session (exit 0 if so).
        const r1 = yield* u.sys.setpgid(0, 0);
        const r2 = yield* u.sys.setsid();
        for (;;) yield* u.sys.exit_group(r1 === 0 && r2 === -EPERM ? 0 : 1);
      }
      rec("child inherits", (yield* u.sys.getsid(pid)) === me ? 1 : 0);
      const st = u.alloca(8);
      yield* u.libc.waitpid(pid, st, 0);
      rec("leader child", (yield* u.load(st)) as number);
      rec("no such", yield* u.sys.getsid(30000));
      rec("no such pgid", yield* u.sys.getpgid(30000));
    });
    expect(seen).toEqual({
      "before sid": 0,
      "before pgid": 0,
      setsid: 1,
      sid: 1,
      pgrp: 1,
      again: -EPERM,
      "child inherits": 1,
      "leader child": 0,
      "no such": -ESRCH,
      "no such pgid": -ESRCH,
    });
  });
});

describe("setpgid", () => {
  it("setpgid02.c, setpgid03.c: -EINVAL for pgid < 0, -ESRCH for a process that is not the caller or its child, -EPERM for a group outside the session or a session leader, -EACCES after the child's execve", () => {
    const sleeper: UserMain = function* (u) {
      yield* u.libc.usleep(10_000);
      return 0;
    };
    const seen = run(
      function* (u, rec) {
        yield* u.sys.setsid();
        rec("negative", yield* u.sys.setpgid(0, -1));
        rec("init", yield* u.sys.setpgid(1, 0));
        rec("session leader", yield* u.sys.setpgid(0, 0));
        const a = yield* u.sys.fork();
        if (a === 0) yield* child(u, 5000);
        // pid 1's group (0) is not in this session.
        rec("foreign group", yield* u.sys.setpgid(a, 1));
        rec("own group", yield* u.sys.setpgid(a, a));
        rec("pgid", (yield* u.sys.getpgid(a)) === a ? 1 : 0);
        const b = yield* u.sys.fork();
        if (b === 0) {
          yield* u.sys.execve("/bin/sleeper", ["sleeper"]);
          yield* child(u, 0, 9);
        }
        yield* u.libc.usleep(1000);
        rec("after exec", yield* u.sys.setpgid(b, a));
        yield* u.libc.waitpid(a, 0, 0);
        yield* u.libc.waitpid(b, 0, 0);
      },
      { "/bin/sleeper": sleeper },
    );
    expect(seen).toEqual({
      negative: -EINVAL,
      init: -ESRCH,
      "session leader": -EPERM,
      "foreign group": -EPERM,
      "own group": 0,
      pgid: 1,
      "after exec": -EACCES,
    });
  });
});

/**
 * The caller starts a session, then a job of two children in a group led by the first:
 * a1 exits 1 after 1 ms, a2 exits 2 after `us2`.
 */
function* job(u: User, us2: number): UGen<[number, number]> {
  yield* u.sys.setsid();
  const a1 = yield* u.sys.fork();
  if (a1 === 0) yield* child(u, 1000, 1);
  yield* u.sys.setpgid(a1, a1);
  const a2 = yield* u.sys.fork();
  if (a2 === 0) yield* child(u, us2, 2);
  yield* u.sys.setpgid(a2, a1);
  return [a1, a2];
}

describe("waiting for and signalling a process group", () => {
  it("wait(2), waitpid06.c: waitpid(-pgid) and waitid(P_PGID) reap only that group's children; waitpid(0) the caller's own group's", () => {
    const seen = run(function* (u, rec) {
      const [a1, a2] = yield* job(u, 2000);
      const own = yield* u.sys.fork();
      if (own === 0) yield* child(u, 500, 3); // stays in the caller's group
      const st = u.alloca(8);
      const first = yield* u.libc.waitpid(-a1, st, 0);
      rec("first of group", first === a1 ? 1 : first === a2 ? 2 : first);
      const second = yield* u.libc.waitpid(-a1, st, 0);
      rec("second of group", second === a1 ? 1 : second === a2 ? 2 : second);
      rec("group empty", yield* u.sys.wait4(-a1, st, 0));
      const info = u.alloca(128);
      rec("P_PGID 0", yield* u.sys.waitid(P_PGID, 0, info, WEXITED));
      rec("P_PGID 0 reaped own", ((yield* u.load(info + 16)) as number) === own ? 1 : 0);
      rec("no group", yield* u.sys.wait4(-30000, st, 0));
    });
    expect(seen).toEqual({
      "first of group": 1,
      "second of group": 2,
      "group empty": -ECHILD,
      "P_PGID 0": 0,
      "P_PGID 0 reaped own": 1,
      "no group": -ECHILD,
    });
  });

  it("kill(2): kill(-pgid) reaches every member of the group and no one else; the group's number stays in use while a member is left", () => {
    const seen = run(function* (u, rec) {
      const [a1, a2] = yield* job(u, 100_000);
      const other = yield* u.sys.fork();
      if (other === 0) yield* child(u, 3000, 3);
      yield* u.sys.setpgid(other, other);
      const st = u.alloca(8);
      // The leader of the group exits and is reaped; the group lives on in a2.
      rec("leader reaped", (yield* u.libc.waitpid(a1, st, 0)) === a1 ? 1 : 0);
      rec("group still there", yield* u.sys.kill(-a1, 0));
      rec("a2's group", (yield* u.sys.getpgid(a2)) === a1 ? 1 : 0);
      rec("kill group", yield* u.sys.kill(-a1, SIGKILL));
      yield* u.libc.waitpid(a2, st, 0);
      rec("a2 killed", (yield* u.load(st)) as number);
      yield* u.libc.waitpid(other, st, 0);
      rec("other exited", ((yield* u.load(st)) as number) >> 8);
      rec("group gone", yield* u.sys.kill(-a1, 0));
    });
    expect(seen).toEqual({
      "leader reaped": 1,
      "group still there": 0,
      "a2's group": 1,
      "kill group": 0,
      "a2 killed": SIGKILL,
      "other exited": 3,
      "group gone": -ESRCH,
    });
  });

  it("kernel/exit.c kill_orphaned_pgrp: a shell that exits leaves its stopped job orphaned: the job gets SIGHUP then SIGCONT (and dies of SIGHUP)", () => {
    const seen = run(function* (u, rec) {
      const shared = yield* u.sys.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
      yield* u.store(shared, 0);
      // The program is a subreaper: the orphaned job comes to it, to be reaped here.
      yield* u.sys.prctl(PR_SET_CHILD_SUBREAPER, 1);
      const shell = yield* u.sys.fork();
      if (shell === 0) {
        yield* u.sys.setsid();
        const job = yield* u.sys.fork();
        if (job === 0) {
          yield* u.sys.setpgid(0, 0);
          yield* u.sys.kill(yield* u.sys.getpid(), SIGSTOP);
          for (;;) yield* u.sys.exit_group(0);
        }
        yield* u.store(shared, job);
        yield* u.libc.waitpid(job, 0, WUNTRACED);
        for (;;) yield* u.sys.exit_group(0); // the shell leaves its stopped job
      }
      yield* u.libc.waitpid(shell, 0, 0);
      const st = u.alloca(8);
      rec("job reaped", (yield* u.libc.waitpid((yield* u.load(shared)) as number, st, 0)) > 0 ? 1 : 0);
      rec("status", (yield* u.load(st)) as number);
    });
    expect(seen).toEqual({ "job reaped": 1, status: SIGHUP });
  });

  it("ps --eo pgid,sid: a process group and session as /proc/<pid>/stat gives them", () => {
    let ids = { parent: 0, child: 0 };
    const r = runProgram(
      function* (u) {
        const me = yield* u.sys.getpid();
        yield* u.sys.setsid();
        const pid = yield* u.sys.fork();
        if (pid === 0) yield* child(u, 10_000);
        yield* u.sys.setpgid(pid, pid);
        ids = { parent: me, child: pid };
        yield* u.libc.waitpid(pid, 0, 0);
        return 0;
      },
      { until: 5_000_000 },
    );
    const rows = psRows(r).filter((row) => row.comm === "t");
    expect(rows.map((row) => [row.tgid, row.pgid, row.sid])).toEqual([
      [ids.parent, ids.parent, ids.parent],
      [ids.child, ids.child, ids.parent],
    ]);
  });
});
