/**
 * The x86-64 system call table (arch/x86/entry/syscalls/syscall_64.tbl) and its entry
 * point: do_syscall_64 looks the number up and calls the __x64_sys_ function; a number
 * the model does not implement returns -ENOSYS, as an unknown one does.
 */

import type { KGen } from "../../../../sim/engine.js";
import { kfunc } from "../../../../sim/functions.js";
import { __x64_sys_execve } from "../../../fs/exec.js";
import { __x64_sys_openat } from "../../../fs/proc_comm.js";
import { __x64_sys_poll, __x64_sys_ppoll } from "../../../fs/select.js";
import { ENOSYS } from "../../../include/errno.js";
import { __x64_sys_capget, __x64_sys_capset } from "../../../kernel/capability.js";
import { __x64_sys_exit, __x64_sys_exit_group } from "../../../kernel/exit.js";
import { __x64_sys_wait4, __x64_sys_waitid } from "../../../kernel/exit_wait.js";
import {
  __x64_sys_clone,
  __x64_sys_clone3,
  __x64_sys_fork,
  __x64_sys_set_tid_address,
  __x64_sys_unshare,
  __x64_sys_vfork,
} from "../../../kernel/fork_syscalls.js";
import { __x64_sys_futex } from "../../../kernel/futex.js";
import {
  __x64_sys_getpgid,
  __x64_sys_getpgrp,
  __x64_sys_getsid,
  __x64_sys_setpgid,
  __x64_sys_setsid,
} from "../../../kernel/pgrp.js";
import { __x64_sys_pidfd_send_signal } from "../../../kernel/pidfd_signal.js";
import { __x64_sys_kill, __x64_sys_rt_sigaction, __x64_sys_tgkill } from "../../../kernel/signal.js";
import { __x64_sys_rt_sigpending, __x64_sys_rt_sigprocmask } from "../../../kernel/signal_mask.js";
import {
  __x64_sys_clock_gettime,
  __x64_sys_close,
  __x64_sys_getpid,
  __x64_sys_getppid,
  __x64_sys_gettid,
  __x64_sys_nanosleep,
  __x64_sys_pidfd_open,
  __x64_sys_prctl,
  __x64_sys_restart_syscall,
  __x64_sys_sched_yield,
  __x64_sys_setrlimit,
  __x64_sys_setuid,
  __x64_sys_umask,
  __x64_sys_write,
} from "../../../kernel/sys.js";
import { K } from "../../../kernel.js";
import { __x64_sys_mmap, __x64_sys_munmap } from "../../../mm/mmap.js";

// biome-ignore lint/suspicious/noExplicitAny: the table holds functions of every arity
type SyscallFn = (...args: any[]) => KGen<unknown>;

/** Syscall numbers (x86-64). */
export const __NR = {
  write: 1,
  close: 3,
  poll: 7,
  mmap: 9,
  munmap: 11,
  rt_sigaction: 13,
  rt_sigprocmask: 14,
  sched_yield: 24,
  nanosleep: 35,
  getpid: 39,
  clone: 56,
  fork: 57,
  vfork: 58,
  execve: 59,
  exit: 60,
  wait4: 61,
  kill: 62,
  setuid: 105,
  setpgid: 109,
  getppid: 110,
  getpgrp: 111,
  setsid: 112,
  getpgid: 121,
  getsid: 124,
  capget: 125,
  capset: 126,
  rt_sigpending: 127,
  umask: 95,
  prctl: 157,
  setrlimit: 160,
  gettid: 186,
  futex: 202,
  set_tid_address: 218,
  restart_syscall: 219,
  exit_group: 231,
  clock_gettime: 228,
  tgkill: 234,
  waitid: 247,
  ppoll: 271,
  unshare: 272,
  pidfd_send_signal: 424,
  pidfd_open: 434,
  openat: 257,
  clone3: 435,
} as const;

/** Built on first use: the modules it points into import this one (through the user runtime). */
let sys_call_table: Record<number, SyscallFn> | null = null;

/** Models sys_call_table (its initializer). */
const buildSyscallTable = (): Record<number, SyscallFn> => ({
  [__NR.write]: __x64_sys_write,
  [__NR.close]: __x64_sys_close,
  [__NR.poll]: __x64_sys_poll,
  [__NR.mmap]: __x64_sys_mmap,
  [__NR.munmap]: __x64_sys_munmap,
  [__NR.rt_sigaction]: __x64_sys_rt_sigaction,
  [__NR.rt_sigprocmask]: __x64_sys_rt_sigprocmask,
  [__NR.rt_sigpending]: __x64_sys_rt_sigpending,
  [__NR.sched_yield]: __x64_sys_sched_yield,
  [__NR.nanosleep]: __x64_sys_nanosleep,
  [__NR.getpid]: __x64_sys_getpid,
  [__NR.clone]: __x64_sys_clone,
  [__NR.fork]: __x64_sys_fork,
  [__NR.vfork]: __x64_sys_vfork,
  [__NR.execve]: __x64_sys_execve,
  [__NR.exit]: __x64_sys_exit,
  [__NR.wait4]: __x64_sys_wait4,
  [__NR.kill]: __x64_sys_kill,
  [__NR.setuid]: __x64_sys_setuid,
  [__NR.getppid]: __x64_sys_getppid,
  [__NR.setpgid]: __x64_sys_setpgid,
  [__NR.getpgrp]: __x64_sys_getpgrp,
  [__NR.setsid]: __x64_sys_setsid,
  [__NR.getpgid]: __x64_sys_getpgid,
  [__NR.getsid]: __x64_sys_getsid,
  [__NR.umask]: __x64_sys_umask,
  [__NR.clock_gettime]: __x64_sys_clock_gettime,
  [__NR.prctl]: __x64_sys_prctl,
  [__NR.capget]: __x64_sys_capget,
  [__NR.capset]: __x64_sys_capset,
  [__NR.setrlimit]: __x64_sys_setrlimit,
  [__NR.gettid]: __x64_sys_gettid,
  [__NR.futex]: __x64_sys_futex,
  [__NR.set_tid_address]: __x64_sys_set_tid_address,
  [__NR.restart_syscall]: __x64_sys_restart_syscall,
  [__NR.exit_group]: __x64_sys_exit_group,
  [__NR.tgkill]: __x64_sys_tgkill,
  [__NR.waitid]: __x64_sys_waitid,
  [__NR.ppoll]: __x64_sys_ppoll,
  [__NR.unshare]: __x64_sys_unshare,
  [__NR.pidfd_send_signal]: __x64_sys_pidfd_send_signal,
  [__NR.pidfd_open]: __x64_sys_pidfd_open,
  [__NR.openat]: __x64_sys_openat,
  [__NR.clone3]: __x64_sys_clone3,
});

/**
 * tasklab's own: whether this release has system call nr: clone3 and pidfd_open came in 5.3,
 * pidfd_send_signal in 5.1 (all present 5.4, absent 4.19); before, their slots are sys_ni_syscall
 * (-ENOSYS).
 */
function syscallInRelease(nr: number): boolean {
  return (nr !== __NR.clone3 && nr !== __NR.pidfd_open && nr !== __NR.pidfd_send_signal) || K.era.clone3;
}

/** do_syscall_64: the kernel side of the `syscall` instruction. */
export const do_syscall_64 = kfunc(function* do_syscall_64(nr: number, args: readonly unknown[]) {
  sys_call_table ??= buildSyscallTable();
  const fn = sys_call_table[nr];
  if (fn === undefined || !syscallInRelease(nr)) return -ENOSYS;
  return ((yield* fn(...args)) as number | undefined) ?? 0;
});
