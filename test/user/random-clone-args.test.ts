/**
 * Random integers thrown at clone and clone3 give a pid or a known errno, and exactly the
 * errno of the kernel's own checks (oracles written from kernel/fork.c, 6.19 order).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { E2BIG, EAGAIN, EBADF, EEXIST, EFAULT, EINVAL, ENOMEM, ENOSPC, EPERM } from "../../src/linux/include/errno.js";
import { SIGCHLD, SIGKILL } from "../../src/linux/include/signal.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_CLEAR_SIGHAND,
  CLONE_DETACHED,
  CLONE_FILES,
  CLONE_FS,
  CLONE_INTO_CGROUP,
  CLONE_IO,
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  CLONE_NEWUTS,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_PTRACE,
  CLONE_SETTLS,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_UNTRACED,
  CLONE_VFORK,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { TASK_SIZE } from "../../src/linux/mm/mm_types.js";
import type { User } from "../../src/user/user.js";
import { HEAP, probe, runs, tryClone, UNMAPPED } from "./random-programs.js";

// ---------------------------------------------------------------------------------------
// Random integers at clone and clone3, against the kernel's own checks

/** The errnos a clone may give once past the checks the oracles below compute. */
const CLONE_ERRNOS = new Set([EINVAL, EPERM, ENOMEM, EAGAIN, EFAULT, EBADF, E2BIG, EEXIST, ENOSPC, 87 /* EUSERS */]);

const CSIGNAL = 0xff;
const CLONE_NEWTIME = 0x80;
const KNOWN_LO_FLAGS = [
  CLONE_VM,
  CLONE_FS,
  CLONE_FILES,
  CLONE_SIGHAND,
  CLONE_PIDFD,
  CLONE_PTRACE,
  CLONE_VFORK,
  CLONE_PARENT,
  CLONE_THREAD,
  CLONE_NEWNS,
  CLONE_SYSVSEM,
  CLONE_SETTLS,
  CLONE_PARENT_SETTID,
  CLONE_CHILD_CLEARTID,
  CLONE_DETACHED,
  CLONE_UNTRACED,
  CLONE_CHILD_SETTID,
  CLONE_NEWCGROUP,
  CLONE_NEWUTS,
  CLONE_NEWIPC,
  CLONE_NEWUSER,
  CLONE_NEWPID,
  CLONE_NEWNET,
  CLONE_IO,
];

/** copy_process's checks before it allocates anything, then copy_namespaces' (6.19 order). */
function copyProcessCheck(f: bigint): number | null {
  const has = (x: number) => (f & BigInt(x)) !== 0n;
  if (has(CLONE_NEWNS) && has(CLONE_FS)) return -EINVAL;
  if (has(CLONE_NEWUSER) && has(CLONE_FS)) return -EINVAL;
  if (has(CLONE_THREAD) && !has(CLONE_SIGHAND)) return -EINVAL;
  if (has(CLONE_SIGHAND) && !has(CLONE_VM)) return -EINVAL;
  if (has(CLONE_THREAD) && (has(CLONE_NEWUSER) || has(CLONE_NEWPID))) return -EINVAL;
  if (has(CLONE_PIDFD) && has(CLONE_DETACHED)) return -EINVAL;
  if (has(CLONE_NEWIPC) && has(CLONE_SYSVSEM)) return -EINVAL;
  return null;
}

const u64 = (v: number) => BigInt.asUintN(64, BigInt(v));

interface CloneCall {
  flags: number;
  parent_tid: number;
  child_tid: number;
  tls: number;
}

/** What Linux answers to clone(flags, 0, parent_tid, child_tid, tls): an errno, or null for a child. */
function legacyCloneOracle(c: CloneCall): number | null {
  const lo = BigInt.asUintN(32, BigInt(c.flags));
  const f = lo & ~BigInt(CSIGNAL);
  const has = (x: number) => (f & BigInt(x)) !== 0n;
  if (has(CLONE_PIDFD) && has(CLONE_PARENT_SETTID)) return -EINVAL; // pidfd is parent_tid
  const pre = copyProcessCheck(f);
  if (pre !== null) return pre;
  // The pidfd is stored at parent_tid, after the pid is allocated.
  if (has(CLONE_PIDFD) && !writable(c.parent_tid)) return -EFAULT;
  return null;
}

/** The addresses the random calls use: the heap's first page is mapped and writable. */
const writable = (addr: number) => addr >= HEAP && addr < HEAP + 4096;
const ADDRS = [0, HEAP + 8, HEAP + 16, UNMAPPED, -1, TASK_SIZE];

interface Clone3Call {
  args: {
    flags: number;
    exit_signal: number;
    pidfd: number;
    parent_tid: number;
    child_tid: number;
    stack: number;
    stack_size: number;
    tls: number;
    set_tid: number;
    set_tid_size: number;
    cgroup: number;
  };
  size: number;
}

/** The set_tid arrays the random calls may point at: [1, 30001] at SET_TID, 30002 at SET_TID + 8. */
const SET_TID = HEAP + 0x100;

/**
 * What Linux answers to clone3(args, size): an errno, a pid it must be (set_tid), or null for
 * any new pid (copy_clone_args_from_user, clone3_args_valid, kernel_clone, copy_process, alloc_pid).
 */
function clone3Oracle(c: Clone3Call): { err: number } | { pid: number | null } {
  const size = u64(c.size);
  if (size > 4096n) return { err: -E2BIG };
  if (size < 64n) return { err: -EINVAL };
  const a = c.args;
  const set_tid = size >= 80n ? u64(a.set_tid) : 0n;
  const set_tid_size = size >= 80n ? u64(a.set_tid_size) : 0n;
  const cgroup = size >= 88n ? u64(a.cgroup) : 0n;
  if (set_tid_size > 32n) return { err: -EINVAL };
  if (set_tid === 0n && set_tid_size > 0n) return { err: -EINVAL };
  if (set_tid !== 0n && set_tid_size === 0n) return { err: -EINVAL };
  const sig = u64(a.exit_signal);
  if (sig > 64n) return { err: -EINVAL };
  const f = u64(a.flags);
  const has = (x: number) => (f & BigInt(x)) !== 0n;
  if (has(CLONE_INTO_CGROUP) && (cgroup > 0x7fffffffn || size < 88n)) return { err: -EINVAL };
  const tids: number[] = [];
  for (let i = 0n; i < set_tid_size; i++) {
    const addr = Number(set_tid + 4n * i);
    if (!writable(addr)) return { err: -EFAULT };
    tids.push(addr === SET_TID ? 1 : addr === SET_TID + 4 ? 30001 : addr === SET_TID + 8 ? 30002 : 0);
  }
  if (f & ~(0xffffffffn | BigInt(CLONE_CLEAR_SIGHAND) | BigInt(CLONE_INTO_CGROUP))) return { err: -EINVAL };
  if (has(CLONE_DETACHED) || f & BigInt(CSIGNAL & ~CLONE_NEWTIME)) return { err: -EINVAL };
  if (has(CLONE_SIGHAND) && f & BigInt(CLONE_CLEAR_SIGHAND)) return { err: -EINVAL };
  if ((has(CLONE_THREAD) || has(CLONE_PARENT)) && sig !== 0n) return { err: -EINVAL };
  const stack = u64(a.stack);
  const stack_size = u64(a.stack_size);
  if (stack === 0n ? stack_size > 0n : stack_size === 0n || stack + stack_size > BigInt(TASK_SIZE))
    return { err: -EINVAL };
  if (has(CLONE_PIDFD) && has(CLONE_PARENT_SETTID) && u64(a.pidfd) === u64(a.parent_tid)) return { err: -EINVAL };
  const pre = copyProcessCheck(f);
  if (pre !== null) return { err: pre };
  // alloc_pid: set_tid[0] is for the deepest namespace (a new one, with CLONE_NEWPID).
  const levels = has(CLONE_NEWPID) ? 2 : 1;
  let pid: number | null = null;
  if (tids.length > levels) return { err: -EINVAL };
  for (let i = 0; i < tids.length; i++) {
    const tid = tids[i] as number;
    const inNewNs = has(CLONE_NEWPID) && i === 0;
    if (tid < 1 || tid >= 32768) return { err: -EINVAL };
    if (inNewNs && tid !== 1) return { err: -EINVAL }; // no init there yet
    if (!inNewNs && tid === 1) return { err: -EEXIST };
    if (!inNewNs) pid = tid;
  }
  if (has(CLONE_PIDFD) && !writable(Number(u64(a.pidfd)))) return { err: -EFAULT };
  // cgroup_can_fork: no file the model can open is a cgroup directory.
  if (has(CLONE_INTO_CGROUP)) return { err: -EBADF };
  return { pid };
}

/**
 * Random flag words: any mix of the known flags, an exit signal byte, sometimes bits past 32.
 * Never negative: the directed test "a negative flag word" below covers that case (the legacy
 * clone takes the low 32 bits of a sign-extended int, or of any JS `|` with CLONE_IO).
 */
const flagWord = fc
  .tuple(
    fc.oneof(fc.subarray(KNOWN_LO_FLAGS, { maxLength: 4 }), fc.subarray(KNOWN_LO_FLAGS)),
    fc.oneof(fc.constantFrom(0, SIGCHLD), fc.nat(255)),
    fc.constantFrom(0, 0, 0, 1, 2, 4, 2 ** 20),
  )
  .map(([fl, sig, hi]) => {
    const lo = fl.reduce((a, b) => (a | b) >>> 0, 0);
    return lo + (sig === SIGKILL ? 0 : sig) + hi * 2 ** 32; // exit signal SIGKILL would kill the prober
  });

/** Ignores every signal that can be, so that whatever a random exit signal is, the prober lives on. */
function* ignoreSignals(u: User): UGen<void> {
  for (let sig = 1; sig <= 64; sig++)
    if (sig !== SIGKILL && sig !== 19) yield* u.sys.rt_sigaction(sig, { sa_handler: 1 });
}

describe("random integers at clone and clone3", () => {
  it("legacy clone: a pid or a known errno, and exactly the errno of the kernel's checks", () => {
    const seen = { child: 0, err: 0 };
    fc.assert(
      fc.property(
        flagWord,
        fc.constantFrom(...ADDRS),
        fc.constantFrom(...ADDRS),
        fc.constantFrom(0, HEAP),
        fc.integer({ min: 1, max: 3 }),
        (flags, parent_tid, child_tid, tls, cpus) => {
          const call: CloneCall = { flags, parent_tid, child_tid, tls };
          const { out } = probe(
            function* (u, rec) {
              yield* ignoreSignals(u);
              rec("r", yield* tryClone(u, () => u.sys.clone(flags, 0, parent_tid, child_tid, tls)));
            },
            { cpus },
          );
          const r = out.r as number;
          const want = legacyCloneOracle(call);
          const what = `clone(0x${u64(flags).toString(16)}, 0, ${parent_tid}, ${child_tid}, ${tls})`;
          expect(r > 0 || CLONE_ERRNOS.has(-r), `${what}: ${r}`).toBe(true);
          if (want !== null) expect(r, what).toBe(want);
          else expect(r, `${what}: a child`).toBeGreaterThan(0);
          seen[r > 0 ? "child" : "err"]++;
        },
      ),
      runs(100, 0xc10e),
    );
    expect(seen.child).toBeGreaterThan(5);
    expect(seen.err).toBeGreaterThan(5);
  });
});

describe("random integers at clone3", () => {
  it("a pid or a known errno, exactly the errno of the kernel's checks, and the pid set_tid asked for", () => {
    const seen = { child: 0, setTid: 0, err: 0 };
    const field = (...extra: number[]) => fc.constantFrom(0, 0, 0, ...extra);
    /** Anything: most of these fail a check. */
    const wild: fc.Arbitrary<Clone3Call> = fc.record({
      args: fc.record({
        flags: fc.oneof(
          flagWord.map((w) => (w > 0xffffffff ? w : w - (w & CSIGNAL))),
          flagWord,
          fc.constantFrom(0, CLONE_CLEAR_SIGHAND, CLONE_CLEAR_SIGHAND + CLONE_VM, -1, 2 ** 34),
          flagWord.map((w) => (w % 2 ** 32) - (w & CSIGNAL) + CLONE_INTO_CGROUP),
        ),
        // Not SIGKILL: the prober would be killed when the child exits.
        exit_signal: fc.oneof(
          fc.constantFrom(0, SIGCHLD, 64, 65, 255, -1, 2 ** 33),
          fc.nat(70).map((n) => (n === SIGKILL ? 0 : n)),
        ),
        pidfd: fc.constantFrom(...ADDRS),
        parent_tid: fc.constantFrom(...ADDRS),
        child_tid: fc.constantFrom(...ADDRS),
        stack: field(HEAP, TASK_SIZE - 4096, -1),
        stack_size: field(4096, 8192, -1),
        tls: field(HEAP),
        set_tid: field(SET_TID, SET_TID + 4, SET_TID + 8, UNMAPPED),
        set_tid_size: field(1, 1, 2, 33, -1),
        cgroup: field(3, 2 ** 31),
      }),
      // No negative size: the directed test "clone3 with size -1" below covers it.
      size: fc.constantFrom(0, 63, 64, 80, 88, 88, 88, 96, 4096, 4097, 2 ** 40),
    });
    /** Calls that mostly pass the checks, to reach the child-making end. */
    const SAFE = [
      CLONE_VM,
      CLONE_FS,
      CLONE_FILES,
      CLONE_SIGHAND | CLONE_VM,
      CLONE_PIDFD,
      CLONE_PARENT_SETTID,
      CLONE_CHILD_SETTID,
      CLONE_CHILD_CLEARTID,
      CLONE_SETTLS,
      CLONE_SYSVSEM,
      CLONE_NEWUTS,
      CLONE_NEWPID,
      CLONE_NEWNET,
      CLONE_UNTRACED,
      CLONE_IO,
      CLONE_VFORK,
    ];
    const tame: fc.Arbitrary<Clone3Call> = fc
      .record({
        flags: fc.subarray(SAFE, { maxLength: 4 }),
        clearSighand: fc.boolean(),
        exit_signal: fc.constantFrom(0, SIGCHLD),
        pidfd: fc.constantFrom(HEAP + 8, HEAP + 16, UNMAPPED),
        parent_tid: fc.constantFrom(...ADDRS),
        child_tid: fc.constantFrom(...ADDRS),
        stack: fc.constantFrom([0, 0], [HEAP, 4096]),
        setTid: fc.constantFrom([0, 0], [0, 0], [SET_TID + 4, 1], [SET_TID + 8, 1], [SET_TID, 2], [SET_TID, 1]),
        size: fc.constantFrom(64, 80, 88),
      })
      .map((t) => {
        const lo = t.flags.reduce((a, b) => (a | b) >>> 0, 0);
        return {
          args: {
            flags: lo + (t.clearSighand && !(lo & CLONE_SIGHAND) ? CLONE_CLEAR_SIGHAND : 0),
            exit_signal: t.exit_signal,
            pidfd: t.pidfd,
            parent_tid: t.parent_tid,
            child_tid: t.child_tid,
            stack: t.stack[0] as number,
            stack_size: t.stack[1] as number,
            tls: HEAP,
            set_tid: t.setTid[0] as number,
            set_tid_size: t.setTid[1] as number,
            cgroup: 0,
          },
          size: t.size,
        };
      });
    const call = fc.oneof(wild, tame);
    fc.assert(
      fc.property(call, fc.integer({ min: 1, max: 3 }), (c, cpus) => {
        const { out } = probe(
          function* (u, rec) {
            yield* ignoreSignals(u);
            yield* u.store(SET_TID, 1);
            yield* u.store(SET_TID + 4, 30001);
            yield* u.store(SET_TID + 8, 30002);
            rec("r", yield* tryClone(u, () => u.sys.clone3(c.args, c.size)));
          },
          { cpus },
        );
        const r = out.r as number;
        const want = clone3Oracle(c);
        const what = `clone3(${JSON.stringify(c.args)}, ${c.size})`;
        expect(r > 0 || CLONE_ERRNOS.has(-r), `${what}: ${r}`).toBe(true);
        if ("err" in want) expect(r, what).toBe(want.err);
        else if (want.pid !== null) expect(r, what).toBe(want.pid);
        else expect(r, `${what}: a child`).toBeGreaterThan(0);
        seen["err" in want ? "err" : want.pid !== null ? "setTid" : "child"]++;
      }),
      runs(100, 0xc3),
    );
    expect(seen.child).toBeGreaterThan(3);
    expect(seen.setTid).toBeGreaterThan(0);
    expect(seen.err).toBeGreaterThan(10);
  });
});
