/**
 * The system calls that create tasks (kernel/fork.c, x86-64): fork, vfork, clone and
 * clone3 build kernel_clone_args and call kernel_clone; clone3 first copies and checks its
 * struct clone_args (copy_clone_args_from_user, clone3_args_valid) in the kernel's order.
 * Also set_tid_address and unshare.
 */
import { kfunc } from "../../sim/functions.js";
import { dup_fd, put_files_struct } from "../fs/file.js";
import { current } from "../include/current.js";
import { E2BIG, EFAULT, EINVAL, ENOMEM, EPERM } from "../include/errno.js";
import { SIGCHLD, valid_signal } from "../include/signal.js";
import {
  CLONE_CLEAR_SIGHAND_HI,
  CLONE_DETACHED,
  CLONE_FILES,
  CLONE_FS,
  CLONE_INTO_CGROUP_HI,
  CLONE_NEWNS,
  CLONE_NEWTIME,
  CLONE_NEWUSER,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_VFORK,
  CLONE_VM,
  CSIGNAL,
  cloneFlagsHi,
  cloneFlagsLo,
} from "../include/uapi/sched.js";
import { K } from "../kernel.js";
import { get_user } from "../mm/memory.js";
import { PAGE_SIZE, TASK_SIZE } from "../mm/mm_types.js";
import { CAP_SYS_ADMIN, ns_capable } from "./cred.js";
import { forkEntry, kernelCloneArgs } from "./fork.js";
import { CLONE_NAMESPACES, create_new_namespaces, put_nsproxy } from "./nsproxy.js";
import { MAX_PID_NS_LEVEL, task_active_pid_ns, task_pid_nr_ns } from "./pid.js";

/** struct clone_args as user space lays it out (include/uapi/linux/sched.h); every field a u64. */
export interface clone_args_user {
  flags?: number;
  pidfd?: number;
  child_tid?: number;
  parent_tid?: number;
  exit_signal?: number;
  stack?: number;
  stack_size?: number;
  tls?: number;
  set_tid?: number;
  set_tid_size?: number;
  cgroup?: number;
  /** Bytes past the 88 the kernel knows, for a caller passing a larger struct. */
  tail?: readonly number[];
}

export const CLONE_ARGS_SIZE_VER0 = 64;
export const CLONE_ARGS_SIZE_VER1 = 80;
export const CLONE_ARGS_SIZE_VER2 = 88;
const INT_MAX = 0x7fffffff;
/** A u64 the model cannot hold exactly (negative, fractional, too large): it has high bits set. */
const HIGH_BITS = Number.MAX_SAFE_INTEGER;

function u64(v: unknown): number {
  if (v === undefined) return 0;
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : HIGH_BITS;
}

export const __x64_sys_fork = kfunc(function* __x64_sys_fork() {
  return yield* forkEntry(kernelCloneArgs({ exit_signal: SIGCHLD }));
});

export const __x64_sys_vfork = kfunc(function* __x64_sys_vfork() {
  return yield* forkEntry(kernelCloneArgs({ flags: CLONE_VFORK | CLONE_VM, exit_signal: SIGCHLD }));
});

/**
 * clone(flags, newsp, parent_tid, child_tid, tls) (x86-64 order): the low byte of flags is
 * the exit signal, the rest the flags (the upper 32 bits are ignored); the pidfd pointer is
 * the parent_tid pointer.
 */
export const __x64_sys_clone = kfunc(function* __x64_sys_clone(
  flags: number,
  newsp: number,
  parent_tid: number,
  child_tid: number,
  tls: number,
) {
  // unsigned long, of which the kernel keeps the low 32 bits (a negative int is its two's complement).
  const lo = Number.isInteger(flags) ? cloneFlagsLo(flags) : 0xffffffff;
  // 5.2–5.9: the one pointer cannot be both the pidfd's and the parent tid's (5.10+: kernel_clone checks).
  const e = K.era;
  if (e.clone_checks.pidfd && e.fork_fn !== "kernel_clone" && lo & CLONE_PIDFD && lo & CLONE_PARENT_SETTID)
    return -EINVAL;
  return yield* forkEntry(
    kernelCloneArgs({
      flags: (lo & ~CSIGNAL) >>> 0,
      pidfd: u64(parent_tid),
      child_tid: u64(child_tid),
      parent_tid: u64(parent_tid),
      exit_signal: lo & CSIGNAL,
      stack: u64(newsp),
      tls: u64(tls),
    }),
  );
});

/** struct clone_args's fields in their order, a u64 each. */
const CLONE_ARGS_FIELDS = [
  "flags",
  "pidfd",
  "child_tid",
  "parent_tid",
  "exit_signal",
  "stack",
  "stack_size",
  "tls",
  "set_tid",
  "set_tid_size",
  "cgroup",
] as const;

/**
 * copy_struct_from_user for a struct clone_args at a user address: the bytes past what the
 * kernel knows (88 bytes; 64 before 5.5) must be zero (check_zeroed_user: -E2BIG, -EFAULT
 * where they run into an unmapped page), then the struct, up to `usize`, is read (-EFAULT).
 * The model's memory holds words: a field is read whole when it starts before `usize`.
 */
function cloneArgsFromMemory(addr: number, usize: number): clone_args_user | number {
  const mm = current().mm;
  const known = K.era.clone_checks.set_tid ? CLONE_ARGS_SIZE_VER2 : CLONE_ARGS_SIZE_VER0;
  for (let off = known; off < usize; off += 8) {
    const v = get_user(mm, addr + off);
    if (v === null) return -EFAULT;
    if (v !== 0) return -E2BIG;
  }
  const a: Record<string, number> = {};
  for (let i = 0; i * 8 < Math.min(usize, known); i++) {
    const v = get_user(mm, addr + 8 * i);
    if (v === null) return -EFAULT;
    a[CLONE_ARGS_FIELDS[i] as string] = typeof v === "number" ? v : HIGH_BITS;
  }
  return a;
}

/**
 * copy_clone_args_from_user: size checks, then the struct (a plain object, or read from user
 * memory at an address; a caller's larger struct must have zeros past what the kernel knows), then the set_tid, exit_signal and cgroup checks,
 * then the set_tid array from user memory. Returns the arguments or a negative errno.
 */
function copy_clone_args_from_user(uargs: unknown, usize: number) {
  // size_t: a negative size is a huge one.
  if (!Number.isSafeInteger(usize) || usize < 0 || usize > PAGE_SIZE) return -E2BIG;
  if (usize < CLONE_ARGS_SIZE_VER0) return -EINVAL;
  if (typeof uargs === "number") {
    const m = cloneArgsFromMemory(uargs, usize);
    if (typeof m === "number") return m;
    uargs = m;
  }
  if (typeof uargs !== "object" || uargs === null) return -EFAULT;
  const a = uargs as clone_args_user;
  if (usize > CLONE_ARGS_SIZE_VER2 && (a.tail ?? []).slice(0, usize - CLONE_ARGS_SIZE_VER2).some((b) => b !== 0))
    return -E2BIG;
  // 5.4 knows only the first 64 bytes (no set_tid, no cgroup): what follows must be zero.
  const known = K.era.clone_checks.set_tid ? CLONE_ARGS_SIZE_VER2 : CLONE_ARGS_SIZE_VER0;
  if (
    known < CLONE_ARGS_SIZE_VER2 &&
    [a.set_tid, a.set_tid_size, a.cgroup].some((v, i) => usize >= 72 + 8 * i && u64(v))
  )
    return -E2BIG;
  const has = (size: number) => usize >= size && known >= size;
  const set_tid = has(CLONE_ARGS_SIZE_VER1) ? u64(a.set_tid) : 0;
  const set_tid_size = has(CLONE_ARGS_SIZE_VER1) ? u64(a.set_tid_size) : 0;
  const cgroup = has(CLONE_ARGS_SIZE_VER2) ? u64(a.cgroup) : 0;
  const flags = u64(a.flags);
  const exit_signal = u64(a.exit_signal);
  if (set_tid_size > MAX_PID_NS_LEVEL) return -EINVAL;
  if (!set_tid && set_tid_size > 0) return -EINVAL;
  if (set_tid && set_tid_size === 0) return -EINVAL;
  if (exit_signal > CSIGNAL || !valid_signal(exit_signal)) return -EINVAL;
  if (cloneFlagsHi(flags) & CLONE_INTO_CGROUP_HI && (cgroup > INT_MAX || usize < CLONE_ARGS_SIZE_VER2)) return -EINVAL;
  const tids: number[] = [];
  const mm = current().mm;
  for (let i = 0; i < set_tid_size; i++) {
    const v = get_user(mm, set_tid + 4 * i);
    if (v === null) return -EFAULT;
    tids.push(typeof v === "number" ? v | 0 : 0);
  }
  return kernelCloneArgs({
    flags,
    pidfd: u64(a.pidfd),
    child_tid: u64(a.child_tid),
    parent_tid: u64(a.parent_tid),
    exit_signal,
    stack: u64(a.stack),
    stack_size: u64(a.stack_size),
    tls: u64(a.tls),
    set_tid: tids,
    cgroup,
  });
}

/** clone3_stack_valid: a stack and its size come together and lie in user space; the pointer moves to its top. */
function clone3_stack_valid(k: ReturnType<typeof kernelCloneArgs>): boolean {
  if (k.stack === 0) return k.stack_size === 0;
  if (k.stack_size === 0) return false;
  if (k.stack + k.stack_size > TASK_SIZE) return false;
  k.stack += k.stack_size;
  return true;
}

/** clone3_args_valid: only known flags, no CSIGNAL or CLONE_DETACHED bits, sane combinations. */
function clone3_args_valid(k: ReturnType<typeof kernelCloneArgs>): boolean {
  const hi = cloneFlagsHi(k.flags);
  // CLONE_CLEAR_SIGHAND and CLONE_INTO_CGROUP came after 5.4 (present 5.10).
  const known_hi = K.era.clone_checks.set_tid ? CLONE_CLEAR_SIGHAND_HI | CLONE_INTO_CGROUP_HI : 0;
  if (hi & ~known_hi) return false;
  if (k.flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) return false;
  if (k.flags & CLONE_SIGHAND && hi & CLONE_CLEAR_SIGHAND_HI) return false;
  if (k.flags & (CLONE_THREAD | CLONE_PARENT) && k.exit_signal) return false;
  return clone3_stack_valid(k);
}

/** clone3(args, size): the extensible clone. */
export const __x64_sys_clone3 = kfunc(function* __x64_sys_clone3(uargs: unknown, size: number) {
  const k = copy_clone_args_from_user(uargs, size);
  if (typeof k === "number") return k;
  if (!clone3_args_valid(k)) return -EINVAL;
  return yield* forkEntry(k);
});

/** set_tid_address: where the kernel clears the tid (and wakes a futex) when this thread exits. */
export const __x64_sys_set_tid_address = kfunc(function* __x64_sys_set_tid_address(tidptr: number) {
  const me = current();
  me.clear_child_tid = u64(tidptr);
  const ns = task_active_pid_ns(me);
  return ns === null ? me.pid : task_pid_nr_ns(me, ns);
});

const UNSHARE_KNOWN =
  CLONE_THREAD |
  CLONE_FS |
  CLONE_NEWNS |
  CLONE_SIGHAND |
  CLONE_VM |
  CLONE_FILES |
  CLONE_SYSVSEM |
  CLONE_NAMESPACES |
  CLONE_NEWUSER;

/**
 * unshare(flags): new namespaces for the caller (CLONE_NEWPID: for its future children
 * only), or a private fd table (CLONE_FILES). CLONE_THREAD, CLONE_SIGHAND and CLONE_VM
 * are accepted only when there is nothing to unshare (a single-threaded caller).
 */
export const __x64_sys_unshare = kfunc(function* __x64_sys_unshare(unshare_flags: number) {
  const flags = u64(unshare_flags);
  if (cloneFlagsHi(flags) || flags & ~UNSHARE_KNOWN) return -EINVAL;
  const me = current();
  // check_unshare_flags: nothing shared may be "unshared" this way.
  if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) && me.signal.nr_threads > 1) return -EINVAL;
  if (flags & (CLONE_SIGHAND | CLONE_VM) && me.sighand !== null && me.sighand.count > 1) return -EINVAL;
  if (flags & CLONE_VM && me.mm !== null && me.mm.mm_users > 1) return -EINVAL;
  if (flags & CLONE_NEWUSER) return -EINVAL; // a new user namespace by unshare is not modeled
  if (flags & CLONE_NAMESPACES) {
    if (!ns_capable(me.cred.user_ns, CAP_SYS_ADMIN)) return -EPERM;
    if ((flags & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS) && me.fs !== null && me.fs.users > 1)
      return -EINVAL;
    const old = me.nsproxy;
    if (old === null) return -EINVAL;
    const ns = create_new_namespaces(flags, old, me.cred.user_ns);
    if (typeof ns === "number") return ns;
    me.nsproxy = ns;
    put_nsproxy(old);
  }
  if (flags & CLONE_FILES && me.files !== null && me.files.count > 1) {
    const copy = dup_fd(me.files);
    if (copy === null) return -ENOMEM;
    put_files_struct(me.files);
    me.files = copy;
  }
  return 0;
});
