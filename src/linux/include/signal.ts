/** Signal numbers (x86-64, include/uapi/asm-generic/signal.h) and handler values. */
export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGILL = 4;
export const SIGABRT = 6;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGURG = 23;
export const SIGWINCH = 28;
export const _NSIG = 64;

export const SIG_DFL = 0;
export const SIG_IGN = 1;

// sigaction::sa_flags (x86-64).
export const SA_NOCLDSTOP = 0x00000001;
export const SA_NOCLDWAIT = 0x00000002;
export const SA_SIGINFO = 0x00000004;
export const SA_EXPOSE_TAGBITS = 0x00000800;
export const SA_RESTORER = 0x04000000;
export const SA_ONSTACK = 0x08000000;
export const SA_RESTART = 0x10000000;
export const SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;
/** The flags rt_sigaction keeps (UAPI_SA_FLAGS; do_sigaction clears the others). */
export const UAPI_SA_FLAGS =
  SA_NOCLDSTOP |
  SA_NOCLDWAIT |
  SA_SIGINFO |
  SA_ONSTACK |
  SA_RESTART |
  SA_NODEFER |
  SA_RESETHAND |
  SA_EXPOSE_TAGBITS |
  SA_RESTORER;

// rt_sigprocmask's how.
export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;

// si_code values (include/uapi/asm-generic/siginfo.h).
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_TKILL = -6;
export const SEGV_MAPERR = 1;

/**
 * A queued signal's siginfo, the fields task creation's signals carry: who sent it (si_pid,
 * si_uid, in the receiver's namespaces) and, for SIGCHLD, how the child changed (si_status).
 */
export interface kernel_siginfo {
  si_signo: number;
  si_code: number;
  si_pid: number;
  si_uid: number;
  si_status: number;
}

/** A signal's action as get_signal hands it over (copied before SA_RESETHAND resets it). */
export interface k_sigaction {
  handler: number;
  flags: number;
  mask: bigint;
}

/** Where handlers installed as functions of the program are: the program's text, past its first page. */
export const HANDLER_TEXT = 0x401000;

export const sigmask = (sig: number): bigint => 1n << BigInt(sig - 1);

/** valid_signal: 0 (a probe) to _NSIG. */
export function valid_signal(sig: number): boolean {
  return Number.isInteger(sig) && sig >= 0 && sig <= _NSIG;
}

/** Signals whose default action is to be ignored (sig_kernel_ignore). */
export function sig_kernel_ignore(sig: number): boolean {
  return sig === SIGCHLD || sig === SIGURG || sig === SIGWINCH || sig === SIGCONT;
}

/** Signals whose default action is to stop the thread group (sig_kernel_stop). */
export function sig_kernel_stop(sig: number): boolean {
  return sig === SIGSTOP || sig === SIGTSTP || sig === SIGTTIN || sig === SIGTTOU;
}

/** SIGKILL and SIGSTOP: no handler, no mask, and they reach an init from an ancestor namespace (sig_kernel_only). */
export function sig_kernel_only(sig: number): boolean {
  return sig === SIGKILL || sig === SIGSTOP;
}

/** Signals whose default action dumps core (sig_kernel_coredump); the status carries 0x80. */
export function sig_kernel_coredump(sig: number): boolean {
  return sig === SIGQUIT || sig === SIGILL || sig === SIGABRT || sig === SIGSEGV;
}

// signal_struct::flags.
/** The group is stopped (job control). */
export const SIGNAL_STOP_STOPPED = 0x00000001;
/** The group was continued and its parent has not waited for that yet (WCONTINUED). */
export const SIGNAL_STOP_CONTINUED = 0x00000002;
export const SIGNAL_GROUP_EXIT = 0x00000004;
/** The parent is yet to be told (CLD_STOPPED / CLD_CONTINUED) by the next thread in get_signal. */
export const SIGNAL_CLD_STOPPED = 0x00000010;
export const SIGNAL_CLD_CONTINUED = 0x00000020;
export const SIGNAL_CLD_MASK = SIGNAL_CLD_STOPPED | SIGNAL_CLD_CONTINUED;
export const SIGNAL_STOP_MASK = SIGNAL_CLD_MASK | SIGNAL_STOP_STOPPED | SIGNAL_STOP_CONTINUED;
/** The init of a pid namespace ignores signals it has no handler for. */
export const SIGNAL_UNKILLABLE = 0x00000040;

// siginfo si_code values of SIGCHLD (CLD_*).
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

// task_struct::jobctl (include/linux/sched/jobctl.h): the signal of a group stop, and its state.
export const JOBCTL_STOP_SIGMASK = 0xffff;
/** This thread is to take part in its group's stop. */
export const JOBCTL_STOP_PENDING = 1 << 17;
/** Its stop counts towards group_stop_count. */
export const JOBCTL_STOP_CONSUME = 1 << 18;
