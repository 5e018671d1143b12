/** futex operations (include/uapi/linux/futex.h). */
export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;
export const FUTEX_PRIVATE_FLAG = 128;
