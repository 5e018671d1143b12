/** Resource limits (include/uapi/asm-generic/resource.h). */
export const RLIMIT_NPROC = 6;
