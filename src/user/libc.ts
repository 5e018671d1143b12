/**
 * The C library (glibc 2.36 as strace shows it on x86-64): what fork(), vfork(),
 * posix_spawn(), system(), the pthread functions and waitpid() really ask of the kernel,
 * with C's conventions: system-call wrappers return -1 and set errno; pthread functions
 * return an error number. Its data lives in the process's memory (libc's data mapping and
 * each thread's struct pthread), so what threads and forks share is what C would share.
 * Size: just over 400 lines: one class, the C library's process-facing calls, each short.
 */

import type { Entry, UGen } from "../linux/arch/x86/entry/user_mode.js";
import { EAGAIN, EDEADLK, EINTR, EINVAL, ENOMEM, ENOSYS, ERANGE } from "../linux/include/errno.js";
import { SA_RESTART, SA_RESTORER, SIGCHLD } from "../linux/include/signal.js";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT } from "../linux/include/uapi/futex.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_STACK, PROT_READ, PROT_WRITE } from "../linux/include/uapi/mman.js";
import { PR_SET_NAME } from "../linux/include/uapi/prctl.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_FILES,
  CLONE_FS,
  CLONE_PARENT_SETTID,
  CLONE_SETTLS,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_VFORK,
  CLONE_VM,
} from "../linux/include/uapi/sched.js";
import { EXEC_LAYOUT, PAGE_SIZE } from "../linux/mm/mm_types.js";
import { stateClass } from "../sim/code.js";
import type { SignalHandler, sigaction_t } from "./sys.js";
import type { User, UserMain } from "./user.js";

/** The flags glibc's pthread_create passes to clone3 (0x3d0f00). */
export const PTHREAD_CLONE_FLAGS =
  CLONE_VM |
  CLONE_FS |
  CLONE_FILES |
  CLONE_SIGHAND |
  CLONE_THREAD |
  CLONE_SYSVSEM |
  CLONE_SETTLS |
  CLONE_PARENT_SETTID |
  CLONE_CHILD_CLEARTID;
/** glibc's fork(): clone(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD). */
export const FORK_CLONE_FLAGS = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;

// struct pthread layout (glibc 2.36, x86-64): the tid word, the start routine's result,
// and the stack block it lives in.
const PD_TID = 0x2d0;
const PD_RESULT = 0x628;
const PD_STACKBLOCK = 0x690;
const PD_STACKBLOCK_SIZE = 0x698;
/** __nptl_nthreads: the live threads of the process, in libc's data. */
const NPTL_NTHREADS = EXEC_LAYOUT.libc_data;
/** posix_spawn's child stack (strace: stack_size=0x9000). */
const SPAWN_STACK = 0x9000;
const DEFAULT_STACKSIZE = 8 * 1024 * 1024;
/**
 * How long ld.so and libc's start-up take before main (mapping libc, relocation, TLS set-up,
 * and the page faults of first touching the program's and libc's pages). Calibrated so that
 * posix_spawn(/bin/true) + waitpid takes what it took on the reference 6.18 guest:
 * 1,960.5 µs per iteration (shared/reference/real-linux-observations.md §3.2, pass 2, row
 * `spawn`; fork + execve + waitpid less fork + _exit + waitpid, 2,764.2 − 744.4 µs, gives
 * the same exec-and-run cost within 5 %). The model's iteration without this start-up is
 * ≈430 µs (execve ≈300 µs of it, load_elf_binary's 250 µs in costs.ts), so the start-up is
 * the rest, ≈1.53 ms: on that guest a minor fault costs 11–16 µs (§1), and ld.so and libc's
 * start-up fault in on the order of a hundred pages. The split between the kernel's execve
 * and this user-space start-up is an estimate; the total is measured.
 */
const LIBC_START_NS = 1_530_000;

export interface pthread_attr_t {
  stacksize?: number;
}

/** What a thread start routine receives: the thread's own User and its argument. */
export type StartRoutine = (u: User, arg: unknown) => UGen<unknown>;

export class Libc {
  constructor(private readonly u: User) {}

  /** A raw result made C-like: -1 with errno set, or the value. */
  private ret(r: number): number {
    if (r < 0 && r > -4096) {
      this.u.errno = -r;
      return -1;
    }
    return r;
  }

  /** printf's plain case: the text and a newline to stdout. */
  *puts(text: string): UGen<number> {
    return this.ret(yield* this.u.sys.write(1, `${text}\n`));
  }

  /** The monotonic clock in nanoseconds (clock_gettime(CLOCK_MONOTONIC) read back from a timespec). */
  *now(): UGen<number> {
    const u = this.u;
    const ts = u.alloca(16);
    yield* u.sys.clock_gettime(1, ts);
    return ((yield* u.load(ts)) as number) * 1e9 + ((yield* u.load(ts + 8)) as number);
  }

  /** fork(): clone with CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD and child_tid = &self->tid. */
  *fork(): UGen<number> {
    const u = this.u;
    const r = yield* u.sys.clone(FORK_CLONE_FLAGS | SIGCHLD, 0, 0, u.self + PD_TID, 0);
    if (r === 0) yield* u.store(NPTL_NTHREADS, 1); // the child has one thread
    return this.ret(r);
  }

  /**
   * clone(fn, stack, flags, arg, parent_tid, tls, child_tid) (glibc's wrapper, x86-64
   * clone.S): EINVAL for no function or no stack; else the clone system call, and the child
   * starts at fn(arg) on `stack` (its top) and leaves with the exit system call and fn's
   * result (its thread only, not exit_group). The thread pointer is `tls` with CLONE_SETTLS.
   */
  *clone<A>(
    fn: (u: User, arg: A) => UGen<unknown>,
    stack: number,
    flags: number,
    arg: A,
    parent_tid = 0,
    tls = 0,
    child_tid = 0,
  ): UGen<number> {
    const u = this.u;
    if (typeof fn !== "function" || stack === 0) {
      u.errno = EINVAL;
      return -1;
    }
    const entry: Entry = {
      fn: clone_start as Entry["fn"],
      arg: { fn, arg },
      stack_top: stack - (stack % 16),
      tp: flags & CLONE_SETTLS ? tls : u.self,
    };
    return this.ret(yield* u.sys.clone_entry(flags, stack, parent_tid, child_tid, tls, entry));
  }

  *vfork(): UGen<number> {
    return this.ret(yield* this.u.sys.vfork());
  }

  /** exit(status): the whole process (exit_group); _exit is the same here (no atexit handlers). */
  *exit(status: number): UGen<never> {
    yield* this.u.sys.exit_group(status);
    throw new Error("exit_group returned");
  }

  _exit(status: number): UGen<never> {
    return this.exit(status);
  }

  /** waitpid: wait4 with no rusage; a handler without SA_RESTART makes it fail with EINTR, as glibc's does. */
  *waitpid(pid: number, wstatus = 0, options = 0): UGen<number> {
    return this.ret(yield* this.u.sys.wait4(pid, wstatus, options, null));
  }

  /** TEMP_FAILURE_RETRY(waitpid(...)): made again while it fails with EINTR (system() and the shell wait so). */
  *waitpid_retry(pid: number, wstatus = 0, options = 0): UGen<number> {
    for (;;) {
      const r = yield* this.waitpid(pid, wstatus, options);
      if (r !== -1 || this.u.errno !== EINTR) return r;
    }
  }

  wait(wstatus = 0): UGen<number> {
    return this.waitpid(-1, wstatus, 0);
  }

  *execve(path: string, argv: readonly string[]): UGen<number> {
    return this.ret(yield* this.u.sys.execve(path, argv, []));
  }

  *getpid(): UGen<number> {
    return yield* this.u.sys.getpid();
  }

  *gettid(): UGen<number> {
    return yield* this.u.sys.gettid();
  }

  *getppid(): UGen<number> {
    return yield* this.u.sys.getppid();
  }

  *kill(pid: number, sig: number): UGen<number> {
    return this.ret(yield* this.u.sys.kill(pid, sig));
  }

  *setpgid(pid: number, pgid: number): UGen<number> {
    return this.ret(yield* this.u.sys.setpgid(pid, pgid));
  }

  *getpgid(pid: number): UGen<number> {
    return this.ret(yield* this.u.sys.getpgid(pid));
  }

  *setsid(): UGen<number> {
    return this.ret(yield* this.u.sys.setsid());
  }

  *getsid(pid: number): UGen<number> {
    return this.ret(yield* this.u.sys.getsid(pid));
  }

  *prctl(option: number, arg2: string | number): UGen<number> {
    return this.ret(yield* this.u.sys.prctl(option, arg2));
  }

  /**
   * sigaction(sig, act, oldact): rt_sigaction with glibc's SA_RESTORER (its __restore_rt makes
   * rt_sigreturn when a handler returns) and sigsetsize 8.
   */
  *sigaction(sig: number, act: sigaction_t | null, oldact = 0): UGen<number> {
    const kact = act === null ? null : { ...act, sa_flags: (act.sa_flags ?? 0) | SA_RESTORER };
    return this.ret(yield* this.u.sys.rt_sigaction(sig, kact, oldact, 8));
  }

  /** signal(sig, handler): BSD semantics, as glibc's: the handler with SA_RESTART; the old handler back, or -1 (SIG_ERR). */
  *signal(sig: number, handler: number | SignalHandler): UGen<number> {
    const old = this.u.alloca(32);
    const r = yield* this.sigaction(sig, { sa_handler: handler, sa_flags: SA_RESTART }, old);
    return r < 0 ? -1 : ((yield* this.u.load(old)) as number);
  }

  /** sleep for ms milliseconds (nanosleep). */
  *usleep(us: number): UGen<number> {
    const ns = Math.round(us * 1000);
    return this.ret(yield* this.u.sys.nanosleep({ tv_sec: Math.floor(ns / 1e9), tv_nsec: ns % 1e9 }));
  }

  /**
   * posix_spawn(pid_addr, path, argv): clone3(CLONE_VM|CLONE_VFORK, SIGCHLD) on a 36 KiB
   * stack (clone when clone3 is ENOSYS); the child execs and, failing, reports errno through the memory it shares with
   * the parent and exits 127. Returns 0 (pid stored at pid_addr) or an error number.
   */
  *posix_spawn(pid_addr: number, path: string, argv: readonly string[]): UGen<number> {
    const u = this.u;
    const stack = yield* u.sys.mmap(0, SPAWN_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK);
    if (stack < 0) return -stack;
    const err = u.alloca(8);
    yield* u.store(err, 0);
    const entry: Entry = {
      fn: spawni_child as Entry["fn"],
      arg: { path, argv, err },
      stack_top: stack + SPAWN_STACK,
      tp: u.self,
    };
    const args = { flags: CLONE_VM | CLONE_VFORK, exit_signal: SIGCHLD, stack, stack_size: SPAWN_STACK };
    let pid = yield* u.sys.clone3_entry(args, 88, entry);
    // __clone_internal: a kernel without clone3 (before 5.3) gets the same request by clone.
    if (pid === -ENOSYS)
      pid = yield* u.sys.clone_entry(CLONE_VM | CLONE_VFORK | SIGCHLD, stack + SPAWN_STACK, 0, 0, 0, entry);
    let ec = 0;
    if (pid > 0) {
      ec = (yield* u.load(err)) as number;
      if (ec !== 0) yield* u.sys.wait4(pid, 0, 0, null);
      else if (pid_addr !== 0) yield* u.store(pid_addr, pid);
    } else {
      ec = -pid;
    }
    yield* u.sys.munmap(stack, SPAWN_STACK);
    return ec;
  }

  /** system(command): /bin/sh -c command, spawned as posix_spawn does, then waited for. Returns the wait status. */
  *system(command: string): UGen<number> {
    const u = this.u;
    const pidp = u.alloca(8);
    const ec = yield* this.posix_spawn(pidp, "/bin/sh", ["sh", "-c", command]);
    if (ec !== 0) return 127 << 8;
    const status = u.alloca(8);
    const pid = (yield* u.load(pidp)) as number;
    if ((yield* this.waitpid_retry(pid, status, 0)) < 0) return -1;
    return (yield* u.load(status)) as number;
  }

  /**
   * pthread_create(thread_addr, attr, start_routine, arg): maps the thread's stack (ENOMEM
   * becomes EAGAIN), then clone3 with the nine flags (0x3d0f00), exit_signal 0, parent_tid =
   * child_tid = &pd->tid, tls = pd, or, when the kernel has no clone3 (-ENOSYS, before 5.3),
   * clone with the same flags. Returns 0 (the thread id stored at thread_addr) or an error number.
   */
  *pthread_create<A>(
    thread_addr: number,
    attr: pthread_attr_t | null,
    fn: (u: User, arg: A) => UGen<unknown>,
    arg: A,
  ): UGen<number> {
    const u = this.u;
    const stacksize = attr?.stacksize ?? DEFAULT_STACKSIZE;
    if (!Number.isSafeInteger(stacksize) || stacksize < 16384) return 22; // EINVAL
    const size = PAGE_SIZE + stacksize + PAGE_SIZE; // guard, stack, struct pthread
    const base = yield* u.sys.mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK);
    if (base < 0) return base === -ENOMEM ? EAGAIN : -base;
    const stack = base + PAGE_SIZE;
    const pd = stack + stacksize;
    yield* u.store(pd + PD_STACKBLOCK, base);
    yield* u.store(pd + PD_STACKBLOCK_SIZE, size);
    const n = (yield* u.load(NPTL_NTHREADS)) as number;
    yield* u.store(NPTL_NTHREADS, n + 1);
    const args = {
      flags: PTHREAD_CLONE_FLAGS,
      child_tid: pd + PD_TID,
      parent_tid: pd + PD_TID,
      exit_signal: 0,
      stack,
      stack_size: stacksize - 0x80,
      tls: pd,
    };
    const entry: Entry = { fn: start_thread as Entry["fn"], arg: { fn, arg }, stack_top: pd - 0x80, tp: pd };
    let r = yield* u.sys.clone3_entry(args, 88, entry);
    if (r === -ENOSYS)
      r = yield* u.sys.clone_entry(PTHREAD_CLONE_FLAGS, stack + stacksize - 0x80, pd + PD_TID, pd + PD_TID, pd, entry);
    if (r < 0) {
      const m = (yield* u.load(NPTL_NTHREADS)) as number;
      yield* u.store(NPTL_NTHREADS, m - 1);
      yield* u.sys.munmap(base, size);
      return -r;
    }
    if (thread_addr !== 0) yield* u.store(thread_addr, pd);
    return 0;
  }

  pthread_self(): number {
    return this.u.self;
  }

  /**
   * pthread_join(thread, retval_addr): waits on the thread's tid word (the kernel clears it
   * and wakes the futex when the thread exits), stores its result, frees its stack.
   */
  *pthread_join(thread: number, retval_addr = 0): UGen<number> {
    const u = this.u;
    if (thread === u.self) return EDEADLK;
    for (;;) {
      const tid = yield* u.load(thread + PD_TID);
      if (tid === 0) break;
      yield* u.sys.futex(thread + PD_TID, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, tid as number);
    }
    const result = yield* u.load(thread + PD_RESULT);
    if (retval_addr !== 0) yield* u.store(retval_addr, result);
    const base = (yield* u.load(thread + PD_STACKBLOCK)) as number;
    const size = (yield* u.load(thread + PD_STACKBLOCK_SIZE)) as number;
    yield* u.sys.munmap(base, size);
    return 0;
  }

  /** pthread_exit(value): this thread ends (the process too, if it was the last one). */
  *pthread_exit(value: number | string): UGen<never> {
    yield* this.u.store(this.u.self + PD_RESULT, value);
    return yield* thread_exit(this.u);
  }

  /**
   * pthread_setname_np(thread, name): ERANGE above 15 characters; the calling thread renames
   * itself with prctl, another thread is renamed through /proc/self/task/<tid>/comm.
   */
  *pthread_setname_np(thread: number, name: string): UGen<number> {
    const u = this.u;
    if (name.length > 15) return ERANGE;
    if (thread === u.self) {
      const r = yield* u.sys.prctl(PR_SET_NAME, name);
      return r < 0 ? -r : 0;
    }
    const tid = (yield* u.load(thread + PD_TID)) as number;
    const fd = yield* u.sys.openat(-100, `/proc/self/task/${tid}/comm`, 1); // AT_FDCWD, O_WRONLY
    if (fd < 0) return -fd;
    const w = yield* u.sys.write(fd, name);
    yield* u.sys.close(fd);
    return w < 0 ? -w : 0;
  }
}

/** The end of a thread: the last one ends the process with exit(0), the others with the exit syscall. */
function* thread_exit(u: User): UGen<never> {
  const n = (yield* u.load(NPTL_NTHREADS)) as number;
  yield* u.store(NPTL_NTHREADS, n - 1);
  if (n - 1 === 0) yield* u.sys.exit_group(0);
  for (;;) yield* u.sys.exit(0);
}

/** clone.S's child: fn(arg), then the exit system call with its result. */
function* clone_start(u: User, a: { fn: (u: User, arg: unknown) => UGen<unknown>; arg: unknown }): UGen<never> {
  const ret = yield* a.fn(u, a.arg);
  for (;;) yield* u.sys.exit(typeof ret === "number" ? ret : 0);
}

/** start_thread: runs the start routine, keeps its result for pthread_join, ends the thread. */
function* start_thread(u: User, a: { fn: StartRoutine; arg: unknown }): UGen<never> {
  const ret = yield* a.fn(u, a.arg);
  yield* u.store(u.self + PD_RESULT, typeof ret === "number" || typeof ret === "string" ? ret : 0);
  return yield* thread_exit(u);
}

/** __spawni_child: exec the program; on failure tell the parent through shared memory and exit 127. */
function* spawni_child(u: User, a: { path: string; argv: string[]; err: number }): UGen<never> {
  const r = yield* u.sys.execve(a.path, a.argv, []);
  yield* u.store(a.err, -r);
  for (;;) yield* u.sys.exit_group(127);
}

/** __libc_start_main: set_tid_address, the main thread counted, start-up time, main, exit. */
export function* libc_start_main(u: User, a: { main: UserMain; argv: string[] }): UGen<never> {
  const tid = yield* u.sys.set_tid_address(u.self + PD_TID);
  yield* u.store(u.self + PD_TID, tid);
  yield* u.store(NPTL_NTHREADS, 1);
  yield* u.compute(LIBC_START_NS);
  const status = yield* a.main(u, a.argv);
  return yield* u.libc.exit(typeof status === "number" ? status : 0);
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("Libc", Libc);
