// A user program of your own: fork a child and start a thread, and see what each shares.
import { EXEC_LAYOUT, userScenario, WEXITSTATUS } from "tasklab";

const counter = EXEC_LAYOUT.heap; // a word of the process's heap

export default userScenario({
  name: "fork-and-threads",
  description: "a child process and a thread each add 1 to a counter in the heap",
  *program(u) {
    yield* u.store(counter, 0);
    const pid = yield* u.libc.fork();
    if (pid === 0) {
      yield* u.store(counter, ((yield* u.load(counter)) as number) + 1); // its own copy
      return yield* u.libc.exit(3);
    }
    const status = u.alloca(4);
    yield* u.libc.waitpid(pid, status, 0);
    const thread = u.alloca(8);
    yield* u.libc.pthread_create(thread, null, function* (t) {
      yield* t.store(counter, ((yield* t.load(counter)) as number) + 1); // the same memory
      return 0;
    }, null);
    yield* u.libc.pthread_join((yield* u.load(thread)) as number);
    const exit = WEXITSTATUS((yield* u.load(status)) as number);
    yield* u.libc.puts(`child ${pid} exited with ${exit}; counter = ${yield* u.load(counter)}`);
    return 0;
  },
});
