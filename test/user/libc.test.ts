/**
 * The C library layer's conventions: -1 and errno from system-call wrappers, error numbers
 * from pthread functions (ENOMEM of the stack mapping becomes EAGAIN), thread names set
 * through prctl or /proc, posix_spawn's error reported through shared memory.
 */
import { describe, expect, it } from "vitest";
import { EAGAIN, EDEADLK, EINTR, ENOENT, ERANGE, ESRCH } from "../../src/linux/include/errno.js";
import { SIGUSR1 } from "../../src/linux/include/signal.js";
import { problems } from "../../src/run.js";
import type { User, UserMain } from "../../src/user/user.js";
import { records, runProgram } from "../helpers.js";

function run(program: UserMain, faults: string[] = []) {
  const r = runProgram(program, { faults });
  expect(problems(r.reports)).toEqual([]);
  return { r, tty: r.tty };
}

function* idle(u: User) {
  yield* u.libc.usleep(2000);
  return 0;
}

describe("libc", () => {
  it("system-call wrappers return -1 and set errno; raw calls return -errno", () => {
    const { tty } = run(function* (u) {
      const raw = yield* u.sys.kill(99999, 0);
      const wrapped = yield* u.libc.kill(99999, 0);
      yield* u.libc.puts(`${raw} ${wrapped} ${u.errno}`);
      return 0;
    });
    expect(tty).toEqual([`${-ESRCH} -1 ${ESRCH}`]);
  });

  it("pthread_create returns EAGAIN when its stack cannot be mapped (ENOMEM)", () => {
    const { tty, r } = run(
      function* (u) {
        const th = u.alloca(8);
        const err = yield* u.libc.pthread_create(th, null, idle, null);
        yield* u.libc.puts(`pthread_create: ${err}`);
        return 0;
      },
      ["cache:vm_area_struct,caller=__x64_sys_mmap"],
    );
    expect(tty).toEqual([`pthread_create: ${EAGAIN}`]);
    expect(records(r).some((e) => e.type === "task_newtask" && e.clone_flags === 0x3d0f00)).toBe(false);
  });

  it("pthread_join of oneself is EDEADLK", () => {
    const { tty } = run(function* (u) {
      yield* u.libc.puts(`${yield* u.libc.pthread_join(u.libc.pthread_self())}`);
      return 0;
    });
    expect(tty).toEqual([`${EDEADLK}`]);
  });

  it("pthread_setname_np: ERANGE above 15 characters; self through prctl, another thread through /proc", () => {
    const { tty, r } = run(function* (u) {
      const th = u.alloca(8);
      yield* u.libc.pthread_create(th, null, idle, null);
      const other = (yield* u.load(th)) as number;
      const long = yield* u.libc.pthread_setname_np(other, "a-name-of-16-chr");
      const self = yield* u.libc.pthread_setname_np(u.libc.pthread_self(), "main-thread");
      const theirs = yield* u.libc.pthread_setname_np(other, "worker");
      yield* u.libc.pthread_join(other);
      yield* u.libc.puts(`${long} ${self} ${theirs}`);
      return 0;
    });
    expect(tty).toEqual([`${ERANGE} 0 0`]);
    const renames = records(r).filter((e) => e.type === "task_rename");
    expect(renames.map((e) => e.type === "task_rename" && [e.tpid, e.oldcomm, e.newcomm])).toEqual([
      [39, "init", "t"],
      [39, "t", "main-thread"],
      [40, "t", "worker"],
    ]);
  });

  it("posix_spawn of a missing file returns ENOENT (the child's errno through shared memory) and reaps the child", () => {
    const { tty, r } = run(function* (u) {
      const pidp = u.alloca(8);
      const err = yield* u.libc.posix_spawn(pidp, "/bin/nope", ["nope"]);
      yield* u.libc.puts(`posix_spawn: ${err}`);
      return 0;
    });
    expect(tty).toEqual([`posix_spawn: ${ENOENT}`]);
    const spawned = records(r).find((e) => e.type === "task_newtask" && e.clone_flags === 0x4100);
    expect(spawned).toBeDefined();
    const child = spawned?.type === "task_newtask" ? spawned.tpid : 0;
    expect(records(r).some((e) => e.type === "sched_process_free" && e.tpid === child)).toBe(true);
  });

  it("a caught signal cuts a nanosleep short with EINTR", () => {
    const { tty } = run(function* (u) {
      const c = yield* u.libc.fork();
      if (c === 0) {
        yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: 2 });
        const t0 = yield* u.libc.now();
        const r = yield* u.libc.usleep(100_000);
        const slept = (yield* u.libc.now()) - t0;
        yield* u.libc.puts(`usleep ${r} errno ${u.errno} after ${slept < 50e6 ? "<50ms" : ">=50ms"}`);
        return yield* u.libc.exit(0);
      }
      yield* u.libc.usleep(10_000);
      yield* u.sys.kill(c, SIGUSR1);
      yield* u.libc.waitpid(c, 0, 0);
      return 0;
    });
    expect(tty).toEqual([`usleep -1 errno ${EINTR} after <50ms`]);
  });

  it("the last thread to exit ends the process with status 0 (glibc's exit(0) in start_thread)", () => {
    const r = runProgram(function* (u) {
      const th = u.alloca(8);
      yield* u.libc.pthread_create(th, null, idle, null);
      return yield* u.libc.pthread_exit(0); // the main thread leaves first
    });
    expect(problems(r.reports)).toEqual([]);
    expect(r.status).toBe(0);
    const exits = records(r).filter((e) => e.type === "sched_process_exit");
    expect(exits.map((e) => e.type === "sched_process_exit" && [e.tpid, e.group_dead])).toEqual([
      [39, false],
      [40, true],
    ]);
  });
});
