/**
 * The user-space benchmarks: the model's equivalents of bench/native's C programs, as user
 * programs that a 2-CPU machine's pid 1 starts at /bin/bench and waits for. Each loop does
 * one create + reap at a time, as the C programs do.
 */
import { Machine } from "../src/machine.js";
import { spawn_program, wait_program } from "../src/user/spawn.js";
import type { UserMain } from "../src/user/user.js";

export type UserBench = "fork-wait" | "pthread-cycle" | "vfork-exec";

/** fork(); the child _exit(0)s; the parent waitpid()s. As native/fork_wait.c. */
function forkWait(n: number): UserMain {
  return function* fork_wait(u) {
    for (let i = 0; i < n; i++) {
      const pid = yield* u.libc.fork();
      if (pid === 0) return yield* u.libc._exit(0);
      if (pid < 0) return 1;
      yield* u.libc.waitpid(pid, 0, 0);
    }
    return 0;
  };
}

/** vfork(); the child execs /bin/true (or _exit(127)s); the parent waitpid()s. As native/vfork_exec.c. */
function vforkExec(n: number): UserMain {
  return function* vfork_exec(u) {
    for (let i = 0; i < n; i++) {
      const pid = yield* u.libc.vfork();
      if (pid === 0) {
        yield* u.sys.execve("/bin/true", ["true"]);
        return yield* u.libc._exit(127);
      }
      if (pid < 0) return 1;
      yield* u.libc.waitpid(pid, 0, 0);
    }
    return 0;
  };
}

/** The thread's start routine: returns at once (one function for every thread, as in C). */
function* body() {
  return 0;
}

/** pthread_create of a thread that returns at once, pthread_join. As native/pthread_cycle.c. */
function pthreadCycle(n: number): UserMain {
  return function* pthread_cycle(u) {
    const th = u.alloca(8);
    for (let i = 0; i < n; i++) {
      const err = yield* u.libc.pthread_create(th, null, body, null);
      if (err !== 0) return 1;
      yield* u.libc.pthread_join((yield* u.load(th)) as number, 0);
    }
    return 0;
  };
}

const PROGRAMS: Record<UserBench, (n: number) => UserMain> = {
  "fork-wait": forkWait,
  "pthread-cycle": pthreadCycle,
  "vfork-exec": vforkExec,
};

/** A machine, tracing off, whose pid 1 runs `bench` with `n` iterations and waits for it. */
export function userBenchMachine(bench: UserBench, n: number): Machine {
  return new Machine({
    cpus: 2,
    events: [],
    programs: { "/bin/bench": PROGRAMS[bench](n) },
    init: function* () {
      const pid = yield* spawn_program("/bin/bench");
      if (pid <= 0) throw new Error(`bench: spawning /bin/bench failed (${pid})`);
      const status = yield* wait_program(pid);
      if (status !== 0) throw new Error(`bench: /bin/bench exited with status ${status}`);
    },
  });
}

/** Runs the machine to the end; throws if it did not finish cleanly. Returns the machine. */
export function runUserBench(bench: UserBench, n: number): Machine {
  const m = userBenchMachine(bench, n);
  const r = m.run({ maxSteps: 1e9 });
  if (r !== "idle") throw new Error(`bench ${bench}(${n}): machine stopped with "${r}"`);
  const rep = m.reports[0];
  if (rep !== undefined) throw new Error(`bench ${bench}(${n}): ${rep.kind}: ${rep.title}`);
  return m;
}
