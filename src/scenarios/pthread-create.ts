/**
 * pthread_create twice and join both: clone3 with the nine flags glibc passes (0x3d0f00),
 * threads that share the process's memory, leave with group_dead=false and prev_state=X, and
 * are joined through their CLONE_CHILD_CLEARTID futex.
 */
import type { User } from "../user/user.js";
import { userScenario } from "./user-program.js";

function* worker(u: User, arg: unknown) {
  const n = arg as number;
  yield* u.compute(40_000 * n);
  return n * 10;
}

export default userScenario({
  name: "pthread-create",
  description: "a process creates two threads with pthread_create and joins them",
  *program(u) {
    const threads = u.alloca(16);
    for (let i = 0; i < 2; i++) {
      const err = yield* u.libc.pthread_create(threads + 8 * i, null, worker, i + 1);
      if (err !== 0) return 1;
    }
    const result = u.alloca(8);
    for (let i = 0; i < 2; i++) {
      yield* u.libc.pthread_join((yield* u.load(threads + 8 * i)) as number, result);
      yield* u.libc.puts(`pthread-create: thread ${i + 1} returned ${yield* u.load(result)}`);
    }
    return 0;
  },
});
