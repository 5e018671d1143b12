/** Signal numbers (x86-64, include/uapi/asm-generic/signal.h) and handler values. */
export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGSTOP = 19;
export const _NSIG = 64;

export const SIG_DFL = 0;
export const SIG_IGN = 1;

export const sigmask = (sig: number): bigint => 1n << BigInt(sig - 1);

/** signal_struct::flags: the init of a pid namespace ignores signals it has no handler for. */
export const SIGNAL_UNKILLABLE = 0x00000040;
