/**
 * posix_spawn and system(): clone3 with CLONE_VM|CLONE_VFORK on a 36 KiB stack, the child
 * execs; system() runs /bin/sh -c, which vforks and execs the command in turn.
 */
import { userScenario, WEXITSTATUS } from "./user-program.js";

export default userScenario({
  name: "posix-spawn",
  description: 'posix_spawn(/bin/true) and waitpid, then system("false") through /bin/sh',
  *program(u) {
    const pidp = u.alloca(4);
    const err = yield* u.libc.posix_spawn(pidp, "/bin/true", ["true"]);
    if (err !== 0) return 1;
    yield* u.libc.waitpid((yield* u.load(pidp)) as number, 0, 0);
    const status = yield* u.libc.system("false");
    yield* u.libc.puts(`posix-spawn: system("false") returned exit status ${WEXITSTATUS(status)}`);
    return 0;
  },
});
