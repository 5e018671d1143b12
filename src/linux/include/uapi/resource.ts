/** Resource limits (include/uapi/asm-generic/resource.h). */
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
/** rlimit(RLIMIT_NOFILE) in the model: always its default soft limit (not settable here). */
export const RLIMIT_NOFILE_CUR = 1024;
