/**
 * Exit, exec and fault paths a review found wrong, each against the kernel: a killed pid
 * namespace init takes its namespace down; exec and reparenting reset the exit signal to
 * SIGCHLD; a signal interrupts a long computation; a failed exec frees its new image; a
 * program that breaks the model's rules ends even with SIGSEGV caught or as a namespace init;
 * copy-on-write does not inflate RSS; a watchpoint whose pointer goes away does not hang.
 */

import { describe, expect, it } from "vitest";
import { Debugger, debugCommand } from "../../src/gdb/gdb.js";
import { SIGCHLD, SIGKILL, SIGSEGV } from "../../src/linux/include/signal.js";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE } from "../../src/linux/include/uapi/futex.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import { CLONE_NEWPID } from "../../src/linux/include/uapi/sched.js";
import { PAGE_SIZE } from "../../src/linux/mm/mm_types.js";
import { problems } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { UserMain } from "../../src/user/user.js";
import { runProgram } from "../helpers.js";

function run(program: UserMain) {
  const r = runProgram(program, { until: 5e9 });
  expect(problems(r.reports)).toEqual([]);
  expect(r.stop).toBe("idle");
  expect(r.machine.tasks().filter((t) => t.mm !== null || t.exit_state !== 0)).toEqual([]);
  return r.machine.kernel.tty.map((l) => l.text.trimEnd());
}

describe("exit, exec and faults", () => {
  it("SIGKILL to a pid namespace's init kills and reaps the namespace at once", () => {
    const tty = run(function* (u) {
      const init = yield* u.sys.clone(CLONE_NEWPID | SIGCHLD);
      if (init === 0) {
        const c = yield* u.sys.clone(SIGCHLD);
        if (c === 0) {
          yield* u.libc.usleep(1_000_000);
          return 0;
        }
        yield* u.libc.usleep(1_000_000);
        return 0;
      }
      yield* u.libc.usleep(10_000);
      const t0 = yield* u.libc.now();
      yield* u.sys.kill(init, SIGKILL);
      const st = u.alloca(8);
      yield* u.sys.wait4(init, st, 0);
      yield* u.libc.puts(`status ${yield* u.load(st)} after ${(yield* u.libc.now()) - t0 < 1e6 ? "<1ms" : "long"}`);
      return 0;
    });
    expect(tty).toEqual([`status ${SIGKILL} after <1ms`]);
  });

  it("an exec'd child and a reparented child are waited for as SIGCHLD children", () => {
    const tty = run(function* (u) {
      const c = yield* u.sys.clone(0); // exit signal 0: only __WCLONE would wait for it...
      if (c === 0) {
        yield* u.sys.execve("/bin/true", ["true"]); // ...until its exec makes it SIGCHLD
        return 1;
      }
      yield* u.libc.usleep(20_000);
      const a = yield* u.sys.wait4(c, 0, 0);
      const init = yield* u.sys.clone(CLONE_NEWPID | SIGCHLD);
      if (init === 0) {
        const b = yield* u.sys.fork();
        if (b === 0) {
          const g = yield* u.sys.clone(0);
          if (g === 0) {
            yield* u.libc.usleep(5_000);
            return yield* u.libc._exit(0);
          }
          return yield* u.libc._exit(0); // g goes to the namespace's init, as a SIGCHLD child
        }
        const got: number[] = [];
        for (;;) {
          const r = yield* u.sys.wait4(-1, 0, 0);
          got.push(r);
          if (r < 0) break;
        }
        yield* u.libc.puts(`init reaped ${got.join(",")}`);
        return 0;
      }
      yield* u.libc.waitpid(init, 0, 0);
      yield* u.libc.puts(`wait4 ${a === c ? "reaped the exec'd child" : a}`);
      return 0;
    });
    expect(tty).toEqual(["init reaped 2,3,-10", "wait4 reaped the exec'd child"]);
  });

  it("a fatal signal ends a long computation within a tick, not after it", () => {
    const tty = run(function* (u) {
      const c = yield* u.sys.fork();
      if (c === 0) {
        yield* u.compute(3e9);
        return 0;
      }
      yield* u.libc.usleep(10_000);
      const t0 = yield* u.libc.now();
      yield* u.sys.kill(c, SIGKILL);
      yield* u.sys.wait4(c, 0, 0);
      yield* u.libc.puts(`${(yield* u.libc.now()) - t0 < 4e6 ? "within a tick" : "late"}`);
      return 0;
    });
    expect(tty).toEqual(["within a tick"]);
  });

  it("a process killed while a thread waits in de_thread leaks nothing (the new image is freed)", () => {
    run(function* (u) {
      const c = yield* u.sys.fork();
      if (c === 0) {
        yield* u.libc.pthread_create(
          0,
          null,
          function* (t) {
            yield* t.compute(500e6);
            return 0;
          },
          null,
        );
        yield* u.libc.usleep(1000);
        yield* u.sys.execve("/bin/true", ["true"]);
        return 7;
      }
      yield* u.libc.usleep(50_000);
      yield* u.sys.kill(c, SIGKILL);
      yield* u.sys.wait4(c, 0, 0);
      return 0;
    });
  });

  it("a program that throws ends with SIGSEGV even if it catches SIGSEGV, and as a namespace init", () => {
    const tty = run(function* (u) {
      const st = u.alloca(8);
      for (const flags of [SIGCHLD, CLONE_NEWPID | SIGCHLD]) {
        const c = yield* u.sys.clone(flags);
        if (c === 0) {
          yield* u.sys.rt_sigaction(SIGSEGV, { sa_handler: 2 });
          throw new Error("a bug in the program");
        }
        yield* u.sys.wait4(c, st, 0);
        yield* u.libc.puts(`status ${yield* u.load(st)}`);
      }
      return 0;
    });
    expect(tty).toEqual([`status ${SIGSEGV}`, `status ${SIGSEGV}`]);
  });

  it("MAP_SHARED anonymous memory is shared with a forked child, MAP_PRIVATE is copied; both freed", () => {
    const tty = run(function* (u) {
      const out: string[] = [];
      for (const [name, type] of [
        ["MAP_SHARED", MAP_SHARED],
        ["MAP_PRIVATE", MAP_PRIVATE],
      ] as const) {
        const buf = yield* u.sys.mmap(0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, type | MAP_ANONYMOUS);
        const c = yield* u.sys.fork();
        if (c === 0) {
          yield* u.store(buf + PAGE_SIZE, 42); // a page neither side touched before the fork
          yield* u.sys.munmap(buf, PAGE_SIZE); // the child's view splits; the object stays whole
          return yield* u.libc._exit(0);
        }
        yield* u.sys.wait4(c, 0, 0);
        out.push(`${name} ${yield* u.load(buf + PAGE_SIZE)}`);
        yield* u.sys.munmap(buf, 3 * PAGE_SIZE);
      }
      yield* u.libc.puts(out.join(", "));
      return 0;
    });
    expect(tty).toEqual(["MAP_SHARED 42, MAP_PRIVATE 0"]);
  });

  it("a shared futex in MAP_SHARED memory wakes a waiter in another process; a private one does not", () => {
    const tty = run(function* (u) {
      const out: string[] = [];
      for (const [name, op] of [
        ["shared", FUTEX_WAKE],
        ["private", FUTEX_WAKE | FUTEX_PRIVATE_FLAG],
      ] as const) {
        const word = yield* u.sys.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
        const c = yield* u.sys.fork();
        if (c === 0) {
          // Sleeps until woken (shared: by the parent) or until the parent kills it.
          yield* u.sys.futex(word, op === FUTEX_WAKE ? FUTEX_WAIT : FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
          return yield* u.libc._exit(3);
        }
        yield* u.libc.usleep(1000);
        const woken = yield* u.sys.futex(word, op, 1);
        if (woken === 0) yield* u.sys.kill(c, SIGKILL);
        const st = u.alloca(8);
        yield* u.sys.wait4(c, st, 0);
        out.push(`${name}: woke ${woken}, status ${yield* u.load(st)}`);
        yield* u.sys.munmap(word, PAGE_SIZE);
      }
      yield* u.libc.puts(out.join("; "));
      return 0;
    });
    expect(tty).toEqual([`shared: woke 1, status ${3 << 8}; private: woke 0, status ${SIGKILL}`]);
  });

  it("a watchpoint whose path goes through a freed pointer is deleted, and the run goes on", () => {
    const s = findScenario("fork");
    if (s === undefined) throw new Error("no scenario");
    const d = new Debugger(s, { cpus: 2, seed: 1 });
    const gdb = (c: string) => debugCommand(d, c);
    gdb("break __x64_sys_exit_group");
    gdb("run");
    expect(gdb("watch mm->mm_users")).toMatch(/^Hardware watchpoint 2: mm->mm_users/);
    expect(gdb("continue")).toMatch(/Old value = 1\nNew value = 0/);
    expect(gdb("continue")).toMatch(/New value = <Cannot access memory at address 0x0>/);
    gdb("delete");
    expect(gdb("continue")).toBe("[Inferior 1 (fork) exited normally]");
  });
});
