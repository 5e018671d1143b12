/**
 * Job control, as a shell does it: the program leads a new session (setsid), starts a job of
 * two processes in a process group of their own (setpgid in the child and in the parent, as
 * shells do to win the race), stops the whole job with SIGTSTP to the group (as ^Z does),
 * continues it with SIGCONT, and reaps it, every wait by process group (waitpid(-pgid)).
 * Each member's threads are stopped (T) between the two signals.
 */
import { SIGCONT, SIGTSTP } from "../linux/include/signal.js";
import { WCONTINUED, WUNTRACED } from "../linux/include/uapi/wait.js";
import { userScenario, WEXITSTATUS, WIFCONTINUED, WIFSTOPPED, WSTOPSIG } from "./user-program.js";

export default userScenario({
  name: "job-control",
  description:
    "a shell-like parent stops (SIGTSTP), continues (SIGCONT) and reaps a two-process job in its own process group, waiting by group",
  *program(u) {
    const sid = yield* u.libc.setsid();
    let pgid = 0;
    for (let i = 0; i < 2; i++) {
      const pid = yield* u.libc.fork();
      if (pid === 0) {
        yield* u.libc.setpgid(0, pgid);
        yield* u.compute(4_000_000); // the job's work, stopped half-way
        return yield* u.libc.exit(i + 1);
      }
      if (pgid === 0) pgid = pid;
      yield* u.libc.setpgid(pid, pgid);
    }
    yield* u.libc.puts(`job-control: session ${sid}, job in process group ${pgid}`);
    yield* u.libc.usleep(1000);
    yield* u.libc.kill(-pgid, SIGTSTP);
    const st = u.alloca(8);
    for (let i = 0; i < 2; i++) {
      const pid = yield* u.libc.waitpid(-pgid, st, WUNTRACED);
      const s = (yield* u.load(st)) as number;
      if (WIFSTOPPED(s)) yield* u.libc.puts(`job-control: ${pid} stopped by signal ${WSTOPSIG(s)}`);
    }
    yield* u.libc.usleep(1000); // the job stays stopped (T) meanwhile
    yield* u.libc.kill(-pgid, SIGCONT);
    for (let i = 0; i < 2; i++) {
      const pid = yield* u.libc.waitpid(-pgid, st, WCONTINUED);
      if (WIFCONTINUED((yield* u.load(st)) as number)) yield* u.libc.puts(`job-control: ${pid} continued`);
    }
    for (let i = 0; i < 2; i++) {
      const pid = yield* u.libc.waitpid(-pgid, st, 0);
      yield* u.libc.puts(`job-control: ${pid} exited with status ${WEXITSTATUS((yield* u.load(st)) as number)}`);
    }
    return 0;
  },
});
