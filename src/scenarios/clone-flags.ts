/**
 * One child per sharing flag of clone(), each showing what the flag shares: CLONE_VM the
 * memory, CLONE_FILES the fd table, CLONE_FS the umask, CLONE_SIGHAND the handlers,
 * CLONE_PARENT the parent, CLONE_THREAD the process id. Without the flag each is a copy.
 */

import type { UGen } from "../linux/arch/x86/entry/user_mode.js";
import { ENOSYS } from "../linux/include/errno.js";
import { SIG_DFL, SIG_IGN, SIGCHLD, SIGUSR1 } from "../linux/include/signal.js";
import { CLONE_FILES, CLONE_FS, CLONE_PARENT, CLONE_SIGHAND, CLONE_VM } from "../linux/include/uapi/sched.js";
import { EXEC_LAYOUT } from "../linux/mm/mm_types.js";
import type { User } from "../user/user.js";
import { userScenario } from "./user-program.js";

/** openat's "relative to the working directory". */
const AT_FDCWD = -100;

/** Runs `child` in a clone(flags | SIGCHLD) child, waits for it, and returns what `after` reports. */
function* withChild(u: User, flags: number, child: () => UGen<unknown>, after: () => UGen<string>): UGen<string> {
  const pid = yield* u.sys.clone(flags | SIGCHLD);
  if (pid === 0) {
    yield* child();
    yield* u.sys.exit_group(0);
  }
  yield* u.libc.waitpid(pid, 0, 0);
  return yield* after();
}

function* thread_ids(u: User) {
  yield* u.libc.puts(
    `CLONE_THREAD: a thread has getpid() = ${yield* u.libc.getpid()} and gettid() = ${yield* u.libc.gettid()}`,
  );
  return 0;
}

export default userScenario({
  name: "clone-flags",
  description:
    "one clone() child per sharing flag (VM, FILES, FS, SIGHAND, PARENT, THREAD): what is shared, what is copied",
  *program(u) {
    const word = EXEC_LAYOUT.heap;
    const say = (s: string) => u.libc.puts(s);
    for (const [name, flags] of [
      ["no flag", 0],
      ["CLONE_VM", CLONE_VM],
    ] as const) {
      yield* u.store(word, 1);
      const seen = yield* withChild(
        u,
        flags,
        () => u.store(word, 42),
        function* () {
          return String(yield* u.load(word));
        },
      );
      yield* say(`${name}: the child stored 42, the parent reads ${seen}`);
    }
    for (const [name, flags] of [
      ["no flag", 0],
      ["CLONE_FILES", CLONE_FILES],
    ] as const) {
      const closed = yield* withChild(
        u,
        flags,
        function* () {
          // A pidfd (5.3+); before, any file will do: the thread's /proc comm file.
          const fd = yield* u.sys.pidfd_open(yield* u.sys.getppid());
          if (fd !== -ENOSYS) return fd;
          return yield* u.sys.openat(AT_FDCWD, `/proc/self/task/${yield* u.libc.gettid()}/comm`);
        },
        function* () {
          return (yield* u.sys.close(3)) === 0 ? "is open in the parent too" : "is not in the parent's table";
        },
      );
      yield* say(`${name}: the fd 3 the child opened ${closed}`);
    }
    for (const [name, flags] of [
      ["no flag", 0],
      ["CLONE_FS", CLONE_FS],
    ] as const) {
      const mask = yield* withChild(
        u,
        flags,
        () => u.sys.umask(0o077),
        function* () {
          return (yield* u.sys.umask(0o022)).toString(8).padStart(3, "0");
        },
      );
      yield* say(`${name}: the child set umask 077, the parent's umask is ${mask}`);
    }
    for (const [name, flags] of [
      ["CLONE_VM", CLONE_VM],
      ["CLONE_SIGHAND|CLONE_VM", CLONE_SIGHAND | CLONE_VM],
    ] as const) {
      const old = u.alloca(8);
      const h = yield* withChild(
        u,
        flags,
        () => u.sys.rt_sigaction(SIGUSR1, { sa_handler: SIG_IGN }),
        function* () {
          yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: SIG_DFL }, old);
          return (yield* u.load(old)) === SIG_IGN ? "SIG_IGN" : "SIG_DFL";
        },
      );
      yield* say(`${name}: the child ignored SIGUSR1, the parent's handler is ${h}`);
    }
    const me = yield* u.libc.getpid();
    const pid = yield* u.sys.clone(CLONE_PARENT | SIGCHLD);
    if (pid === 0) {
      yield* say(`CLONE_PARENT: the child of ${me} has getppid() = ${yield* u.libc.getppid()} (its creator's parent)`);
      yield* u.sys.exit_group(0);
    }
    yield* u.libc.usleep(1000);
    yield* say(`CLONE_THREAD: the process has getpid() = ${me}`);
    const th = u.alloca(8);
    yield* u.libc.pthread_create(th, null, thread_ids, null);
    yield* u.libc.pthread_join((yield* u.load(th)) as number);
    return 0;
  },
});
