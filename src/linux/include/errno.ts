/** errno values (include/uapi/asm-generic/errno-base.h, errno.h, linux/errno.h). */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const EDEADLK = 35;
export const ENOSYS = 38;
/** Kernel-internal: the syscall is restarted transparently, never seen by user space. */
export const ERESTARTSYS = 512;
export const ERESTARTNOINTR = 513;
export const ERESTARTNOHAND = 514;
/** Restart through restart_syscall(), which resumes from the task's restart_block. */
export const ERESTART_RESTARTBLOCK = 516;

const NAMES: Record<number, string> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [ESRCH]: "ESRCH",
  [EINTR]: "EINTR",
  [E2BIG]: "E2BIG",
  [ENOEXEC]: "ENOEXEC",
  [EBADF]: "EBADF",
  [ECHILD]: "ECHILD",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EACCES]: "EACCES",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [EEXIST]: "EEXIST",
  [EINVAL]: "EINVAL",
  [ENOSPC]: "ENOSPC",
  [ERANGE]: "ERANGE",
  [EDEADLK]: "EDEADLK",
  [ENOSYS]: "ENOSYS",
  [ERESTARTSYS]: "ERESTARTSYS",
  [ERESTARTNOINTR]: "ERESTARTNOINTR",
  [ERESTARTNOHAND]: "ERESTARTNOHAND",
  [ERESTART_RESTARTBLOCK]: "ERESTART_RESTARTBLOCK",
};

/** "-ENOMEM" for -12, or the number itself when it is not a known errno. */
export function errname(err: number): string {
  const n = NAMES[-err];
  return n === undefined ? String(err) : `-${n}`;
}
