/**
 * The seed's comparison: the same work (4 workers, each writing 16 pages of a 1 MiB
 * buffer the parent filled) done by fork and by pthread_create. A fork copies the
 * parent's page tables and every page a child writes is copied on write; threads share
 * everything. The program prints the virtual time each way took.
 */
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../linux/include/uapi/mman.js";
import { PAGE_SIZE } from "../linux/mm/mm_types.js";
import type { User } from "../user/user.js";
import { userScenario } from "./user-program.js";

const WORKERS = 4;
const BUFFER_PAGES = 256;
const PAGES_PER_WORKER = 16;

function* work(u: User, a: { buf: number; n: number }) {
  for (let i = 0; i < PAGES_PER_WORKER; i++) {
    yield* u.store(a.buf + (a.n * PAGES_PER_WORKER + i) * PAGE_SIZE, a.n);
  }
  yield* u.compute(50_000);
  return 0;
}

export default userScenario({
  name: "fork-vs-thread",
  description: "4 workers writing 16 pages each of a 1 MiB buffer: by fork (copy-on-write) and by threads (shared)",
  *program(u) {
    const buf = yield* u.sys.mmap(0, BUFFER_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    for (let p = 0; p < BUFFER_PAGES; p++) yield* u.store(buf + p * PAGE_SIZE, -1);
    const t0 = yield* u.libc.now();
    const pids: number[] = [];
    for (let n = 0; n < WORKERS; n++) {
      const pid = yield* u.libc.fork();
      if (pid === 0) {
        yield* work(u, { buf, n });
        return yield* u.libc.exit(0);
      }
      pids.push(pid);
    }
    for (const pid of pids) yield* u.libc.waitpid(pid, 0, 0);
    const t1 = yield* u.libc.now();
    const ids = u.alloca(8 * WORKERS);
    for (let n = 0; n < WORKERS; n++)
      yield* u.libc.pthread_create(ids + 8 * n, { stacksize: 64 * 1024 }, work, { buf, n });
    for (let n = 0; n < WORKERS; n++) yield* u.libc.pthread_join((yield* u.load(ids + 8 * n)) as number);
    const t2 = yield* u.libc.now();
    yield* u.libc.puts(
      `fork-vs-thread: fork ${((t1 - t0) / 1000).toFixed(1)} us, threads ${((t2 - t1) / 1000).toFixed(1)} us`,
    );
    return 0;
  },
});
