/**
 * The classic SIGCHLD reaper (wait(2) NOTES, sigaction(2) SA_SIGINFO): the program installs
 * a SIGCHLD handler, forks three children that exit at different times, and sleeps; each
 * SIGCHLD runs the handler on the parent (the sleep it interrupts returns -EINTR), which
 * prints the siginfo it got and reaps with waitpid(-1, WNOHANG) in a loop until nothing is
 * left to reap. Its count is kept in the program's memory, as C keeps it in a global.
 */
import { SA_RESTART, SA_SIGINFO, SIGCHLD } from "../linux/include/signal.js";
import { WNOHANG } from "../linux/include/uapi/wait.js";
import { EXEC_LAYOUT } from "../linux/mm/mm_types.js";
import type { User } from "../user/user.js";
import { userScenario } from "./user-program.js";

/** The count of reaped children: a global of the program. */
const REAPED = EXEC_LAYOUT.heap;
const CHILDREN = 3;

/** The SIGCHLD handler: what siginfo says, then every child that has exited reaped. */
function* on_sigchld(u: User, _sig: number, info: number) {
  const pid = (yield* u.load(info + 16)) as number;
  const status = (yield* u.load(info + 24)) as number;
  yield* u.libc.puts(`sigchld-reaper: SIGCHLD from ${pid}, exit status ${status}`);
  let n = (yield* u.load(REAPED)) as number;
  for (;;) {
    const r = yield* u.libc.waitpid(-1, 0, WNOHANG);
    if (r <= 0) break;
    n++;
    yield* u.libc.puts(`sigchld-reaper: reaped ${r} in the handler`);
  }
  yield* u.store(REAPED, n);
}

export default userScenario({
  name: "sigchld-reaper",
  description:
    "a SIGCHLD handler (SA_SIGINFO) runs on the parent for each child that exits and reaps with waitpid(-1, WNOHANG) in a loop",
  *program(u) {
    yield* u.store(REAPED, 0);
    yield* u.libc.sigaction(SIGCHLD, { sa_handler: on_sigchld, sa_flags: SA_SIGINFO | SA_RESTART });
    for (let i = 1; i <= CHILDREN; i++) {
      const pid = yield* u.libc.fork();
      if (pid === 0) {
        yield* u.compute(500_000 * i);
        return yield* u.libc.exit(i);
      }
    }
    while (((yield* u.load(REAPED)) as number) < CHILDREN) {
      const r = yield* u.libc.usleep(10_000);
      yield* u.libc.puts(`sigchld-reaper: usleep returned ${r === 0 ? 0 : `-1, errno ${u.errno}`}`);
    }
    yield* u.libc.puts(
      `sigchld-reaper: all ${CHILDREN} reaped; waitpid now ${yield* u.libc.waitpid(-1, 0, 0)}, errno ${u.errno}`,
    );
    return 0;
  },
});
