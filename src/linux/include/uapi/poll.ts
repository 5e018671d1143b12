/** poll(2) event bits (include/uapi/asm-generic/poll.h) and struct pollfd's layout. */
export const POLLIN = 0x0001;
export const POLLPRI = 0x0002;
export const POLLOUT = 0x0004;
export const POLLERR = 0x0008;
export const POLLHUP = 0x0010;
export const POLLNVAL = 0x0020;
export const POLLRDNORM = 0x0040;
export const POLLRDBAND = 0x0080;
export const POLLWRNORM = 0x0100;

/** struct pollfd { int fd; short events; short revents; }: 8 bytes, its fields at these offsets. */
export const POLLFD_SIZE = 8;
export const POLLFD_EVENTS = 4;
export const POLLFD_REVENTS = 6;
