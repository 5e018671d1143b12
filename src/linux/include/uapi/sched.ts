/** clone() flags (include/uapi/linux/sched.h). */
export const CSIGNAL = 0x000000ff;
export const CLONE_VM = 0x00000100;
export const CLONE_FS = 0x00000200;
export const CLONE_FILES = 0x00000400;
export const CLONE_SIGHAND = 0x00000800;
export const CLONE_PIDFD = 0x00001000;
export const CLONE_PTRACE = 0x00002000;
export const CLONE_VFORK = 0x00004000;
export const CLONE_PARENT = 0x00008000;
export const CLONE_THREAD = 0x00010000;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_SYSVSEM = 0x00040000;
export const CLONE_SETTLS = 0x00080000;
export const CLONE_PARENT_SETTID = 0x00100000;
export const CLONE_CHILD_CLEARTID = 0x00200000;
export const CLONE_DETACHED = 0x00400000;
export const CLONE_UNTRACED = 0x00800000;
export const CLONE_CHILD_SETTID = 0x01000000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_IO = 0x80000000;

/** clone3 only: flags above the low 32 bits (given here as bits of the high word). */
export const CLONE_CLEAR_SIGHAND_HI = 0x1; // CLONE_CLEAR_SIGHAND = 0x100000000
export const CLONE_INTO_CGROUP_HI = 0x2; // CLONE_INTO_CGROUP = 0x200000000
export const CLONE_CLEAR_SIGHAND = 0x100000000;
export const CLONE_INTO_CGROUP = 0x200000000;
/** CLONE_NEWTIME shares its bit with CSIGNAL: clone3 and unshare only. */
export const CLONE_NEWTIME = 0x00000080;
/** Every flag the legacy clone() can carry (the low 32 bits). */
export const CLONE_LEGACY_FLAGS = 0xffffffff;

/** The high 32 bits of a 64-bit clone flag word held in a number. Models upper_32_bits. */
export function cloneFlagsHi(flags: number): number {
  return flags > 0xffffffff ? Math.floor(flags / 0x100000000) : 0;
}

/** The low 32 bits, unsigned. Models lower_32_bits. */
export function cloneFlagsLo(flags: number): number {
  return flags >>> 0;
}
