/**
 * clone3 with CLONE_PIDFD: the kernel hands the parent a pidfd for its child in the
 * clone_args struct, and the parent waits on that pidfd (waitid P_PIDFD) rather than on a
 * pid. Both calls arrived with 5.3/5.4, so the scenario is refused on older releases (where a
 * program would get ENOSYS and EINVAL).
 */
import { SIGCHLD } from "../linux/include/signal.js";
import { CLONE_PIDFD } from "../linux/include/uapi/sched.js";
import { P_PIDFD, WEXITED } from "../linux/include/uapi/wait.js";
import { userScenario } from "./user-program.js";

export default userScenario({
  name: "clone3",
  description: "clone3 with CLONE_PIDFD: the child exits with 3; the parent waits on its pidfd (waitid P_PIDFD)",
  eras: { since: "5.4", why: "the clone3 system call (5.3+) and waitid on a pidfd (5.4+)" },
  *program(u) {
    const pidfd = u.alloca(4);
    const pid = yield* u.sys.clone3({ flags: CLONE_PIDFD, pidfd, exit_signal: SIGCHLD }, 64);
    if (pid === 0) {
      yield* u.compute(20_000);
      return yield* u.sys.exit_group(3);
    }
    const fd = (yield* u.load(pidfd)) as number;
    const info = u.alloca(128);
    const r = yield* u.sys.waitid(P_PIDFD, fd, info, WEXITED);
    const status = (yield* u.load(info + 24)) as number;
    yield* u.libc.puts(`clone3: child ${pid} (pidfd ${fd}) exited with status ${status}, waitid returned ${r}`);
    return 0;
  },
});
