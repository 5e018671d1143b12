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
export const SIGURG = 23;
export const SIGWINCH = 28;
export const _NSIG = 64;

export const SIG_DFL = 0;
export const SIG_IGN = 1;

export const sigmask = (sig: number): bigint => 1n << BigInt(sig - 1);

/** valid_signal: 0 (a probe) to _NSIG. */
export function valid_signal(sig: number): boolean {
  return Number.isInteger(sig) && sig >= 0 && sig <= _NSIG;
}

/** Signals whose default action is to be ignored (sig_kernel_ignore). */
export function sig_kernel_ignore(sig: number): boolean {
  return sig === SIGCHLD || sig === SIGURG || sig === SIGWINCH || sig === SIGCONT;
}

/** Signals whose default action dumps core (sig_kernel_coredump); the status carries 0x80. */
export function sig_kernel_coredump(sig: number): boolean {
  return sig === SIGQUIT || sig === SIGILL || sig === SIGABRT || sig === SIGSEGV;
}

// signal_struct::flags.
export const SIGNAL_GROUP_EXIT = 0x00000004;
/** The init of a pid namespace ignores signals it has no handler for. */
export const SIGNAL_UNKILLABLE = 0x00000040;

// siginfo si_code values of SIGCHLD (CLD_*).
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
