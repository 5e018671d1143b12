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

/**
 * What a clone child does, and what its parent reads once it has been reaped: module-level
 * generators of the program's User and one number, so a frame holds only data and code by
 * name (no closure over the process: a copy of the machine, or a saved state, gets its own).
 */
type ChildStep = (u: User, arg: number) => UGen<unknown>;
type ParentRead = (u: User, arg: number) => UGen<string>;

/** Runs `child` in a clone(flags | SIGCHLD) child, waits for it, and returns what `after` reports. */
function* withChild(u: User, flags: number, child: ChildStep, after: ParentRead, arg: number): UGen<string> {
  const pid = yield* u.sys.clone(flags | SIGCHLD);
  if (pid === 0) {
    yield* child(u, arg);
    yield* u.sys.exit_group(0);
  }
  yield* u.libc.waitpid(pid, 0, 0);
  return yield* after(u, arg);
}

function* store42(u: User, word: number): UGen<void> {
  yield* u.store(word, 42);
}

function* readWord(u: User, word: number): UGen<string> {
  return String(yield* u.load(word));
}

function* openFile(u: User): UGen<number> {
  // A pidfd (5.3+); before, any file will do: the thread's /proc comm file.
  const fd = yield* u.sys.pidfd_open(yield* u.sys.getppid());
  if (fd !== -ENOSYS) return fd;
  return yield* u.sys.openat(AT_FDCWD, `/proc/self/task/${yield* u.libc.gettid()}/comm`);
}

function* closeFd3(u: User): UGen<string> {
  return (yield* u.sys.close(3)) === 0 ? "is open in the parent too" : "is not in the parent's table";
}

function* setUmask077(u: User): UGen<number> {
  return yield* u.sys.umask(0o077);
}

function* readUmask(u: User): UGen<string> {
  return (yield* u.sys.umask(0o022)).toString(8).padStart(3, "0");
}

function* ignoreUsr1(u: User): UGen<number> {
  return yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: SIG_IGN });
}

/** Sets SIGUSR1 back to SIG_DFL; the handler it had, read through `old`. */
function* readUsr1(u: User, old: number): UGen<string> {
  yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: SIG_DFL }, old);
  return (yield* u.load(old)) === SIG_IGN ? "SIG_IGN" : "SIG_DFL";
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
    for (const [name, flags] of [
      ["no flag", 0],
      ["CLONE_VM", CLONE_VM],
    ] as const) {
      yield* u.store(word, 1);
      const seen = yield* withChild(u, flags, store42, readWord, word);
      yield* u.libc.puts(`${name}: the child stored 42, the parent reads ${seen}`);
    }
    for (const [name, flags] of [
      ["no flag", 0],
      ["CLONE_FILES", CLONE_FILES],
    ] as const) {
      const closed = yield* withChild(u, flags, openFile, closeFd3, 0);
      yield* u.libc.puts(`${name}: the fd 3 the child opened ${closed}`);
    }
    for (const [name, flags] of [
      ["no flag", 0],
      ["CLONE_FS", CLONE_FS],
    ] as const) {
      const mask = yield* withChild(u, flags, setUmask077, readUmask, 0);
      yield* u.libc.puts(`${name}: the child set umask 077, the parent's umask is ${mask}`);
    }
    for (const [name, flags] of [
      ["CLONE_VM", CLONE_VM],
      ["CLONE_SIGHAND|CLONE_VM", CLONE_SIGHAND | CLONE_VM],
    ] as const) {
      const h = yield* withChild(u, flags, ignoreUsr1, readUsr1, u.alloca(8));
      yield* u.libc.puts(`${name}: the child ignored SIGUSR1, the parent's handler is ${h}`);
    }
    const me = yield* u.libc.getpid();
    const pid = yield* u.sys.clone(CLONE_PARENT | SIGCHLD);
    if (pid === 0) {
      yield* u.libc.puts(
        `CLONE_PARENT: the child of ${me} has getppid() = ${yield* u.libc.getppid()} (its creator's parent)`,
      );
      yield* u.sys.exit_group(0);
    }
    yield* u.libc.usleep(1000);
    yield* u.libc.puts(`CLONE_THREAD: the process has getpid() = ${me}`);
    const th = u.alloca(8);
    yield* u.libc.pthread_create(th, null, thread_ids, null);
    yield* u.libc.pthread_join((yield* u.load(th)) as number);
    return 0;
  },
});
