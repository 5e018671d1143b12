/**
 * Small scenario files for the fuzz test: a kernel scenario (pid 1's main and a few
 * kthreads calling the kthread API, sleeps, allocations, signals, completions) or a user
 * program (system calls, libc, memory, threads, forks), each a random sequence of calls
 * with random arguments (in range, negative, NaN, huge, of the wrong type), and now and
 * then a yield of something that is not a cost or a request.
 *
 * Every loop in them is bounded in virtual time (a kthread waits to be stopped with
 * msleep(5), and the run stops at 10 s at the latest), so in-process runs end. What must
 * be left to the watchdog (a loop that never yields, process.exit) is `hostile`, for the
 * child-process cases only.
 */
import fc from "fast-check";

/** Arguments of every kind: in range, edge, out of range, the wrong type. */
const num = fc.constantFrom("0", "1", "2", "5", "17", "-1", "-8", "NaN", "1e9", "1e18", "Infinity", "2 ** 40", "4096");
const anyArg = fc.oneof(num, fc.constantFrom('"x"', '""', "null", "undefined", "{}", "[]", "true", '"%s%d%n"'));
const name = fc.constantFrom('"w%d"', '"worker"', `"${"n".repeat(40)}"`, '""', '"%s%s%s"', "42", "null");
/** What a raw `yield` hands the engine: costs, and things that are not. */
const yielded = fc.constantFrom(
  "1000",
  "0",
  "NaN",
  "-5",
  "1e300",
  "Infinity",
  '"str"',
  'Symbol("s")',
  "10n",
  "{}",
  "null",
  "undefined",
  "[]",
);
const slot = fc.constantFrom("t0", "t1", "t2");

/** One statement of kernel code (pid 1's main or a thread function). */
const kstmt: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(slot, fc.constantFrom("f0", "f1"), anyArg, name)
      .map(([t, f, d, n]) => `${t} = yield* k.kthread_run(${f}, ${d}, ${n}, 0);`),
  },
  fc
    .tuple(slot, fc.constantFrom("f0", "f1"), name)
    .map(([t, f, n]) => `${t} = yield* k.kthread_create(${f}, null, ${n});`),
  fc.tuple(slot, num).map(([t, c]) => `${t} = yield* k.kthread_run_on_cpu(f0, null, ${c}, "pc/%u");`),
  slot.map((t) => `if (${t} && !k.IS_ERR(${t})) k.wake_up_process(${t});`),
  { weight: 2, arbitrary: slot.map((t) => `if (${t} && !k.IS_ERR(${t})) yield* k.kthread_stop(${t});`) },
  slot.map((t) => `if (${t} && !k.IS_ERR(${t})) yield* k.kthread_park(${t});`),
  slot.map((t) => `if (${t} && !k.IS_ERR(${t})) yield* k.kthread_unpark(${t});`),
  fc.tuple(slot, num).map(([t, c]) => `if (${t} && !k.IS_ERR(${t})) yield* k.kthread_bind(${t}, ${c});`),
  fc.tuple(slot, num).map(([t, n]) => `if (${t} && !k.IS_ERR(${t})) k.set_user_nice(${t}, ${n});`),
  fc.tuple(slot, num).map(([t, s]) => `if (${t} && !k.IS_ERR(${t})) yield* k.send_sig(${s}, ${t}, 0);`),
  fc.tuple(num, num).map(([p, s]) => `yield* k.kill_pid(${p}, ${s}, 0);`),
  slot.map((t) => `yield* k.kthread_stop(${t});`),
  { weight: 3, arbitrary: num.map((n) => `yield* k.msleep(${n});`) },
  num.map((n) => `yield* k.udelay(${n});`),
  num.map((n) => `yield* k.mdelay(${n});`),
  num.map((n) => `yield* k.schedule_timeout(${n});`),
  fc.constantFrom("yield* k.schedule();", "yield* k.cond_resched();", "k.preempt_disable();", "k.preempt_enable();"),
  fc.constantFrom("k.set_current_state(k.TASK_INTERRUPTIBLE);", "k.__set_current_state(k.TASK_RUNNING);"),
  fc.tuple(anyArg, num).map(([t, s]) => `m = k.kmalloc(${t}, ${s}, () => ({}));`),
  fc.constant("k.kfree(m); m = null;"),
  fc.tuple(name, anyArg).map(([f, a]) => `k.printk(${f}, ${a});`),
  fc.constant("yield* k.complete(c0);"),
  num.map((n) => `yield* k.wait_for_completion_timeout(c0, ${n});`),
  fc.tuple(num, name).map(([f, n]) => `w = yield* k.kthread_run_worker(${f}, ${n});`),
  fc.constant(
    "if (w && !k.IS_ERR(w)) yield* k.kthread_queue_work(w, k.kthread_init_work(function* () { yield* k.msleep(1); }));",
  ),
  fc.constant("if (w && !k.IS_ERR(w)) yield* k.kthread_destroy_worker(w);"),
  { weight: 2, arbitrary: yielded.map((v) => `yield ${v};`) },
  fc.constant('throw new Error("fuzz");'),
);

/** One statement of a user program (`u` is its User). */
const ustmt: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(num, fc.constantFrom('"hello\\n"', '""', "42")).map(([fd, s]) => `yield* u.sys.write(${fd}, ${s});`),
  fc.constantFrom(
    'yield* u.libc.puts("hi");',
    "yield* u.sys.getpid();",
    "yield* u.sys.gettid();",
    "yield* u.sys.getppid();",
    "yield* u.sys.sched_yield();",
  ),
  fc.tuple(num, num).map(([p, s]) => `yield* u.sys.kill(${p}, ${s});`),
  fc.tuple(num, anyArg).map(([o, a]) => `yield* u.sys.prctl(${o}, ${a});`),
  fc
    .constantFrom('"/bin/true"', '"/bin/false"', '"/bin/sh"', '"/nope"', '""', "null")
    .map((p) => `yield* u.libc.execve(${p}, ["x"]);`),
  fc.tuple(num, num).map(([s, n]) => `yield* u.sys.nanosleep({ tv_sec: ${s}, tv_nsec: ${n} });`),
  fc.constant("yield* u.sys.nanosleep(null);"),
  num.map((n) => `a = yield* u.sys.mmap(0, ${n}, 3, 0x22);`),
  num.map((n) => `yield* u.sys.munmap(a, ${n});`),
  fc.tuple(num, num).map(([o, v]) => `yield* u.sys.futex(k.EXEC_LAYOUT.heap, ${o}, ${v});`),
  fc.tuple(num, num).map(([s, h]) => `yield* u.sys.rt_sigaction(${s}, { sa_handler: ${h} }, 0);`),
  fc.tuple(num, num).map(([r, c]) => `yield* u.sys.setrlimit(${r}, { rlim_cur: ${c} });`),
  num.map((n) => `yield* u.sys.setuid(${n});`),
  num.map((n) => `yield* u.sys.umask(${n});`),
  num.map((n) => `yield* u.sys.unshare(${n});`),
  num.map((n) => `yield* u.sys.close(${n});`),
  fc.tuple(num, num).map(([p, f]) => `yield* u.sys.pidfd_open(${p}, ${f});`),
  fc.constantFrom('"/proc/self/task/1/comm"', '"/etc/passwd"', '""').map((p) => `yield* u.sys.openat(-100, ${p}, 1);`),
  fc.tuple(num, anyArg, anyArg).map(([nr, x, y]) => `yield* u.sys.syscall(${nr}, ${x}, ${y});`),
  fc.tuple(num, num).map(([p, o]) => `yield* u.sys.wait4(${p}, 0, ${o}, null);`),
  fc.tuple(num, num).map(([t, i]) => `yield* u.sys.waitid(${t}, ${i}, 0, 4);`),
  fc.constantFrom("yield* u.libc.waitpid(-1, 0, 1);", "yield* u.libc.wait();"),
  fc.tuple(num, num).map(([f, s]) => `yield* u.sys.clone(${f}, ${s});`),
  fc
    .constantFrom("null", "{}", "{ flags: 0, exit_signal: 17 }", '{ flags: "x" }', "{ flags: 2 ** 40 }")
    .map((a) => `yield* u.sys.clone3(${a}, 88);`),
  fc
    .tuple(fc.constantFrom("k.EXEC_LAYOUT.heap", "0", "-8", "NaN", "2 ** 60", "u.alloca(8)"), anyArg)
    .map(([a, v]) => `yield* u.store(${a}, ${v});`),
  fc.constantFrom("k.EXEC_LAYOUT.heap", "0", "-8", "NaN", "2 ** 60").map((a) => `yield* u.load(${a});`),
  num.map((n) => `u.alloca(${n});`),
  num.map((n) => `yield* u.compute(${n});`),
  num.map((n) => `yield* u.libc.usleep(${n});`),
  fc.constantFrom('"true"', '"false"', '""').map((c) => `yield* u.libc.system(${c});`),
  fc.constantFrom('"/bin/true"', '"/nope"').map((p) => `yield* u.libc.posix_spawn(0, ${p}, ["x"]);`),
  name.map((n) => `yield* u.libc.pthread_setname_np(u.libc.pthread_self(), ${n});`),
  fc
    .tuple(
      fc.constantFrom("null", "{ stacksize: 16384 }", "{ stacksize: -1 }", "{ stacksize: 1e15 }"),
      fc.constantFrom('yield* t.libc.puts("t");', "yield* t.compute(1000);", "yield* t.libc.exit(3);", 'yield "x";'),
    )
    .map(
      ([attr, body]) =>
        `th = u.alloca(8); if ((yield* u.libc.pthread_create(th, ${attr}, function* (t) { ${body} return 0; }, null)) === 0) yield* u.libc.pthread_join((yield* u.load(th)));`,
    ),
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'yield "str";',
      "yield 5;",
      "yield null;",
      'yield { op: "bogus" };',
      'yield { op: "syscall" };',
      'yield { op: "compute", ns: "x" };',
      "yield 10n;",
    ),
  },
  fc.constant('throw new Error("fuzz");'),
);

/** A fork: the child runs a few statements and exits (or runs on through the rest of the program). */
const fork = fc
  .tuple(
    fc.constantFrom("fork", "vfork"),
    fc.array(ustmt, { maxLength: 2 }),
    fc.constantFrom("yield* u.libc.exit(3);", 'yield* u.libc.execve("/bin/true", ["true"]);', ""),
  )
  .map(([how, body, end]) => `if ((yield* u.libc.${how}()) === 0) { ${body.join(" ")} ${end} }`);

const cpus = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("", "cpus: 1,", "cpus: 2,", "cpus: 4,") },
  fc.constantFrom("cpus: 0,", "cpus: -1,", "cpus: 2.5,", "cpus: NaN,", 'cpus: "two",', "cpus: 5000,"),
);

export interface Program {
  /** The module's text (imports the library from `lib`). */
  source(lib: string, name: string): string;
}

/** A thread function's statements create no threads: a thread that starts another runs a chain until pid_max. */
const threadStmt = kstmt.filter((s) => !/k\.kthread_(run|create|run_on_cpu)\(f/.test(s));

const kernelProgram = fc
  .tuple(
    cpus,
    fc.array(kstmt, { minLength: 1, maxLength: 8 }),
    fc.array(threadStmt, { maxLength: 3 }),
    fc.array(threadStmt, { maxLength: 3 }),
  )
  .map(
    ([c, main, f0, f1]) =>
      (lib: string, n: string) =>
        [
          `import * as k from ${JSON.stringify(lib)};`,
          "let m = null;",
          "let w = null;",
          "const c0 = k.init_completion();",
          `function* f0(data) { let t0 = null, t1 = null, t2 = null; ${f0.join(" ")} while (!k.kthread_should_stop()) yield* k.msleep(5); return 0; }`,
          `function* f1(data) { let t0 = null, t1 = null, t2 = null; ${f1.join(" ")} return 1; }`,
          `export default k.defineScenario({ name: ${JSON.stringify(n)}, description: "fuzz", ${c}`,
          `  *main() { let t0 = null, t1 = null, t2 = null; ${main.join("\n    ")} },`,
          "});",
          "",
        ].join("\n"),
  );

const userProgram = fc
  .tuple(cpus, fc.array(fc.oneof({ weight: 8, arbitrary: ustmt }, fork), { minLength: 1, maxLength: 10 }), anyArg)
  .filter(([, body]) => body.filter((s) => s.includes("fork()")).length <= 2)
  .map(
    ([c, body, status]) =>
      (lib: string, n: string) =>
        [
          `import * as k from ${JSON.stringify(lib)};`,
          `export default k.userScenario({ name: ${JSON.stringify(n)}, description: "fuzz", ${c}`,
          `  *program(u) { let a = 0, th = 0; ${body.join("\n    ")}\n    return ${status}; },`,
          "});",
          "",
        ].join("\n"),
  );

/** A scenario module's text: a kernel scenario or a user program. */
export const program: fc.Arbitrary<(lib: string, name: string) => string> = fc.oneof(kernelProgram, userProgram);

/**
 * What only a child process may run: a loop that never yields (the watchdog must end it),
 * process.exit in scenario code, a module that throws when loaded, and ordinary programs.
 */
export const hostile: fc.Arbitrary<(lib: string, name: string) => string> = fc.oneof(
  fc
    .constantFrom(
      "function* f0() { for (;;) {} }",
      "function* f0() { process.exit(0); }",
      "function* f0() { process.exit(3); }",
      'throw new Error("at load");',
    )
    .map(
      (body) => (lib: string, n: string) =>
        [
          `import * as k from ${JSON.stringify(lib)};`,
          body,
          `export default k.defineScenario({ name: ${JSON.stringify(n)}, description: "fuzz", *main() { yield* k.kthread_run(f0, null, "h"); yield* k.msleep(10); } });`,
          "",
        ].join("\n"),
    ),
  program,
);
