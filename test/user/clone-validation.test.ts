/**
 * Conformance of fork / vfork / clone / clone3 with Linux 6.19: one row per validation rule
 * of the "fork / clone / clone3 validation and failure table" (linux-task-creation.md §2.3,
 * the rows that apply to 6.19), run through the legacy clone() and clone3() where the rule
 * applies to both, and through the C library where that is meaningful. Where two rules could
 * fire, a row shows which one wins by the order of the checks in kernel/fork.c (kernel_clone,
 * copy_process, copy_clone_args_from_user, clone3_args_valid), kernel/pid.c (alloc_pid) and
 * kernel/nsproxy.c (copy_namespaces).
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { E2BIG, EAGAIN, EBADF, ECHILD, EEXIST, EFAULT, EINVAL, ENOMEM, EPERM } from "../../src/linux/include/errno.js";
import { SIGCHLD } from "../../src/linux/include/signal.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import { RLIMIT_NPROC } from "../../src/linux/include/uapi/resource.js";
import {
  CLONE_CLEAR_SIGHAND,
  CLONE_DETACHED,
  CLONE_FS,
  CLONE_INTO_CGROUP,
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWTIME,
  CLONE_NEWUSER,
  CLONE_NEWUTS,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { __WALL } from "../../src/linux/include/uapi/wait.js";
import type { clone_args_user } from "../../src/linux/kernel/fork_syscalls.js";
import { PID_MAX_DEFAULT } from "../../src/linux/kernel/pid.js";
import { PAGE_SIZE, TASK_SIZE } from "../../src/linux/mm/mm_types.js";
import type { User } from "../../src/user/user.js";
import { BAD, type Ctx, childExit, HEAP, run, THREAD_FLAGS, TIDS, W0, W1 } from "./conformance-harness.js";

/**
 * A creation attempt. It returns what the call returned: a negative errno, a positive id
 * (the caller), or 0 (the child, which exits at once). `spawns: false` for C library calls
 * that return 0 on success and never return in a child (pthread_create, posix_spawn).
 */
type Call = (c: Ctx) => UGen<number>;

/**
 * What a row expects: a negative errno; "process": a child that the caller reaps with
 * wait4(pid, __WALL), exit status 0; "thread": a new thread of the caller's group, which
 * wait4 cannot reap (-ECHILD); "sibling": a child of the caller's parent (CLONE_PARENT),
 * also not the caller's to reap; 0: a C library call that succeeded.
 */
type Expect = number | "process" | "thread" | "sibling";

interface Row {
  name: string;
  via: string;
  call: Call;
  expect: Expect;
  /** Who makes the call: root (default), or uid 1000 after setuid(1000). */
  as?: "root" | "uid1000";
  /** RLIMIT_NPROC's soft limit, set (after setuid) before the call. */
  nproc?: number;
  /**
   * Where the call is made: the program itself (default); pid 1 of a new pid namespace
   * (a CLONE_NEWPID child, SIGNAL_UNKILLABLE); or the program after unshare(CLONE_NEWPID)
   * (its pid_ns_for_children differs from its active pid namespace).
   */
  where?: "top" | "pidns-init" | "unshared-pidns";
  /** The C library call never returns 0 in a child (pthread_create, posix_spawn). */
  libcCall?: boolean;
  /** The exact pid the caller must get back (a set_tid request). */
  pid?: number;
}

interface Outcome {
  r: number;
  reaped: number;
  status: number;
}

function* attempt(c: Ctx, row: Row): UGen<Outcome> {
  const u = c.u;
  const r = yield* row.call(c);
  if (r === 0 && !row.libcCall) yield* childExit(u);
  let reaped = 0;
  let status = -1;
  if (r > 0 && !row.libcCall) {
    const st = u.alloca(8);
    reaped = yield* u.sys.wait4(r, st, __WALL);
    status = reaped > 0 ? ((yield* u.load(st)) as number) : -1;
  }
  return { r, reaped, status };
}

function runRow(row: Row): Outcome {
  return run(function* (c) {
    const u = c.u;
    if (row.as === "uid1000") expect(yield* u.sys.setuid(1000)).toBe(0);
    if (row.nproc !== undefined) expect(yield* u.sys.setrlimit(RLIMIT_NPROC, { rlim_cur: row.nproc })).toBe(0);
    if (row.where === "unshared-pidns") expect(yield* u.sys.unshare(CLONE_NEWPID)).toBe(0);
    if (row.where !== "pidns-init") return yield* attempt(c, row);
    const init = yield* u.sys.clone(CLONE_NEWPID | SIGCHLD);
    if (init === 0) {
      // pid 1 of the new namespace: make the attempt, report through the shared page.
      const o = yield* attempt(c, row);
      yield* u.store(c.shared + 8, yield* u.sys.getpid());
      yield* u.store(c.shared + 16, o.r);
      yield* u.store(c.shared + 24, o.reaped);
      yield* u.store(c.shared + 32, o.status);
      for (;;) yield* u.sys.exit_group(0);
    }
    expect(yield* u.sys.wait4(init, 0, 0)).toBe(init);
    expect(yield* u.load(c.shared + 8)).toBe(1); // it was the namespace's init
    return {
      r: (yield* u.load(c.shared + 16)) as number,
      reaped: (yield* u.load(c.shared + 24)) as number,
      status: (yield* u.load(c.shared + 32)) as number,
    };
  });
}

function check(row: Row, o: Outcome): void {
  if (typeof row.expect === "number") {
    expect(o.r).toBe(row.expect);
  } else if (row.expect === "process") {
    expect(o.r).toBeGreaterThan(0);
    if (row.pid !== undefined) expect(o.r).toBe(row.pid);
    expect({ reaped: o.reaped - o.r, status: o.status }).toEqual({ reaped: 0, status: 0 });
  } else {
    // A thread or a sibling exists (positive id) but is not the caller's child.
    expect(o.r).toBeGreaterThan(0);
    expect(o.reaped).toBe(-ECHILD);
  }
}

const clone =
  (flags: number, parent_tid = 0, child_tid = 0): Call =>
  (c) =>
    c.u.sys.clone(flags, 0, parent_tid, child_tid, 0);
const clone3 =
  (args: clone_args_user | null, size = 88): Call =>
  (c) =>
    c.u.sys.clone3(args, size);
/** clone3 with set_tid: the array is stored at TIDS first (ints, 4 bytes apart). */
const clone3tids = (tids: readonly number[], args: clone_args_user = {}, size = 88): Call =>
  function* (c) {
    for (const [i, t] of tids.entries()) yield* c.u.store(TIDS + 4 * i, t);
    return yield* c.u.sys.clone3({ set_tid: TIDS, set_tid_size: tids.length, ...args }, size);
  };
/** A C library call made raw-like: -1 with errno becomes -errno. */
const libc = (f: (u: User) => UGen<number>): Call =>
  function* (c) {
    const r = yield* f(c.u);
    return r === -1 ? -c.u.errno : r;
  };
/** An error-number-returning C library call (pthread_*, posix_spawn): the number negated, 0 on success. */
const libcErr = (f: (u: User) => UGen<number>): Call =>
  function* (c) {
    const e = yield* f(c.u);
    return e === 0 ? 0 : -e;
  };
function* noop(): UGen<number> {
  return 0;
}

/** The legacy clone and clone3 rows of one rule. */
function both(name: string, flags: number, want: Expect, extra: Partial<Row> = {}): Row[] {
  const low = flags % 0x100000000;
  const threadish = (flags & (CLONE_THREAD | CLONE_PARENT)) !== 0;
  return [
    { name, via: "clone", call: clone(low | (threadish ? 0 : SIGCHLD), W0), expect: want, ...extra },
    {
      name,
      via: "clone3",
      call: clone3({ flags, pidfd: W1, parent_tid: W0, exit_signal: threadish ? 0 : SIGCHLD }),
      expect: want,
      ...extra,
    },
  ];
}

const NS_FLAGS: readonly [string, number][] = [
  ["CLONE_NEWNS", CLONE_NEWNS],
  ["CLONE_NEWUTS", CLONE_NEWUTS],
  ["CLONE_NEWIPC", CLONE_NEWIPC],
  ["CLONE_NEWPID", CLONE_NEWPID],
  ["CLONE_NEWNET", CLONE_NEWNET],
  ["CLONE_NEWCGROUP", CLONE_NEWCGROUP],
];

const rows: Row[] = [
  // copy_process: the flag checks made before anything is allocated, in the kernel's order.
  ...both("CLONE_NEWNS with CLONE_FS (copy_process) -> EINVAL", CLONE_NEWNS | CLONE_FS, -EINVAL),
  ...both("CLONE_NEWUSER with CLONE_FS (copy_process) -> EINVAL", CLONE_NEWUSER | CLONE_FS, -EINVAL),
  ...both("CLONE_THREAD without CLONE_SIGHAND (copy_process) -> EINVAL", CLONE_THREAD | CLONE_VM, -EINVAL),
  ...both("CLONE_SIGHAND without CLONE_VM (copy_process) -> EINVAL", CLONE_SIGHAND, -EINVAL),
  ...both("CLONE_PARENT from a pid namespace's init (SIGNAL_UNKILLABLE) -> EINVAL", CLONE_PARENT, -EINVAL, {
    where: "pidns-init",
  }),
  ...both("control: CLONE_PARENT from an ordinary process works (a sibling)", CLONE_PARENT, "sibling"),
  ...both("CLONE_THREAD with CLONE_NEWUSER -> EINVAL", THREAD_FLAGS | CLONE_NEWUSER, -EINVAL),
  ...both("CLONE_THREAD with CLONE_NEWPID -> EINVAL", THREAD_FLAGS | CLONE_NEWPID, -EINVAL),
  ...both(
    "CLONE_THREAD after unshare(CLONE_NEWPID) (active ns != pid_ns_for_children) -> EINVAL",
    THREAD_FLAGS,
    -EINVAL,
    {
      where: "unshared-pidns",
    },
  ),
  ...both("control: CLONE_THREAD|CLONE_SIGHAND|CLONE_VM makes a thread", THREAD_FLAGS, "thread"),
  {
    name: "CLONE_PIDFD with CLONE_DETACHED (copy_process) -> EINVAL",
    via: "clone",
    call: clone(CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, W0),
    expect: -EINVAL,
  },
  {
    name: "CLONE_PIDFD with CLONE_DETACHED -> EINVAL (clone3_args_valid refuses CLONE_DETACHED first)",
    via: "clone3",
    call: clone3({ flags: CLONE_PIDFD | CLONE_DETACHED, pidfd: W0, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "control: legacy clone ignores CLONE_DETACHED without CLONE_PIDFD",
    via: "clone",
    call: clone(CLONE_DETACHED | SIGCHLD),
    expect: "process",
  },
  ...both("CLONE_PIDFD with CLONE_THREAD is allowed in 6.9+ (a thread)", THREAD_FLAGS | CLONE_PIDFD, "thread"),
  {
    name: "legacy clone: CLONE_PIDFD|CLONE_PARENT_SETTID (pidfd and parent_tid are one pointer; kernel_clone) -> EINVAL",
    via: "clone",
    call: clone(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, W0),
    expect: -EINVAL,
  },
  {
    name: "clone3: CLONE_PIDFD|CLONE_PARENT_SETTID with pidfd == parent_tid -> EINVAL",
    via: "clone3",
    call: clone3({ flags: CLONE_PIDFD | CLONE_PARENT_SETTID, pidfd: W0, parent_tid: W0, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "clone3: CLONE_PIDFD|CLONE_PARENT_SETTID with both pointers NULL (equal) -> EINVAL",
    via: "clone3",
    call: clone3({ flags: CLONE_PIDFD | CLONE_PARENT_SETTID, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "control: clone3 CLONE_PIDFD|CLONE_PARENT_SETTID with distinct pointers works",
    via: "clone3",
    call: clone3({ flags: CLONE_PIDFD | CLONE_PARENT_SETTID, pidfd: W1, parent_tid: W0, exit_signal: SIGCHLD }),
    expect: "process",
  },
  {
    name: "CLONE_PIDFD with pidfd at an unmapped address (copy_process put_user) -> EFAULT",
    via: "clone3",
    call: clone3({ flags: CLONE_PIDFD, pidfd: BAD, exit_signal: SIGCHLD }),
    expect: -EFAULT,
  },
  {
    name: "CLONE_PARENT_SETTID at an unmapped address: the failed write is ignored (kernel_clone)",
    via: "clone",
    call: clone(CLONE_PARENT_SETTID | SIGCHLD, BAD),
    expect: "process",
  },
  ...both("CLONE_NEWIPC with CLONE_SYSVSEM (copy_namespaces) -> EINVAL", CLONE_NEWIPC | CLONE_SYSVSEM, -EINVAL),

  // copy_namespaces: CAP_SYS_ADMIN over the child's user namespace.
  ...NS_FLAGS.flatMap(([n, f]) => [
    ...both(`${n} as uid 1000 (no CAP_SYS_ADMIN; copy_namespaces) -> EPERM`, f, -EPERM, { as: "uid1000" }),
    ...both(`${n}|CLONE_NEWUSER as uid 1000 works (capable in the new user namespace)`, f | CLONE_NEWUSER, "process", {
      as: "uid1000",
    }),
    ...both(`control: ${n} as root works`, f, "process"),
  ]),
  {
    name: "CLONE_NEWTIME as uid 1000 (clone3 only) -> EPERM",
    via: "clone3",
    call: clone3({ flags: CLONE_NEWTIME, exit_signal: SIGCHLD }),
    expect: -EPERM,
    as: "uid1000",
  },
  {
    name: "CLONE_NEWTIME|CLONE_NEWUSER as uid 1000 works",
    via: "clone3",
    call: clone3({ flags: CLONE_NEWTIME | CLONE_NEWUSER, exit_signal: SIGCHLD }),
    expect: "process",
    as: "uid1000",
  },
  ...both("CLONE_NEWUSER alone as uid 1000 works", CLONE_NEWUSER, "process", { as: "uid1000" }),
  {
    name: "legacy clone: 0x80 is part of CSIGNAL (exit signal 128), not CLONE_NEWTIME: no EPERM as uid 1000",
    via: "clone",
    call: clone(CLONE_NEWTIME),
    expect: "process",
    as: "uid1000",
  },

  // copy_process: RLIMIT_NPROC (the new task counted) for a user other than root.
  ...(
    [
      ["fork", (c: Ctx) => c.u.sys.fork()],
      ["vfork", (c: Ctx) => c.u.sys.vfork()],
      ["clone", clone(SIGCHLD)],
      ["clone3", clone3({ exit_signal: SIGCHLD })],
      ["clone (a thread counts too)", clone(THREAD_FLAGS)],
      ["libc.fork", libc((u) => u.libc.fork())],
    ] as const
  ).map(
    ([via, call]): Row => ({
      name: "RLIMIT_NPROC reached as uid 1000 (copy_process) -> EAGAIN",
      via,
      call,
      expect: -EAGAIN,
      as: "uid1000",
      nproc: 1,
    }),
  ),
  {
    name: "RLIMIT_NPROC reached as uid 1000 -> EAGAIN",
    via: "pthread_create",
    call: libcErr((u) => u.libc.pthread_create(u.alloca(8), null, noop, null)),
    expect: -EAGAIN,
    as: "uid1000",
    nproc: 1,
    libcCall: true,
  },
  {
    name: "RLIMIT_NPROC reached as uid 1000 -> EAGAIN",
    via: "posix_spawn",
    call: libcErr((u) => u.libc.posix_spawn(0, "/bin/true", ["true"])),
    expect: -EAGAIN,
    as: "uid1000",
    nproc: 1,
    libcCall: true,
  },
  {
    name: "control: RLIMIT_NPROC 2 as uid 1000 leaves room for one more process",
    via: "fork",
    call: (c) => c.u.sys.fork(),
    expect: "process",
    as: "uid1000",
    nproc: 2,
  },
  {
    name: "control: root (INIT_USER) is exempt from RLIMIT_NPROC 0",
    via: "fork",
    call: (c) => c.u.sys.fork(),
    expect: "process",
    nproc: 0,
  },
  {
    name: "control: posix_spawn of /bin/true works",
    via: "posix_spawn",
    call: libcErr((u) => u.libc.posix_spawn(0, "/bin/true", ["true"])),
    expect: 0,
    libcCall: true,
  },

  // copy_clone_args_from_user: size, struct, set_tid, exit_signal, cgroup, then the set_tid copy.
  {
    name: "size > PAGE_SIZE (4097) -> E2BIG",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD }, 4097),
    expect: -E2BIG,
  },
  {
    name: "size == PAGE_SIZE (4096) with zeros past 88 works",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD }, 4096),
    expect: "process",
  },
  {
    name: "size < CLONE_ARGS_SIZE_VER0 (63) -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD }, 63),
    expect: -EINVAL,
  },
  { name: "size 0 -> EINVAL", via: "clone3", call: clone3({ exit_signal: SIGCHLD }, 0), expect: -EINVAL },
  {
    name: "size CLONE_ARGS_SIZE_VER0 (64) works",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD }, 64),
    expect: "process",
  },
  {
    name: "size CLONE_ARGS_SIZE_VER1 (80) works",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD }, 80),
    expect: "process",
  },
  {
    name: "a non-zero byte past the 88 the kernel knows (size 96) -> E2BIG",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, tail: [0, 0, 0, 0, 0, 0, 0, 1] }, 96),
    expect: -E2BIG,
  },
  {
    name: "a non-zero byte beyond size (size 88) is not read",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, tail: [1] }, 88),
    expect: "process",
  },
  { name: "NULL args (size 88) -> EFAULT", via: "clone3", call: clone3(null, 88), expect: -EFAULT },
  {
    name: "order: NULL args with size 4097 -> E2BIG (size checked before the copy)",
    via: "clone3",
    call: clone3(null, 4097),
    expect: -E2BIG,
  },
  {
    name: "order: NULL args with size 63 -> EINVAL (size checked before the copy)",
    via: "clone3",
    call: clone3(null, 63),
    expect: -EINVAL,
  },
  {
    name: "order: non-zero tail and a bad exit_signal -> E2BIG (copy_struct_from_user first)",
    via: "clone3",
    call: clone3({ exit_signal: 65, tail: [1] }, 89),
    expect: -E2BIG,
  },
  {
    name: "exit_signal 65 (not a valid signal) -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: 65 }),
    expect: -EINVAL,
  },
  {
    name: "exit_signal with bits above CSIGNAL (0x100|SIGCHLD) -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: 0x100 | SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "exit_signal with bits above 32 (2^32|SIGCHLD) -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: 2 ** 32 + SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "set_tid_size > MAX_PID_NS_LEVEL (33) -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, set_tid: TIDS, set_tid_size: 33 }),
    expect: -EINVAL,
  },
  {
    name: "set_tid NULL with set_tid_size 1 -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, set_tid: 0, set_tid_size: 1 }),
    expect: -EINVAL,
  },
  {
    name: "set_tid non-NULL with set_tid_size 0 -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, set_tid: TIDS, set_tid_size: 0 }),
    expect: -EINVAL,
  },
  {
    name: "set_tid array at an unmapped address -> EFAULT",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, set_tid: BAD, set_tid_size: 1 }),
    expect: -EFAULT,
  },
  {
    name: "order: set_tid at an unmapped address and exit_signal 65 -> EINVAL (exit_signal checked before the copy)",
    via: "clone3",
    call: clone3({ exit_signal: 65, set_tid: BAD, set_tid_size: 1 }),
    expect: -EINVAL,
  },
  {
    name: "order: set_tid at an unmapped address and an unknown flag -> EFAULT (the copy before clone3_args_valid)",
    via: "clone3",
    call: clone3({ flags: 2 ** 34, exit_signal: SIGCHLD, set_tid: BAD, set_tid_size: 1 }),
    expect: -EFAULT,
  },
  {
    name: "set_tid fields ignored when size is VER0 (64): a NULL set_tid with size 1 is not seen",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, set_tid: 0, set_tid_size: 1 }, 64),
    expect: "process",
  },
  {
    name: "CLONE_INTO_CGROUP with size 80 (< CLONE_ARGS_SIZE_VER2) -> EINVAL",
    via: "clone3",
    call: clone3({ flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 0 }, 80),
    expect: -EINVAL,
  },
  {
    name: "CLONE_INTO_CGROUP with cgroup > INT_MAX -> EINVAL",
    via: "clone3",
    call: clone3({ flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 2 ** 31 }),
    expect: -EINVAL,
  },
  {
    name: "CLONE_INTO_CGROUP with fd 0, not a cgroup directory (cgroup_css_set_fork) -> EBADF",
    via: "clone3",
    call: clone3({ flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 0 }),
    expect: -EBADF,
  },
  {
    // The kernel opens the cgroup fd in cgroup_can_fork, late in copy_process, after the flag checks.
    name: "order: CLONE_INTO_CGROUP (bad fd) with CLONE_NEWNS|CLONE_FS -> EINVAL (copy_process checks before cgroup_can_fork)",
    via: "clone3",
    call: clone3({ flags: CLONE_INTO_CGROUP + (CLONE_NEWNS | CLONE_FS), exit_signal: SIGCHLD, cgroup: 0 }),
    expect: -EINVAL,
  },
  {
    // RLIMIT_NPROC is checked in copy_process before cgroup_can_fork.
    name: "order: CLONE_INTO_CGROUP (bad fd) with RLIMIT_NPROC reached as uid 1000 -> EAGAIN",
    via: "clone3",
    call: clone3({ flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 0 }),
    expect: -EAGAIN,
    as: "uid1000",
    nproc: 1,
  },

  // clone3_args_valid.
  {
    name: "unknown flag bit 2^34 -> EINVAL",
    via: "clone3",
    call: clone3({ flags: 2 ** 34, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "unknown flag bit 2^40 -> EINVAL",
    via: "clone3",
    call: clone3({ flags: 2 ** 40, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "control: legacy clone drops the upper 32 bits (2^34 ignored)",
    via: "clone",
    call: clone(2 ** 34 + SIGCHLD),
    expect: "process",
  },
  {
    name: "CSIGNAL bits in flags (SIGCHLD as a flag) -> EINVAL",
    via: "clone3",
    call: clone3({ flags: SIGCHLD }),
    expect: -EINVAL,
  },
  { name: "CSIGNAL bit 0x01 in flags -> EINVAL", via: "clone3", call: clone3({ flags: 0x01 }), expect: -EINVAL },
  {
    name: "CLONE_DETACHED in flags -> EINVAL",
    via: "clone3",
    call: clone3({ flags: CLONE_DETACHED, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "control: CLONE_NEWTIME (0x80) is exempt from the CSIGNAL check (root)",
    via: "clone3",
    call: clone3({ flags: CLONE_NEWTIME, exit_signal: SIGCHLD }),
    expect: "process",
  },
  {
    name: "CLONE_SIGHAND with CLONE_CLEAR_SIGHAND -> EINVAL",
    via: "clone3",
    call: clone3({ flags: CLONE_CLEAR_SIGHAND + (CLONE_SIGHAND | CLONE_VM), exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "control: legacy clone drops CLONE_CLEAR_SIGHAND, so CLONE_SIGHAND|CLONE_VM with it works",
    via: "clone",
    call: clone(CLONE_CLEAR_SIGHAND + (CLONE_SIGHAND | CLONE_VM | SIGCHLD)),
    expect: "process",
  },
  {
    name: "CLONE_THREAD with exit_signal SIGCHLD -> EINVAL",
    via: "clone3",
    call: clone3({ flags: THREAD_FLAGS, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "CLONE_PARENT with exit_signal SIGCHLD -> EINVAL",
    via: "clone3",
    call: clone3({ flags: CLONE_PARENT, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "control: legacy clone accepts CLONE_THREAD with a signal in the low byte (ignored for threads)",
    via: "clone",
    call: clone(THREAD_FLAGS | SIGCHLD),
    expect: "thread",
  },
  {
    name: "stack 0 with stack_size 4096 -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, stack: 0, stack_size: 4096 }),
    expect: -EINVAL,
  },
  {
    name: "stack set with stack_size 0 -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, stack: HEAP, stack_size: 0 }),
    expect: -EINVAL,
  },
  {
    name: "stack range past the user address space (access_ok) -> EINVAL",
    via: "clone3",
    call: clone3({ exit_signal: SIGCHLD, stack: TASK_SIZE - 4096, stack_size: 8192 }),
    expect: -EINVAL,
  },
  {
    name: "control: a mapped stack with its size works",
    via: "clone3",
    call: function* (c) {
      const stack = yield* c.u.sys.mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
      return yield* c.u.sys.clone3({ exit_signal: SIGCHLD, stack, stack_size: 4 * PAGE_SIZE }, 88);
    },
    expect: "process",
  },
  {
    name: "order: CLONE_THREAD with exit_signal and no CLONE_SIGHAND -> EINVAL from clone3_args_valid (same errno)",
    via: "clone3",
    call: clone3({ flags: CLONE_THREAD | CLONE_VM, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },

  // alloc_pid with set_tid.
  {
    name: "set_tid_size 2 > level + 1 in the initial namespace (alloc_pid) -> EINVAL",
    via: "clone3",
    call: clone3tids([400, 401], { exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "set_tid: pid 1 is in use -> EEXIST",
    via: "clone3",
    call: clone3tids([1], { exit_signal: SIGCHLD }),
    expect: -EEXIST,
  },
  {
    name: "set_tid: the caller's own pid is in use -> EEXIST",
    via: "clone3",
    call: function* (c) {
      return yield* clone3tids([yield* c.u.sys.getpid()], { exit_signal: SIGCHLD })(c);
    },
    expect: -EEXIST,
  },
  {
    name: "set_tid: 0 is below 1 -> EINVAL",
    via: "clone3",
    call: clone3tids([0], { exit_signal: SIGCHLD }),
    expect: -EINVAL,
    // kernel/pid.c alloc_pid: `if (tid < 1 || tid >= pid_max)`: a 0 entry is refused, not "unset".
  },
  {
    name: "set_tid: pid_max (32768) -> EINVAL",
    via: "clone3",
    call: clone3tids([PID_MAX_DEFAULT], { exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "set_tid: pid_max - 1 (32767), free, is given",
    via: "clone3",
    call: clone3tids([PID_MAX_DEFAULT - 1], { exit_signal: SIGCHLD }),
    expect: "process",
    pid: PID_MAX_DEFAULT - 1,
  },
  {
    name: "set_tid: 5 in a new pid namespace that has no init yet -> EINVAL",
    via: "clone3",
    call: clone3tids([5], { flags: CLONE_NEWPID, exit_signal: SIGCHLD }),
    expect: -EINVAL,
  },
  {
    name: "set_tid: [1, 500] with CLONE_NEWPID: the caller gets 500 (pid 1 inside: see part 2)",
    via: "clone3",
    call: clone3tids([1, 500], { flags: CLONE_NEWPID, exit_signal: SIGCHLD }),
    expect: "process",
    pid: 500,
  },
  {
    name: "set_tid without CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN (uid 1000) -> EPERM",
    via: "clone3",
    call: clone3tids([400], { exit_signal: SIGCHLD }),
    expect: -EPERM,
    as: "uid1000",
  },
  {
    name: "order: set_tid of a pid in use as uid 1000 -> EPERM (capability checked before the number)",
    via: "clone3",
    call: clone3tids([1], { exit_signal: SIGCHLD }),
    expect: -EPERM,
    as: "uid1000",
  },
  {
    name: "set_tid [1] with CLONE_NEWUSER|CLONE_NEWPID as uid 1000 works (capable over the new namespaces)",
    via: "clone3",
    call: clone3tids([1], { flags: CLONE_NEWUSER | CLONE_NEWPID, exit_signal: SIGCHLD }),
    expect: "process",
    as: "uid1000",
  },

  // Orders across kernel_clone, copy_process, copy_namespaces and alloc_pid.
  ...both(
    "order: CLONE_NEWNS|CLONE_FS as uid 1000 -> EINVAL (flag checks before copy_namespaces' EPERM)",
    CLONE_NEWNS | CLONE_FS,
    -EINVAL,
    { as: "uid1000" },
  ),
  ...both(
    "order: CLONE_NEWIPC|CLONE_SYSVSEM as uid 1000 -> EPERM (ns_capable before the SYSVSEM check)",
    CLONE_NEWIPC | CLONE_SYSVSEM,
    -EPERM,
    { as: "uid1000" },
  ),
  ...both(
    "order: CLONE_NEWPID with RLIMIT_NPROC reached as uid 1000 -> EAGAIN (before copy_namespaces)",
    CLONE_NEWPID,
    -EAGAIN,
    {
      as: "uid1000",
      nproc: 1,
    },
  ),
  {
    name: "order: CLONE_PIDFD|CLONE_PARENT_SETTID (same pointer) with a set_tid in use -> EINVAL (kernel_clone before alloc_pid)",
    via: "clone3",
    call: clone3tids([1], {
      flags: CLONE_PIDFD | CLONE_PARENT_SETTID,
      pidfd: W0,
      parent_tid: W0,
      exit_signal: SIGCHLD,
    }),
    expect: -EINVAL,
  },
  {
    name: "order: set_tid in use with RLIMIT_NPROC reached as uid 1000 -> EAGAIN (copy_process before alloc_pid)",
    via: "clone3",
    call: clone3tids([1], { exit_signal: SIGCHLD }),
    expect: -EAGAIN,
    as: "uid1000",
    nproc: 1,
  },
  {
    name: "order: CLONE_PIDFD at an unmapped address with a set_tid in use -> EEXIST (alloc_pid before the pidfd)",
    via: "clone3",
    call: clone3tids([1], { flags: CLONE_PIDFD, pidfd: BAD, exit_signal: SIGCHLD }),
    expect: -EEXIST,
  },
];

describe("clone/clone3/fork validation (6.19, §2.3)", () => {
  for (const row of rows) {
    const title = `${row.via}: ${row.name}`;
    it(title, () => check(row, runRow(row)));
  }

  /** unshare(CLONE_NEWPID); the first child is the namespace's init; it exits; then fork again. */
  function deadNamespace(initHasChild: boolean) {
    return run(function* ({ u }) {
      expect(yield* u.sys.unshare(CLONE_NEWPID)).toBe(0);
      const init = yield* u.sys.fork();
      if (init === 0) {
        if (initHasChild) {
          const g = yield* u.sys.fork();
          if (g === 0) {
            yield* u.sys.nanosleep({ tv_sec: 1, tv_nsec: 0 }); // killed by zap_pid_ns_processes
            yield* childExit(u);
          }
        }
        yield* childExit(u);
      }
      const reaped = yield* u.sys.wait4(init, 0, 0);
      const again = yield* u.sys.fork();
      if (again === 0) yield* childExit(u);
      if (again > 0) yield* u.sys.wait4(again, 0, 0);
      return { init: init > 0, reaped: reaped === init, again };
    });
  }

  // kernel/exit.c forget_original_parent calls find_child_reaper whether or not the exiting
  // init has children (zap_pid_ns_processes -> disable_pid_allocation).
  it("fork into a pid namespace whose (childless) init has exited (alloc_pid: PIDNS_ADDING clear) -> ENOMEM", () => {
    expect(deadNamespace(false)).toEqual({ init: true, reaped: true, again: -ENOMEM });
  });

  it("fork into a pid namespace whose init (with a child) has exited -> ENOMEM", () => {
    expect(deadNamespace(true)).toEqual({ init: true, reaped: true, again: -ENOMEM });
  });
});
