/**
 * clone(CLONE_NEWPID): the child is pid 1 of a new pid namespace (its parent sees another
 * number), its own child is pid 2 there and sees it as its parent, and an orphan in the
 * namespace goes to it, the namespace's init. An unprivileged user may not do this, unless
 * it also makes a user namespace (CLONE_NEWUSER), where it holds every capability.
 */
import { SIGCHLD } from "../linux/include/signal.js";
import { CLONE_NEWPID, CLONE_NEWUSER } from "../linux/include/uapi/sched.js";
import type { User } from "../user/user.js";
import { userScenario } from "./user-program.js";

function* namespace_init(u: User) {
  yield* u.libc.puts(
    `pid-namespace: inside, the child has getpid() = ${yield* u.libc.getpid()}, getppid() = ${yield* u.libc.getppid()}`,
  );
  const pid = yield* u.libc.fork();
  if (pid === 0) {
    yield* u.libc.puts(
      `pid-namespace: its child has getpid() = ${yield* u.libc.getpid()}, getppid() = ${yield* u.libc.getppid()}`,
    );
    const orphan = yield* u.libc.fork();
    if (orphan === 0) {
      yield* u.libc.usleep(2000);
      yield* u.libc.puts(`pid-namespace: an orphan in the namespace now has getppid() = ${yield* u.libc.getppid()}`);
      return yield* u.libc.exit(0);
    }
    return yield* u.libc.exit(0);
  }
  yield* u.libc.waitpid(pid, 0, 0);
  yield* u.libc.waitpid(-1, 0, 0); // the orphan, reparented to this init
  return 0;
}

export default userScenario({
  name: "pid-namespace",
  description: "clone(CLONE_NEWPID): pid 1 inside, another pid outside; orphans go to the namespace's init",
  eras: {
    since: "3.10",
    why: "an unprivileged CLONE_NEWUSER|CLONE_NEWPID (user namespaces for every user came in 3.8; 2.6.x wants CAP_SYS_ADMIN)",
  },
  *program(u) {
    const pid = yield* u.sys.clone(CLONE_NEWPID | SIGCHLD);
    if (pid === 0) {
      yield* namespace_init(u);
      return yield* u.libc.exit(0);
    }
    yield* u.libc.puts(`pid-namespace: outside, the parent sees the child as pid ${pid}`);
    yield* u.libc.waitpid(pid, 0, 0);
    yield* u.sys.setuid(1000);
    const denied = yield* u.sys.clone(CLONE_NEWPID | SIGCHLD);
    yield* u.libc.puts(`pid-namespace: as uid 1000, clone(CLONE_NEWPID) returns ${denied}`);
    const allowed = yield* u.sys.clone(CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD);
    if (allowed === 0) return yield* u.libc.exit(yield* u.libc.getpid());
    const status = u.alloca(4);
    yield* u.libc.waitpid(allowed, status, 0);
    const inner = ((yield* u.load(status)) as number) >> 8;
    yield* u.libc.puts(`pid-namespace: with CLONE_NEWUSER too it works: pid ${allowed} outside, ${inner} inside`);
    return 0;
  },
});
