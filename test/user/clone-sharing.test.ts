/**
 * What a child of fork / vfork / clone / clone3 shares with its parent or gets a copy of, one
 * row per sharing rule of linux-task-creation.md §5.4 that a program can observe: memory, fd
 * table, umask, handlers, thread ids, parent, pid namespace (Linux 6.19).
 */
import { describe, expect, it } from "vitest";
import { EBADF, ECHILD } from "../../src/linux/include/errno.js";
import { SIG_DFL, SIG_IGN, SIGCHLD, SIGUSR1, SIGUSR2 } from "../../src/linux/include/signal.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CLEAR_SIGHAND,
  CLONE_FILES,
  CLONE_FS,
  CLONE_NEWPID,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_SIGHAND,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { __WALL, __WCLONE } from "../../src/linux/include/uapi/wait.js";
import { childExit, run, THREAD_FLAGS, TIDS, W0, W1, W2, W3, waitCleared } from "./conformance-harness.js";

describe("what copy_process shares or copies (§5.4)", () => {
  it.each([
    ["without CLONE_VM the child's store stays in its copy", 0, 1],
    ["with CLONE_VM the child's store is seen by the parent", CLONE_VM, 42],
  ])("VM: %s", (_, flags, seen) => {
    const got = run(function* ({ u }) {
      yield* u.store(W0, 1);
      const pid = yield* u.sys.clone(flags | SIGCHLD);
      if (pid === 0) {
        yield* u.store(W0, 42);
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return yield* u.load(W0);
    });
    expect(got).toBe(seen);
  });

  it.each([
    ["without CLONE_FILES an fd the child opens is not in the parent's table", 0, -EBADF],
    ["with CLONE_FILES an fd the child opens is in the parent's table", CLONE_FILES, 0],
  ])("FILES: %s", (_, flags, closed) => {
    const got = run(function* ({ u }) {
      const pid = yield* u.sys.clone(flags | SIGCHLD);
      if (pid === 0) {
        const fd = yield* u.sys.pidfd_open(yield* u.sys.getppid());
        for (;;) yield* u.sys.exit_group(fd);
      }
      const st = u.alloca(8);
      expect(yield* u.sys.wait4(pid, st, 0)).toBe(pid);
      const fd = ((yield* u.load(st)) as number) >> 8;
      return { fd, close: yield* u.sys.close(fd) };
    });
    expect(got).toEqual({ fd: 3, close: closed });
  });

  it.each([
    ["without CLONE_FS the child's umask is its own", 0, 0o022],
    ["with CLONE_FS the child's umask is the parent's", CLONE_FS, 0o077],
  ])("FS: %s", (_, flags, mask) => {
    const got = run(function* ({ u }) {
      yield* u.sys.umask(0o022);
      const pid = yield* u.sys.clone(flags | SIGCHLD);
      if (pid === 0) {
        yield* u.sys.umask(0o077);
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return yield* u.sys.umask(0o022);
    });
    expect(got).toBe(mask);
  });

  it.each([
    ["without CLONE_SIGHAND the child's handler change is its own", CLONE_VM, SIG_DFL],
    ["with CLONE_SIGHAND the child's handler change is the parent's", CLONE_VM | CLONE_SIGHAND, SIG_IGN],
  ])("SIGHAND: %s", (_, flags, handler) => {
    const got = run(function* ({ u }) {
      const pid = yield* u.sys.clone(flags | SIGCHLD);
      if (pid === 0) {
        yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: SIG_IGN });
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      const old = u.alloca(8);
      expect(yield* u.sys.rt_sigaction(SIGUSR1, null, old)).toBe(0);
      return yield* u.load(old);
    });
    expect(got).toBe(handler);
  });

  const HANDLER = 2;
  it.each([
    ["clone3 with CLONE_CLEAR_SIGHAND resets a caught signal to SIG_DFL and keeps SIG_IGN", "clone3-clear", SIG_DFL],
    ["clone3 without CLONE_CLEAR_SIGHAND copies the handlers", "clone3", HANDLER],
    ["legacy clone drops the CLONE_CLEAR_SIGHAND bit: handlers copied", "clone-clear", HANDLER],
  ])("SIGHAND: %s", (_, how, usr1) => {
    const got = run(function* ({ u, shared }) {
      expect(yield* u.sys.rt_sigaction(SIGUSR1, { sa_handler: HANDLER })).toBe(0);
      expect(yield* u.sys.rt_sigaction(SIGUSR2, { sa_handler: SIG_IGN })).toBe(0);
      const pid =
        how === "clone-clear"
          ? yield* u.sys.clone(CLONE_CLEAR_SIGHAND + SIGCHLD)
          : yield* u.sys.clone3({ flags: how === "clone3-clear" ? CLONE_CLEAR_SIGHAND : 0, exit_signal: SIGCHLD }, 88);
      if (pid === 0) {
        const old = u.alloca(8);
        yield* u.sys.rt_sigaction(SIGUSR1, null, old);
        yield* u.store(shared + 8, yield* u.load(old));
        yield* u.sys.rt_sigaction(SIGUSR2, null, old);
        yield* u.store(shared + 16, yield* u.load(old));
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      const old = u.alloca(8);
      yield* u.sys.rt_sigaction(SIGUSR1, null, old);
      return { child: [yield* u.load(shared + 8), yield* u.load(shared + 16)], parentUsr1: yield* u.load(old) };
    });
    expect(got).toEqual({ child: [usr1, SIG_IGN], parentUsr1: HANDLER });
  });

  it("THREAD: same getpid and getppid, its own gettid; exit signal -1: not waitable, no zombie", () => {
    const got = run(function* ({ u }) {
      const me = yield* u.sys.getpid();
      const ppid = yield* u.sys.getppid();
      yield* u.store(W0, 0);
      const tid = yield* u.sys.clone(THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID, 0, W0, W0, 0);
      if (tid === 0) {
        yield* u.store(W1, yield* u.sys.getpid());
        yield* u.store(W2, yield* u.sys.gettid());
        yield* u.store(W3, yield* u.sys.getppid());
        yield* childExit(u);
      }
      yield* waitCleared(u, W0);
      return {
        tid_is_new: tid !== me && tid > 0,
        getpid: (yield* u.load(W1)) === me,
        gettid: (yield* u.load(W2)) === tid,
        getppid: (yield* u.load(W3)) === ppid,
        wait: yield* u.sys.wait4(tid, 0, __WALL),
      };
    });
    expect(got).toEqual({ tid_is_new: true, getpid: true, gettid: true, getppid: true, wait: -ECHILD });
  });

  it("THREAD via libc pthread_create: same getpid, another gettid", () => {
    const got = run(function* ({ u }) {
      const me = yield* u.sys.getpid();
      const th = u.alloca(8);
      const e = yield* u.libc.pthread_create(
        th,
        null,
        function* (t) {
          yield* t.store(W1, yield* t.sys.getpid());
          yield* t.store(W2, yield* t.sys.gettid());
          return 0;
        },
        null,
      );
      expect(e).toBe(0);
      expect(yield* u.libc.pthread_join((yield* u.load(th)) as number)).toBe(0);
      const tid = (yield* u.load(W2)) as number;
      return { getpid: (yield* u.load(W1)) === me, other_tid: tid > 0 && tid !== me };
    });
    expect(got).toEqual({ getpid: true, other_tid: true });
  });

  it.each([
    ["without CLONE_PARENT the child's parent is the caller", 0],
    ["with CLONE_PARENT the child's parent is the caller's parent (not the caller's to wait for)", CLONE_PARENT],
  ])("PARENT: %s", (_, flag) => {
    const got = run(function* ({ u }) {
      const me = yield* u.sys.getpid();
      const ppid = yield* u.sys.getppid();
      yield* u.store(W0, 0);
      const flags = flag | CLONE_VM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD;
      const pid = yield* u.sys.clone(flags, 0, W0, W0, 0);
      if (pid === 0) {
        yield* u.store(W1, yield* u.sys.getppid());
        yield* childExit(u);
      }
      yield* waitCleared(u, W0);
      const parent = yield* u.load(W1);
      const wait = yield* u.sys.wait4(pid, 0, __WALL);
      return {
        parent: parent === me ? "caller" : parent === ppid ? "caller's parent" : parent,
        wait: wait === pid ? "pid" : wait,
      };
    });
    expect(got).toEqual(flag === 0 ? { parent: "caller", wait: "pid" } : { parent: "caller's parent", wait: -ECHILD });
  });

  it("NEWPID: the child is pid 1 with parent 0 inside; the caller sees another pid", () => {
    const got = run(function* ({ u, shared }) {
      const pid = yield* u.sys.clone(CLONE_NEWPID | SIGCHLD);
      if (pid === 0) {
        yield* u.store(shared + 8, yield* u.sys.getpid());
        yield* u.store(shared + 16, yield* u.sys.getppid());
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return { outside_gt_1: pid > 1, inside: [yield* u.load(shared + 8), yield* u.load(shared + 16)] };
    });
    expect(got).toEqual({ outside_gt_1: true, inside: [1, 0] });
  });

  it("NEWPID with set_tid [1, 500]: the child is 1 inside, 500 outside; PARENT_SETTID stores 500", () => {
    const got = run(function* ({ u, shared }) {
      yield* u.store(TIDS, 1);
      yield* u.store(TIDS + 4, 500);
      const args = { flags: CLONE_NEWPID | CLONE_PARENT_SETTID, parent_tid: W0, exit_signal: SIGCHLD };
      const pid = yield* u.sys.clone3({ ...args, set_tid: TIDS, set_tid_size: 2 }, 88);
      if (pid === 0) {
        yield* u.store(shared + 8, yield* u.sys.getpid());
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return { pid, parent_tid: yield* u.load(W0), inside: yield* u.load(shared + 8) };
    });
    expect(got).toEqual({ pid: 500, parent_tid: 500, inside: 1 });
  });

  it("exit signal: a clone3 child with exit_signal 0 is a clone child: wait4 needs __WCLONE", () => {
    const got = run(function* ({ u }) {
      const pid = yield* u.sys.clone3({ exit_signal: 0 }, 88);
      if (pid === 0) yield* childExit(u);
      const plain = yield* u.sys.wait4(pid, 0, 0);
      const clone = yield* u.sys.wait4(pid, 0, __WCLONE);
      return { plain, clone: clone === pid };
    });
    expect(got).toEqual({ plain: -ECHILD, clone: true });
  });

  it("PIDFD: the fd number is stored at pidfd and is open in the caller", () => {
    const got = run(function* ({ u }) {
      yield* u.store(W0, -1);
      const pid = yield* u.sys.clone3({ flags: CLONE_PIDFD, pidfd: W0, exit_signal: SIGCHLD }, 88);
      if (pid === 0) yield* childExit(u);
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      const fd = (yield* u.load(W0)) as number;
      return { fd, close: yield* u.sys.close(fd) };
    });
    expect(got).toEqual({ fd: 3, close: 0 });
  });
});
