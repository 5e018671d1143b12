/**
 * The raw system calls a user program makes (x86-64 names and argument order). Each
 * returns what the kernel returns: a value, or a negative errno. Pointers are user
 * addresses (numbers); a structure the kernel only reads (struct clone_args, a timespec, a
 * sigaction, an rlimit) is passed as a plain object, and null stands for NULL; strings
 * (file names, argv, a thread name) are passed as JS strings.
 */
import { __NR } from "../linux/arch/x86/entry/syscall_64.js";
import type { Entry, UGen, UserOp } from "../linux/arch/x86/entry/user_mode.js";
import type { clone_args_user } from "../linux/kernel/fork_syscalls.js";
import { stateClass } from "../sim/code.js";
import type { User } from "./user.js";

/** A signal handler: a generator function of the program, run on the thread that takes the signal. */
export type SignalHandler = (u: User, sig: number, info: number, uc: number) => UGen<unknown>;

/** struct sigaction as the kernel reads it (sa_handler a number: SIG_DFL, SIG_IGN, or a handler's address). */
export interface sigaction_t {
  sa_handler: number | SignalHandler;
  sa_flags?: number;
  sa_mask?: number | bigint;
}

function* syscall(nr: number, args: readonly unknown[], entry?: Entry): UGen<number> {
  const op: UserOp = entry === undefined ? { op: "syscall", nr, args } : { op: "syscall", nr, args, entry };
  return (yield op) as number;
}

export class Sys {
  /** Any system call by number (unknown ones return -ENOSYS). */
  syscall(nr: number, ...args: unknown[]): UGen<number> {
    return syscall(nr, args);
  }

  /** write(fd, text): fds 0–2 are the terminal (the run's output). */
  write(fd: number, buf: string): UGen<number> {
    return syscall(__NR.write, [fd, buf]);
  }

  /** openat(dirfd, path, flags): only /proc/<pid>/task/<tid>/comm exists in the model. */
  openat(dirfd: number, path: string, flags = 0): UGen<number> {
    return syscall(__NR.openat, [dirfd, path, flags]);
  }

  fork(): UGen<number> {
    return syscall(__NR.fork, []);
  }

  vfork(): UGen<number> {
    return syscall(__NR.vfork, []);
  }

  /** clone(flags, newsp, parent_tid, child_tid, tls): the child returns 0 from it, as a fork child does. */
  clone(flags: number, newsp = 0, parent_tid = 0, child_tid = 0, tls = 0): UGen<number> {
    return syscall(__NR.clone, [flags, newsp, parent_tid, child_tid, tls]);
  }

  /**
   * clone3(args, size): `args` a struct clone_args as an object (null: a NULL pointer) or the
   * address of one in user memory (eleven u64 words: flags, pidfd, child_tid, parent_tid,
   * exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup); size in bytes (88 for the whole struct).
   */
  clone3(args: clone_args_user | number | null, size: number): UGen<number> {
    return syscall(__NR.clone3, [args, size]);
  }

  /** The C library's clone stubs: the child starts at entry on its own stack instead of returning. */
  clone3_entry(args: clone_args_user, size: number, entry: Entry): UGen<number> {
    return syscall(__NR.clone3, [args, size], entry);
  }

  clone_entry(flags: number, newsp: number, parent_tid: number, child_tid: number, tls: number, entry: Entry) {
    return syscall(__NR.clone, [flags, newsp, parent_tid, child_tid, tls], entry);
  }

  exit(status: number): UGen<number> {
    return syscall(__NR.exit, [status]);
  }

  exit_group(status: number): UGen<number> {
    return syscall(__NR.exit_group, [status]);
  }

  /** wait4(pid, wstatus, options, rusage): the status is stored at the address wstatus (0: not stored). */
  wait4(pid: number, wstatus = 0, options = 0, rusage: null = null): UGen<number> {
    return syscall(__NR.wait4, [pid, wstatus, options, rusage]);
  }

  /** waitid(idtype, id, infop, options): a siginfo is stored at infop (si_pid at +16, si_status at +24). */
  waitid(idtype: number, id: number, infop: number, options: number): UGen<number> {
    return syscall(__NR.waitid, [idtype, id, infop, options]);
  }

  getpid(): UGen<number> {
    return syscall(__NR.getpid, []);
  }

  gettid(): UGen<number> {
    return syscall(__NR.gettid, []);
  }

  getppid(): UGen<number> {
    return syscall(__NR.getppid, []);
  }

  /** setpgid(pid, pgid): pid 0 is the caller, pgid 0 its own number. */
  setpgid(pid: number, pgid: number): UGen<number> {
    return syscall(__NR.setpgid, [pid, pgid]);
  }

  getpgid(pid: number): UGen<number> {
    return syscall(__NR.getpgid, [pid]);
  }

  getpgrp(): UGen<number> {
    return syscall(__NR.getpgrp, []);
  }

  setsid(): UGen<number> {
    return syscall(__NR.setsid, []);
  }

  getsid(pid: number): UGen<number> {
    return syscall(__NR.getsid, [pid]);
  }

  kill(pid: number, sig: number): UGen<number> {
    return syscall(__NR.kill, [pid, sig]);
  }

  tgkill(tgid: number, tid: number, sig: number): UGen<number> {
    return syscall(__NR.tgkill, [tgid, tid, sig]);
  }

  /** prctl(PR_SET_NAME, "name") or prctl(PR_GET_NAME, address). */
  prctl(option: number, arg2: string | number): UGen<number> {
    return syscall(__NR.prctl, [option, arg2]);
  }

  /** capget(header, data): header { u32 version at +0, int pid at +4 }; data 2 × { effective, permitted, inheritable } u32 words, 12 bytes each. */
  capget(header: number, data: number): UGen<number> {
    return syscall(__NR.capget, [header, data]);
  }

  /** capset(header, data): the caller's new sets, laid out as capget's. */
  capset(header: number, data: number): UGen<number> {
    return syscall(__NR.capset, [header, data]);
  }

  set_tid_address(tidptr: number): UGen<number> {
    return syscall(__NR.set_tid_address, [tidptr]);
  }

  /** execve(path, argv, envp): does not return on success. */
  execve(path: string, argv: readonly string[], envp: readonly string[] = []): UGen<number> {
    return syscall(__NR.execve, [path, argv, envp]);
  }

  sched_yield(): UGen<number> {
    return syscall(__NR.sched_yield, []);
  }

  nanosleep(req: { tv_sec: number; tv_nsec: number } | null, rem = 0): UGen<number> {
    return syscall(__NR.nanosleep, [req, rem]);
  }

  pidfd_open(pid: number, flags = 0): UGen<number> {
    return syscall(__NR.pidfd_open, [pid, flags]);
  }

  /** pidfd_send_signal(pidfd, sig, info, flags): info 0 or a siginfo's address (si_signo at +0, si_code at +8). */
  pidfd_send_signal(pidfd: number, sig: number, info = 0, flags = 0): UGen<number> {
    return syscall(__NR.pidfd_send_signal, [pidfd, sig, info, flags]);
  }

  /** poll(fds, nfds, timeout): fds the address of nfds struct pollfd (8 bytes: fd at +0, events at +4, revents at +6); timeout in ms, -1 for none. */
  poll(fds: number, nfds: number, timeout: number): UGen<number> {
    return syscall(__NR.poll, [fds, nfds, timeout]);
  }

  /** ppoll(fds, nfds, tsp, sigmask, sigsetsize): tsp a timespec ({ tv_sec, tv_nsec }) or null for none; sigmask a sigset_t's address or 0. */
  ppoll(
    fds: number,
    nfds: number,
    tsp: { tv_sec: number; tv_nsec: number } | null,
    sigmask = 0,
    sigsetsize = 8,
  ): UGen<number> {
    return syscall(__NR.ppoll, [fds, nfds, tsp, sigmask, sigsetsize]);
  }

  close(fd: number): UGen<number> {
    return syscall(__NR.close, [fd]);
  }

  unshare(flags: number): UGen<number> {
    return syscall(__NR.unshare, [flags]);
  }

  mmap(addr: number, length: number, prot: number, flags: number, fd = -1, offset = 0): UGen<number> {
    return syscall(__NR.mmap, [addr, length, prot, flags, fd, offset]);
  }

  munmap(addr: number, length: number): UGen<number> {
    return syscall(__NR.munmap, [addr, length]);
  }

  futex(uaddr: number, op: number, val: number, timeout: null = null): UGen<number> {
    return syscall(__NR.futex, [uaddr, op, val, timeout]);
  }

  /**
   * rt_sigaction(sig, { sa_handler, sa_flags, sa_mask } | null, oldact address (handler at +0,
   * flags at +8, mask at +24), sigsetsize): sa_handler SIG_DFL, SIG_IGN or a handler function of
   * the program; sa_mask a signal set as a number or bigint (bit sig - 1).
   */
  rt_sigaction(sig: number, act: sigaction_t | null, oldact = 0, sigsetsize = 8): UGen<number> {
    return syscall(__NR.rt_sigaction, [sig, act, oldact, sigsetsize]);
  }

  /** rt_sigprocmask(how, set, oldset, sigsetsize): set and oldset are addresses of a sigset_t (two 32-bit words; 0: none). */
  rt_sigprocmask(how: number, set: number, oldset = 0, sigsetsize = 8): UGen<number> {
    return syscall(__NR.rt_sigprocmask, [how, set, oldset, sigsetsize]);
  }

  /** rt_sigpending(set, sigsetsize): the blocked pending signals are stored at set. */
  rt_sigpending(set: number, sigsetsize = 8): UGen<number> {
    return syscall(__NR.rt_sigpending, [set, sigsetsize]);
  }

  umask(mask: number): UGen<number> {
    return syscall(__NR.umask, [mask]);
  }

  /** clock_gettime(clk, tp): tv_sec at tp, tv_nsec at tp + 8. */
  clock_gettime(clk: number, tp: number): UGen<number> {
    return syscall(__NR.clock_gettime, [clk, tp]);
  }

  setuid(uid: number): UGen<number> {
    return syscall(__NR.setuid, [uid]);
  }

  setrlimit(resource: number, rlim: { rlim_cur: number; rlim_max?: number } | null): UGen<number> {
    return syscall(__NR.setrlimit, [resource, rlim]);
  }
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("Sys", Sys);
