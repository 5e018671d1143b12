/**
 * vfork(): the parent sleeps in D (killable) until its child, which borrows its address
 * space, execs /bin/true; then it goes on and reaps the child.
 */
import { userScenario } from "./user-program.js";

export default userScenario({
  name: "vfork",
  description: "vfork: the parent sleeps in D until the child execs /bin/true, then waits for it",
  *program(u) {
    const pid = yield* u.libc.vfork();
    if (pid === 0) {
      yield* u.compute(30_000);
      yield* u.sys.execve("/bin/true", ["true"]);
      return yield* u.libc._exit(127);
    }
    yield* u.libc.waitpid(pid, 0, 0);
    return 0;
  },
});
