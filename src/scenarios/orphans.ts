/**
 * Orphans: a parent forks two children and exits at once; the children are reparented to
 * init (getppid() becomes 1), and init reaps them when they exit.
 */
import { userScenario } from "./user-program.js";

export default userScenario({
  name: "orphans",
  description: "the parent exits before its two children; they are reparented to init, which reaps them",
  *program(u) {
    for (let i = 0; i < 2; i++) {
      const pid = yield* u.libc.fork();
      if (pid === 0) {
        const before = yield* u.libc.getppid();
        yield* u.libc.usleep(1000 * (i + 1));
        yield* u.libc.puts(
          `orphans: child ${yield* u.libc.getpid()}: parent was ${before}, now ${yield* u.libc.getppid()}`,
        );
        return yield* u.libc.exit(0);
      }
    }
    return 0;
  },
});
