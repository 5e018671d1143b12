/**
 * Bad input to the system calls that create, wait for, signal and exec tasks: the model never
 * throws and answers with the errno Linux 6.19 answers (kernel/fork.c, kernel/exit.c,
 * kernel/signal.c, kernel/futex/, mm/mmap.c, fs/exec.c).
 */
import { describe, expect, it } from "vitest";
import {
  E2BIG,
  EAGAIN,
  EBADF,
  ECHILD,
  EEXIST,
  EFAULT,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSYS,
  ESRCH,
} from "../../src/linux/include/errno.js";
import { SIGCHLD, SIGKILL, SIGTERM } from "../../src/linux/include/signal.js";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE } from "../../src/linux/include/uapi/futex.js";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import {
  CLONE_CHILD_SETTID,
  CLONE_CLEAR_SIGHAND,
  CLONE_DETACHED,
  CLONE_FS,
  CLONE_INTO_CGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { __WALL, __WCLONE, WEXITED, WNOHANG, WNOWAIT } from "../../src/linux/include/uapi/wait.js";
import { TASK_SIZE } from "../../src/linux/mm/mm_types.js";
import { clone3, HEAP, INT_MIN, probe, tryClone, UNMAPPED } from "./random-programs.js";

describe("bad input to clone", () => {
  it("legacy clone: the flag checks of copy_process, in the kernel's order; bits the legacy call ignores are ignored", () => {
    const pidfd = HEAP + 0x40;
    const { out } = probe(function* (u, rec) {
      const cases: [string, number, number[]][] = [
        ["upper 32 bits", 2 ** 32 + SIGCHLD, []],
        ["CLONE_DETACHED", CLONE_DETACHED | SIGCHLD, []],
        ["exit signal 200", 200, []],
        ["CLONE_PIDFD|CLONE_DETACHED", CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, [0, pidfd]],
        ["CLONE_PIDFD|CLONE_PARENT_SETTID", CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, [0, pidfd]],
        ["all flags (-1)", -1, []],
        ["CLONE_THREAD alone", CLONE_THREAD | SIGCHLD, []],
        ["CLONE_SIGHAND without CLONE_VM", CLONE_SIGHAND | SIGCHLD, []],
        ["CLONE_NEWNS|CLONE_FS", CLONE_NEWNS | CLONE_FS | SIGCHLD, []],
        ["CLONE_NEWUSER|CLONE_FS", CLONE_NEWUSER | CLONE_FS | SIGCHLD, []],
        ["a thread in a new pid ns", CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID, []],
        ["CLONE_NEWIPC|CLONE_SYSVSEM", CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD, []],
        ["CLONE_CHILD_SETTID at an unmapped address", CLONE_CHILD_SETTID | SIGCHLD, [0, 0, UNMAPPED]],
        ["CLONE_PARENT_SETTID at an unmapped address", CLONE_PARENT_SETTID | SIGCHLD, [0, UNMAPPED]],
        ["CLONE_PIDFD at an unmapped address", CLONE_PIDFD | SIGCHLD, [0, UNMAPPED]],
      ];
      for (const [label, flags, rest] of cases) {
        rec(label, yield* tryClone(u, () => u.sys.clone(flags, ...(rest as []))));
      }
    });
    const pid = expect.any(Number);
    expect(out).toEqual({
      "upper 32 bits": pid,
      CLONE_DETACHED: pid,
      "exit signal 200": pid,
      "CLONE_PIDFD|CLONE_DETACHED": -EINVAL,
      "CLONE_PIDFD|CLONE_PARENT_SETTID": -EINVAL, // the legacy call's pidfd pointer is parent_tid
      "all flags (-1)": -EINVAL,
      "CLONE_THREAD alone": -EINVAL,
      "CLONE_SIGHAND without CLONE_VM": -EINVAL,
      "CLONE_NEWNS|CLONE_FS": -EINVAL,
      "CLONE_NEWUSER|CLONE_FS": -EINVAL,
      "a thread in a new pid ns": -EINVAL,
      "CLONE_NEWIPC|CLONE_SYSVSEM": -EINVAL,
      "CLONE_CHILD_SETTID at an unmapped address": pid, // schedule_tail's put_user failing is ignored
      "CLONE_PARENT_SETTID at an unmapped address": pid, // so is kernel_clone's
      "CLONE_PIDFD at an unmapped address": -EFAULT,
    });
    for (const k of ["upper 32 bits", "CLONE_DETACHED", "exit signal 200"]) expect(out[k]).toBeGreaterThan(0);
  });

  it("a child with an exit signal that is no signal is reaped only with __WCLONE or __WALL", () => {
    const { out } = probe(function* (u, rec) {
      const pid = yield* u.sys.clone(200);
      if (pid === 0) for (;;) yield* u.sys.exit_group(3);
      rec("wait4 0", yield* u.sys.wait4(pid, 0, 0));
      rec("wait4 __WCLONE", (yield* u.sys.wait4(pid, HEAP + 8, __WCLONE)) === pid);
      rec("status", yield* u.load(HEAP + 8));
    });
    expect(out).toEqual({ "wait4 0": -ECHILD, "wait4 __WCLONE": true, status: 3 << 8 });
  });

  it("clone3: size and pointer checks first (E2BIG, EINVAL, EFAULT), then the struct's fields", () => {
    const setTid = HEAP + 0x100;
    const { out } = probe(function* (u, rec) {
      const c = function* (label: string, args: unknown, size: number) {
        rec(label, yield* tryClone(u, () => clone3(u, args, size)));
      };
      yield* c("size 0", { exit_signal: SIGCHLD }, 0);
      yield* c("size 1", { exit_signal: SIGCHLD }, 1);
      yield* c("size 63", { exit_signal: SIGCHLD }, 63);
      yield* c("size 4097", { exit_signal: SIGCHLD }, 4097);
      yield* c("size 2**40", { exit_signal: SIGCHLD }, 2 ** 40);
      yield* c("size NaN", { exit_signal: SIGCHLD }, Number.NaN);
      yield* c("NULL, size 0", null, 0);
      yield* c("NULL, size 4097", null, 4097);
      yield* c("NULL", null, 88);
      yield* c("a number", 42, 88);
      yield* c("a string", "clone_args", 88);
      yield* c("size 64, no exit signal", {}, 64);
      yield* c("size 88", { exit_signal: SIGCHLD }, 88);
      yield* c("size 96, zero tail", { exit_signal: SIGCHLD, tail: [0] }, 96);
      yield* c("size 4096, no tail", { exit_signal: SIGCHLD }, 4096);
      yield* c("size 96, tail not zero", { exit_signal: SIGCHLD, tail: [0, 1] }, 96);
      yield* c("flags -1", { flags: -1 }, 88);
      yield* c("flags 2**40", { flags: 2 ** 40 }, 88);
      yield* c("flags NaN", { flags: Number.NaN }, 88);
      yield* c("flags CLONE_DETACHED", { flags: CLONE_DETACHED, exit_signal: SIGCHLD }, 88);
      yield* c("flags with a CSIGNAL bit", { flags: SIGCHLD }, 88);
      yield* c("CLONE_CLEAR_SIGHAND", { flags: CLONE_CLEAR_SIGHAND, exit_signal: SIGCHLD }, 88);
      yield* c(
        "CLONE_CLEAR_SIGHAND|CLONE_SIGHAND",
        { flags: CLONE_CLEAR_SIGHAND + (CLONE_SIGHAND | CLONE_VM), exit_signal: SIGCHLD },
        88,
      );
      yield* c("exit_signal 65", { exit_signal: 65 }, 88);
      yield* c("exit_signal 255", { exit_signal: 255 }, 88);
      yield* c("exit_signal -1", { exit_signal: -1 }, 88);
      yield* c("exit_signal NaN", { exit_signal: Number.NaN }, 88);
      yield* c("exit_signal 2**33", { exit_signal: 2 ** 33 }, 88);
      yield* c(
        "a thread with an exit signal",
        { flags: CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, exit_signal: SIGCHLD },
        88,
      );
      yield* c("CLONE_PARENT with an exit signal", { flags: CLONE_PARENT, exit_signal: SIGCHLD }, 88);
      yield* c("a thread without CLONE_SIGHAND", { flags: CLONE_THREAD }, 88);
      yield* c("stack_size without stack", { exit_signal: SIGCHLD, stack_size: 4096 }, 88);
      yield* c("stack without stack_size", { exit_signal: SIGCHLD, stack: HEAP }, 88);
      yield* c("stack past TASK_SIZE", { exit_signal: SIGCHLD, stack: TASK_SIZE - 4096, stack_size: 8192 }, 88);
      yield* c("stack -1", { exit_signal: SIGCHLD, stack: -1, stack_size: 4096 }, 88);
      yield* c("stack ending at TASK_SIZE", { exit_signal: SIGCHLD, stack: TASK_SIZE - 4096, stack_size: 4096 }, 88);
      yield* c(
        "child_tid, parent_tid, tls garbage",
        { exit_signal: SIGCHLD, child_tid: -1, parent_tid: Number.NaN, tls: 2 ** 60 },
        88,
      );
      yield* c(
        "CLONE_CHILD_SETTID|CLONE_PARENT_SETTID at garbage",
        { flags: CLONE_CHILD_SETTID | CLONE_PARENT_SETTID, exit_signal: SIGCHLD, child_tid: -1, parent_tid: UNMAPPED },
        88,
      );
      yield* c("CLONE_PIDFD at an unmapped address", { flags: CLONE_PIDFD, exit_signal: SIGCHLD, pidfd: UNMAPPED }, 88);
      yield* c(
        "CLONE_PIDFD and CLONE_PARENT_SETTID at one address",
        { flags: CLONE_PIDFD | CLONE_PARENT_SETTID, exit_signal: SIGCHLD, pidfd: HEAP + 8, parent_tid: HEAP + 8 },
        88,
      );
      yield* c(
        "CLONE_INTO_CGROUP, cgroup > INT_MAX",
        { flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 2 ** 31 },
        88,
      );
      yield* c("CLONE_INTO_CGROUP, size 80", { flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 0 }, 80);
      yield* c(
        "CLONE_INTO_CGROUP, fd 0 (no cgroup)",
        { flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 0 },
        88,
      );
      // set_tid: an array of pid_t in user memory, deepest namespace first.
      yield* u.store(setTid, 1);
      yield* u.store(setTid + 4, 30001);
      yield* u.store(setTid + 8, 32768);
      yield* u.store(setTid + 12, -5);
      yield* u.store(setTid + 16, yield* u.sys.getpid());
      const st = (off: number, n: number) => ({ exit_signal: SIGCHLD, set_tid: setTid + off, set_tid_size: n });
      yield* c("set_tid_size 33", st(0, 33), 88);
      yield* c("set_tid_size without set_tid", { exit_signal: SIGCHLD, set_tid_size: 1 }, 88);
      yield* c("set_tid without set_tid_size", { exit_signal: SIGCHLD, set_tid: setTid }, 88);
      yield* c("set_tid unmapped", { exit_signal: SIGCHLD, set_tid: UNMAPPED, set_tid_size: 1 }, 88);
      yield* c("set_tid_size -1", { exit_signal: SIGCHLD, set_tid: setTid, set_tid_size: -1 }, 88);
      yield* c("set_tid 1 (init's)", st(0, 1), 88);
      yield* c("set_tid: the caller's own pid", st(16, 1), 88);
      yield* c("set_tid pid_max", st(8, 1), 88);
      yield* c("set_tid -5", st(12, 1), 88);
      yield* c("set_tid 30001", st(4, 1), 88);
      yield* c("set_tid, two levels in the initial namespace", st(0, 2), 88);
      yield* c("set_tid ignored at size 64", st(0, 1), 64);
      // With CLONE_NEWPID, set_tid[0] is the number in the new namespace, where only 1 can come first.
      yield* c("set_tid [1, 30001] with CLONE_NEWPID", { ...st(0, 2), flags: CLONE_NEWPID }, 88);
      yield* c("set_tid [30001] with CLONE_NEWPID", { ...st(4, 1), flags: CLONE_NEWPID }, 88);
    });
    const pid = expect.any(Number);
    expect(out).toEqual({
      "size 0": -EINVAL,
      "size 1": -EINVAL,
      "size 63": -EINVAL,
      "size 4097": -E2BIG,
      "size 2**40": -E2BIG,
      "size NaN": -E2BIG, // no size_t: the model takes it for a huge one
      "NULL, size 0": -EINVAL,
      "NULL, size 4097": -E2BIG,
      NULL: -EFAULT,
      "a number": -EFAULT,
      "a string": -EFAULT,
      "size 64, no exit signal": pid,
      "size 88": pid,
      "size 96, zero tail": pid,
      "size 4096, no tail": pid,
      "size 96, tail not zero": -E2BIG,
      "flags -1": -EINVAL,
      "flags 2**40": -EINVAL,
      "flags NaN": -EINVAL,
      "flags CLONE_DETACHED": -EINVAL,
      "flags with a CSIGNAL bit": -EINVAL,
      CLONE_CLEAR_SIGHAND: pid,
      "CLONE_CLEAR_SIGHAND|CLONE_SIGHAND": -EINVAL,
      "exit_signal 65": -EINVAL,
      "exit_signal 255": -EINVAL,
      "exit_signal -1": -EINVAL,
      "exit_signal NaN": -EINVAL,
      "exit_signal 2**33": -EINVAL,
      "a thread with an exit signal": -EINVAL,
      "CLONE_PARENT with an exit signal": -EINVAL,
      "a thread without CLONE_SIGHAND": -EINVAL,
      "stack_size without stack": -EINVAL,
      "stack without stack_size": -EINVAL,
      "stack past TASK_SIZE": -EINVAL,
      "stack -1": -EINVAL,
      "stack ending at TASK_SIZE": pid,
      "child_tid, parent_tid, tls garbage": pid, // not used without their flags
      "CLONE_CHILD_SETTID|CLONE_PARENT_SETTID at garbage": pid, // failed writes are ignored
      "CLONE_PIDFD at an unmapped address": -EFAULT,
      "CLONE_PIDFD and CLONE_PARENT_SETTID at one address": -EINVAL,
      "CLONE_INTO_CGROUP, cgroup > INT_MAX": -EINVAL,
      "CLONE_INTO_CGROUP, size 80": -EINVAL,
      "CLONE_INTO_CGROUP, fd 0 (no cgroup)": -EBADF,
      "set_tid_size 33": -EINVAL,
      "set_tid_size without set_tid": -EINVAL,
      "set_tid without set_tid_size": -EINVAL,
      "set_tid unmapped": -EFAULT,
      "set_tid_size -1": -EINVAL,
      "set_tid 1 (init's)": -EEXIST,
      "set_tid: the caller's own pid": -EEXIST,
      "set_tid pid_max": -EINVAL,
      "set_tid -5": -EINVAL,
      "set_tid 30001": 30001,
      "set_tid, two levels in the initial namespace": -EINVAL,
      "set_tid ignored at size 64": pid,
      "set_tid [1, 30001] with CLONE_NEWPID": 30001,
      "set_tid [30001] with CLONE_NEWPID": -EINVAL,
    });
    for (const [k, v] of Object.entries(out)) if (typeof v === "number") expect(v, k).not.toBe(0);
  });
});

describe("bad input to wait4, kill, execve, futex, mmap and munmap", () => {
  it("wait4: options are checked first, then INT_MIN, then whether there is a child to wait for", () => {
    const { out } = probe(function* (u, rec) {
      const me = yield* u.sys.getpid();
      rec("options 0x10", yield* u.sys.wait4(-1, 0, 0x10));
      rec("options WEXITED", yield* u.sys.wait4(-1, 0, WEXITED));
      rec("options WNOWAIT", yield* u.sys.wait4(-1, 0, WNOWAIT));
      rec("options -1", yield* u.sys.wait4(-1, 0, -1));
      rec("options 0.5", yield* u.sys.wait4(-1, 0, 0.5));
      rec("INT_MIN, bad options", yield* u.sys.wait4(INT_MIN, 0, 0x10));
      rec("INT_MIN", yield* u.sys.wait4(INT_MIN, 0, 0));
      rec("-1, no child", yield* u.sys.wait4(-1, 0, 0));
      rec("0, no child", yield* u.sys.wait4(0, 0, __WALL));
      rec("a pid that does not exist", yield* u.sys.wait4(99999, 0, 0));
      rec("a process group that does not exist", yield* u.sys.wait4(-99999, 0, 0));
      rec("itself", yield* u.sys.wait4(me, 0, 0));
      rec("init, not its child", yield* u.sys.wait4(1, 0, 0));
      const pid = yield* u.sys.clone(SIGCHLD);
      if (pid === 0) {
        yield* u.libc.usleep(500);
        for (;;) yield* u.sys.exit_group(5);
      }
      rec("WNOHANG, child running", yield* u.sys.wait4(pid, 0, WNOHANG));
      rec("__WCLONE, a SIGCHLD child", yield* u.sys.wait4(pid, 0, __WCLONE));
      // The status cannot be stored: -EFAULT, but the child is reaped all the same (as in Linux).
      rec("status at an unmapped address", yield* u.sys.wait4(pid, UNMAPPED, 0));
      rec("again", yield* u.sys.wait4(pid, 0, 0));
    });
    expect(out).toEqual({
      "options 0x10": -EINVAL,
      "options WEXITED": -EINVAL, // wait4 adds it itself; only waitid takes it
      "options WNOWAIT": -EINVAL,
      "options -1": -EINVAL,
      "options 0.5": -EINVAL,
      "INT_MIN, bad options": -EINVAL,
      INT_MIN: -ESRCH,
      "-1, no child": -ECHILD,
      "0, no child": -ECHILD,
      "a pid that does not exist": -ECHILD,
      "a process group that does not exist": -ECHILD,
      itself: -ECHILD,
      "init, not its child": -ECHILD,
      "WNOHANG, child running": 0,
      "__WCLONE, a SIGCHLD child": -ECHILD,
      "status at an unmapped address": -EFAULT,
      again: -ECHILD,
    });
  });

  it("kill: invalid signals, INT_MIN, missing processes; init ignores SIGKILL from user space; a child can be killed", () => {
    const { out, r } = probe(function* (u, rec) {
      const me = yield* u.sys.getpid();
      rec("signal 65", yield* u.sys.kill(me, 65));
      rec("signal -1", yield* u.sys.kill(me, -1));
      rec("signal 0.5", yield* u.sys.kill(me, 0.5));
      rec("signal 0 (a probe)", yield* u.sys.kill(me, 0));
      rec("SIGCHLD to itself (ignored)", yield* u.sys.kill(me, SIGCHLD));
      rec("INT_MIN", yield* u.sys.kill(INT_MIN, 0));
      rec("a pid that does not exist", yield* u.sys.kill(99999, 0));
      rec("a process group that does not exist", yield* u.sys.kill(-99999, 0));
      rec("init, probe", yield* u.sys.kill(1, 0));
      rec("init, SIGKILL", yield* u.sys.kill(1, SIGKILL));
      const pid = yield* u.sys.clone(SIGCHLD);
      if (pid === 0) {
        yield* u.libc.usleep(100_000);
        for (;;) yield* u.sys.exit_group(0);
      }
      rec("SIGTERM to a child", yield* u.sys.kill(pid, SIGTERM));
      rec("reaped", (yield* u.sys.wait4(pid, HEAP + 8, 0)) === pid);
      rec("status", yield* u.load(HEAP + 8));
    });
    expect(out).toEqual({
      "signal 65": -EINVAL,
      "signal -1": -EINVAL,
      "signal 0.5": -EINVAL,
      "signal 0 (a probe)": 0,
      "SIGCHLD to itself (ignored)": 0,
      INT_MIN: -ESRCH,
      "a pid that does not exist": -ESRCH,
      "a process group that does not exist": -ESRCH,
      "init, probe": 0,
      "init, SIGKILL": 0, // sent, and dropped: init has no handler for it
      "SIGTERM to a child": 0,
      reaped: true,
      status: SIGTERM,
    });
    expect(r.machine.kernel.init_pid_ns.pids.get(1)?.task?.exit_state).toBe(0);
  });

  it("execve: a bad file name, a missing file, a bad argv", () => {
    const { out } = probe(function* (u, rec) {
      const exec = (path: unknown, argv: unknown) => u.sys.execve(path as string, argv as string[]);
      rec("file name not a string", yield* exec(42, []));
      rec("NULL file name", yield* exec(null, []));
      rec("empty file name", yield* exec("", []));
      rec("missing file", yield* exec("/nonexistent", ["x"]));
      rec("a directory-like name", yield* exec("/bin/", ["x"]));
      rec("argv not an array", yield* exec("/bin/true", 42));
      rec("argv with a non-string", yield* exec("/bin/true", ["true", 42]));
      // A good execve, in a child: the exit status is /bin/false's.
      const pid = yield* u.sys.vfork();
      if (pid === 0) {
        yield* u.sys.execve("/bin/false", ["false"]);
        for (;;) yield* u.sys.exit_group(127);
      }
      yield* u.sys.wait4(pid, HEAP + 8, 0);
      rec("/bin/false", yield* u.load(HEAP + 8));
    });
    expect(out).toEqual({
      "file name not a string": -EFAULT,
      "NULL file name": -EFAULT,
      "empty file name": -ENOENT,
      "missing file": -ENOENT,
      "a directory-like name": -ENOENT,
      "argv not an array": -EFAULT,
      "argv with a non-string": -EFAULT,
      "/bin/false": 1 << 8,
    });
  });

  it("futex: alignment, unmapped words, unknown operations, a changed value", () => {
    const { out } = probe(function* (u, rec) {
      const P = FUTEX_PRIVATE_FLAG;
      yield* u.store(HEAP + 16, 7);
      rec("wait, unaligned", yield* u.sys.futex(HEAP + 2, FUTEX_WAIT, 0));
      rec("wait private, unaligned", yield* u.sys.futex(HEAP + 2, FUTEX_WAIT | P, 0));
      rec("wait, unmapped", yield* u.sys.futex(UNMAPPED, FUTEX_WAIT, 0));
      rec("wait private, unmapped", yield* u.sys.futex(UNMAPPED, FUTEX_WAIT | P, 0));
      rec("wake private, unmapped", yield* u.sys.futex(UNMAPPED, FUTEX_WAKE | P, 1));
      rec("wait, value changed", yield* u.sys.futex(HEAP + 16, FUTEX_WAIT | P, 8));
      rec("wake, nobody waits", yield* u.sys.futex(HEAP + 16, FUTEX_WAKE | P, 1));
      rec("wake 0", yield* u.sys.futex(HEAP + 16, FUTEX_WAKE | P, 0));
      rec("unknown operation", yield* u.sys.futex(HEAP + 16, 99, 0));
      rec("FUTEX_CLOCK_REALTIME with FUTEX_WAIT", yield* u.sys.futex(HEAP + 16, FUTEX_WAIT | 256, 7));
    });
    expect(out).toEqual({
      "wait, unaligned": -EINVAL,
      "wait private, unaligned": -EINVAL,
      "wait, unmapped": -EFAULT,
      "wait private, unmapped": -EFAULT,
      "wake private, unmapped": 0, // a private key needs no page
      "wait, value changed": -EAGAIN,
      "wake, nobody waits": 0,
      "wake 0": 0,
      "unknown operation": -ENOSYS,
      "FUTEX_CLOCK_REALTIME with FUTEX_WAIT": -ENOSYS, // only the BITSET and PI waits take it
    });
  });

  it("mmap and munmap: zero or misaligned lengths and addresses; unmapping what is not mapped is fine", () => {
    const RW = PROT_READ | PROT_WRITE;
    const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
    const { out } = probe(function* (u, rec) {
      rec("mmap length 0", yield* u.sys.mmap(0, 0, RW, ANON));
      rec("mmap without MAP_PRIVATE or MAP_SHARED", yield* u.sys.mmap(0, 4096, RW, MAP_ANONYMOUS));
      rec("mmap of a file, fd -1", yield* u.sys.mmap(0, 4096, RW, MAP_PRIVATE, -1));
      rec("MAP_FIXED at an unaligned address", yield* u.sys.mmap(HEAP + 1, 4096, RW, ANON | MAP_FIXED));
      rec("mmap of the whole address space", yield* u.sys.mmap(0, TASK_SIZE, RW, ANON));
      const big = yield* u.sys.mmap(0, 2 ** 40, RW, ANON);
      rec("mmap of 1 TiB", big > 0 && big % 4096 === 0);
      rec("munmap it", yield* u.sys.munmap(big, 2 ** 40));
      const a = yield* u.sys.mmap(0, 3 * 4096, RW, ANON);
      rec("munmap the middle page", yield* u.sys.munmap(a + 4096, 4096));
      rec("munmap it again", yield* u.sys.munmap(a + 4096, 4096));
      rec("munmap the rest, across the hole", yield* u.sys.munmap(a, 3 * 4096));
      rec("munmap, nothing mapped there", yield* u.sys.munmap(UNMAPPED, 4096));
      rec("munmap, unaligned", yield* u.sys.munmap(UNMAPPED + 1, 4096));
      rec("munmap, length 0", yield* u.sys.munmap(UNMAPPED, 0));
      rec("munmap, length -1", yield* u.sys.munmap(UNMAPPED, -1));
      rec("munmap at TASK_SIZE", yield* u.sys.munmap(TASK_SIZE, 4096));
      rec("munmap across TASK_SIZE", yield* u.sys.munmap(TASK_SIZE - 4096, 8192));
      rec("munmap of the last page", yield* u.sys.munmap(TASK_SIZE - 4096, 4096));
      rec("munmap NaN", yield* u.sys.munmap(Number.NaN, 4096));
    });
    expect(out).toEqual({
      "mmap length 0": -EINVAL,
      "mmap without MAP_PRIVATE or MAP_SHARED": -EINVAL,
      "mmap of a file, fd -1": -EBADF,
      "MAP_FIXED at an unaligned address": -EINVAL,
      "mmap of the whole address space": -ENOMEM,
      "mmap of 1 TiB": true,
      "munmap it": 0,
      "munmap the middle page": 0,
      "munmap it again": 0,
      "munmap the rest, across the hole": 0,
      "munmap, nothing mapped there": 0,
      "munmap, unaligned": -EINVAL,
      "munmap, length 0": -EINVAL,
      "munmap, length -1": -EINVAL,
      "munmap at TASK_SIZE": -EINVAL,
      "munmap across TASK_SIZE": -EINVAL,
      "munmap of the last page": 0,
      "munmap NaN": -EINVAL,
    });
  });

  it("arguments C cannot even pass (NaN, strings, objects) give an errno, never an exception", () => {
    const garbage: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, -0.5, "1", { x: 1 }, undefined, null, 2 ** 64];
    const { out } = probe(function* (u, rec) {
      let i = 0;
      for (const g of garbage) {
        const n = g as number;
        rec(`clone ${i}`, yield* tryClone(u, () => u.sys.clone(n, n, n, n, n)));
        rec(`clone3 ${i}`, yield* tryClone(u, () => clone3(u, { flags: g, exit_signal: g, stack: g, set_tid: g }, n)));
        rec(`wait4 ${i}`, yield* u.sys.wait4(n, n, n));
        rec(`kill ${i}`, yield* u.sys.kill(n, n));
        rec(`execve ${i}`, yield* u.sys.execve(g as string, g as string[]));
        rec(`futex ${i}`, yield* u.sys.futex(n, n, n));
        rec(`mmap ${i}`, yield* u.sys.mmap(n, n, n, n, n, n));
        rec(`munmap ${i}`, yield* u.sys.munmap(n, n));
        rec(`nanosleep ${i}`, yield* u.sys.nanosleep(g as { tv_sec: number; tv_nsec: number }));
        i++;
      }
    });
    // A result (undefined reads as a missing argument, 0: a clone may then succeed), or an errno
    // a program may see (never a kernel-internal -ERESTART*).
    for (const [k, v] of Object.entries(out)) {
      expect(typeof v, k).toBe("number");
      const n = v as number;
      expect(Number.isInteger(n) && n > -512, `${k}: ${n}`).toBe(true);
    }
    expect(out["mmap 0"]).toBe(-EINVAL);
    expect(out["clone3 0"]).toBe(-E2BIG);
  });
});
