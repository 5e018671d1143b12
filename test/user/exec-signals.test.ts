/**
 * execve and signals around task creation: exec from a thread (de_thread: the other threads
 * die, the exec'ing thread takes the leader's pid), a fork interrupted by a caught signal
 * (restarted, never seen by the program), a group killed by one fatal signal, tgkill to
 * one thread, and a vfork parent killed while it waits.
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { EINVAL, ESRCH } from "../../src/linux/include/errno.js";
import { SIGKILL, SIGTERM, SIGUSR1 } from "../../src/linux/include/signal.js";
import { problems, type RunResult, runScenario } from "../../src/run.js";
import { functionName } from "../../src/sim/functions.js";
import { spawn_program, wait_program } from "../../src/user/spawn.js";
import type { User, UserMain } from "../../src/user/user.js";
import { records, runProgram } from "../helpers.js";

function run(program: UserMain, programs: Record<string, UserMain> = {}) {
  const r = runProgram(program, { programs });
  expect(problems(r.reports)).toEqual([]);
  return { r, status: r.status, tty: r.tty };
}

function userTasksLeft(r: RunResult) {
  return r.machine.tasks().filter((t) => t.mm !== null);
}

describe("execve and signals", () => {
  it("execve from a non-leader thread: the others die, it becomes the leader under the process's pid", () => {
    const after: UserMain = function* (u) {
      yield* u.libc.puts(`after exec: pid ${yield* u.libc.getpid()} tid ${yield* u.libc.gettid()}`);
      return 5;
    };
    function* execer(u: User) {
      yield* u.sys.execve("/bin/after", ["after"]);
      return 0;
    }
    function* sleeper(u: User) {
      yield* u.libc.usleep(100_000);
      return 0;
    }
    const { r, status, tty } = run(
      function* (u) {
        const ids = u.alloca(16);
        yield* u.libc.pthread_create(ids, null, sleeper, null);
        yield* u.libc.pthread_create(ids + 8, null, execer, null);
        yield* u.libc.usleep(200_000);
        return 1; // never reached: the exec replaced the program
      },
      { "/bin/after": after },
    );
    expect(tty).toEqual(["after exec: pid 39 tid 39"]);
    expect(status).toBe(5 << 8);
    const exec = records(r).find((e) => e.type === "sched_process_exec" && e.filename === "/bin/after");
    expect(exec).toMatchObject({ filename: "/bin/after", tpid: 39, old_pid: 41 });
    expect(userTasksLeft(r)).toEqual([]);
  });

  it("a signal arriving as fork starts makes copy_process return -ERESTARTNOINTR; the fork is made again", () => {
    const forks: number[] = [];
    let copies = 0;
    const r = runProgram(
      function* (u) {
        yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: 2 }); // caught
        const pid = yield* u.sys.fork();
        if (pid === 0) return yield* u.libc.exit(0);
        forks.push(pid);
        yield* u.libc.waitpid(pid, 0, 0);
        return 0;
      },
      {
        signals: ["USR1:t@t:copy_process"],
        prepare: (m) => {
          const traced = m.engine.onEnter;
          m.engine.onEnter = (t, id, args) => {
            if (functionName(id) === "copy_process" && (t.owner as { comm: string }).comm === "t") copies++;
            traced?.(t, id, args);
          };
        },
      },
    );
    expect(problems(r.reports)).toEqual([]);
    expect(copies).toBe(2); // refused once with the signal pending, then made
    expect(forks).toEqual([40]); // the program saw one fork, which succeeded
    expect(records(r).filter((e) => e.type === "task_newtask" && e.comm === "t")).toHaveLength(1);
  });

  it("one SIGKILL to a process takes every thread; the parent sees the signal in the status", () => {
    function* spin(u: User) {
      for (;;) yield* u.libc.usleep(1000);
    }
    let status = -1;
    const r = runScenario({
      name: "t",
      description: "",
      programs: {
        "/bin/victim": function* (u) {
          const ids = u.alloca(16);
          yield* u.libc.pthread_create(ids, null, spin, null);
          yield* u.libc.pthread_create(ids + 8, null, spin, null);
          for (;;) yield* u.libc.usleep(1000);
        },
        "/bin/killer": function* (u) {
          const pid = yield* u.libc.fork();
          if (pid === 0) {
            yield* u.sys.execve("/bin/victim", ["victim"]);
            return 127;
          }
          yield* u.libc.usleep(5000);
          yield* u.sys.kill(pid, SIGKILL);
          const st = u.alloca(4);
          yield* u.libc.waitpid(pid, st, 0);
          return ((yield* u.load(st)) as number) === SIGKILL ? 0 : 1;
        },
      },
      *main() {
        status = yield* wait_program(yield* spawn_program("/bin/killer"));
      },
    });
    expect(problems(r.reports)).toEqual([]);
    expect(status).toBe(0);
    const exits = records(r).filter((e) => e.type === "sched_process_exit" && e.comm === "victim");
    expect(exits.map((e) => e.type === "sched_process_exit" && e.group_dead)).toEqual([false, false, true]);
    expect(userTasksLeft(r)).toEqual([]);
  });

  it("tgkill reaches one thread; a wrong tgid is -ESRCH, a bad tid -EINVAL", () => {
    const { tty } = run(function* (u) {
      const me = yield* u.sys.getpid();
      const r1 = yield* u.sys.tgkill(me + 100, me, SIGTERM);
      const r2 = yield* u.sys.tgkill(me, 0, SIGTERM);
      const r3 = yield* u.sys.tgkill(me, me, 0);
      yield* u.libc.puts(`${r1} ${r2} ${r3}`);
      return 0;
    });
    expect(tty).toEqual([`${-ESRCH} ${-EINVAL} 0`]);
  });

  it("a vfork parent killed while it waits dies; its child runs on and is reparented", () => {
    const child: (u: User) => UGen<never> = function* (u) {
      yield* u.libc.usleep(3000);
      return yield* u.libc._exit(0);
    };
    const r = runProgram(
      function* (u) {
        const pid = yield* u.libc.vfork();
        if (pid === 0) return yield* child(u);
        return 0;
      },
      { signals: ["KILL:t@4830us"] }, // while the parent (39) waits for its vfork child (40)
    );
    expect(problems(r.reports)).toEqual([]);
    expect(r.status).toBe(SIGKILL);
    const rs = records(r);
    const parentExit = rs.findIndex((e) => e.type === "sched_process_exit" && e.tpid === 39);
    const childExit = rs.findIndex((e) => e.type === "sched_process_exit" && e.tpid === 40);
    expect(parentExit).toBeGreaterThan(0);
    expect(childExit).toBeGreaterThan(parentExit);
    // The orphan went to init, which reaped it.
    expect(rs.slice(childExit).some((e) => e.type === "sched_process_wait" && e.pid === 1)).toBe(true);
    expect(userTasksLeft(r)).toEqual([]);
  });
});
