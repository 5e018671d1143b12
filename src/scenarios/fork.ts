/**
 * fork(): the C library's fork (clone with CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD),
 * the child runs on the other CPU and exits with 7, the parent reaps it with waitpid.
 */
import { userScenario, WEXITSTATUS } from "./user-program.js";

export default userScenario({
  name: "fork",
  description: "a process forks; the child exits with 7; the parent waits for it and reads the status",
  *program(u) {
    const pid = yield* u.libc.fork();
    if (pid === 0) {
      yield* u.compute(20_000);
      return yield* u.libc.exit(7);
    }
    yield* u.compute(100_000);
    const status = u.alloca(4);
    const got = yield* u.libc.waitpid(pid, status, 0);
    yield* u.libc.puts(`fork: child ${got} exited with status ${WEXITSTATUS((yield* u.load(status)) as number)}`);
    return 0;
  },
});
