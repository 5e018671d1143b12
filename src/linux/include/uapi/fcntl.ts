/** Open flags (include/uapi/asm-generic/fcntl.h) that pidfds use. */
export const O_EXCL = 0o200;
export const O_NONBLOCK = 0o4000;
