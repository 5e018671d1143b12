/**
 * The tid words of clone (CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID) and
 * vfork, as linux-task-creation.md §5.2 has them (Linux 6.19).
 */
import { describe, expect, it } from "vitest";
import { SIGCHLD } from "../../src/linux/include/signal.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_NEWPID,
  CLONE_PARENT_SETTID,
  CLONE_VFORK,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { childExit, run, W0, W1, W2, waitCleared } from "./conformance-harness.js";

describe("the tid words and vfork (§5.2)", () => {
  it("PARENT_SETTID with CLONE_VM: the child's pid is at parent_tid before the child runs", () => {
    const got = run(function* ({ u }) {
      yield* u.store(W0, 7);
      const pid = yield* u.sys.clone(CLONE_VM | CLONE_PARENT_SETTID | SIGCHLD, 0, W0, 0, 0);
      if (pid === 0) {
        yield* u.store(W1, yield* u.load(W0)); // the child's first act
        yield* u.store(W2, yield* u.sys.gettid());
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return {
        parent_tid: (yield* u.load(W0)) === pid,
        child_saw: (yield* u.load(W1)) === pid,
        tid: (yield* u.load(W2)) === pid,
      };
    });
    expect(got).toEqual({ parent_tid: true, child_saw: true, tid: true });
  });

  it("PARENT_SETTID without CLONE_VM: written in the parent's memory only, after the child's copy was made", () => {
    const got = run(function* ({ u, shared }) {
      yield* u.store(W0, 7);
      const pid = yield* u.sys.clone(CLONE_PARENT_SETTID | SIGCHLD, 0, W0, 0, 0);
      if (pid === 0) {
        yield* u.store(shared + 8, yield* u.load(W0));
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return { parent: (yield* u.load(W0)) === pid, child: yield* u.load(shared + 8) };
    });
    expect(got).toEqual({ parent: true, child: 7 });
  });

  it("PARENT_SETTID with CLONE_NEWPID: the pid as the caller's namespace sees it", () => {
    const got = run(function* ({ u, shared }) {
      yield* u.store(W0, 7);
      const pid = yield* u.sys.clone(CLONE_NEWPID | CLONE_PARENT_SETTID | SIGCHLD, 0, W0, 0, 0);
      if (pid === 0) {
        yield* u.store(shared + 8, yield* u.sys.gettid());
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return { parent_tid: (yield* u.load(W0)) === pid, outer_gt_1: pid > 1, inner: yield* u.load(shared + 8) };
    });
    expect(got).toEqual({ parent_tid: true, outer_gt_1: true, inner: 1 });
  });

  it("CHILD_SETTID without CLONE_VM: the child writes its tid in its own memory; the parent's word is untouched", () => {
    const got = run(function* ({ u, shared }) {
      yield* u.store(W0, 7);
      const pid = yield* u.sys.clone(CLONE_CHILD_SETTID | SIGCHLD, 0, 0, W0, 0);
      if (pid === 0) {
        yield* u.store(shared + 8, (yield* u.load(W0)) === (yield* u.sys.gettid()) ? 1 : 0);
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return { parent: yield* u.load(W0), child_has_own_tid: yield* u.load(shared + 8) };
    });
    expect(got).toEqual({ parent: 7, child_has_own_tid: 1 });
  });

  it("CHILD_SETTID with CLONE_NEWPID: the child writes its tid as its namespace sees it (1)", () => {
    const got = run(function* ({ u, shared }) {
      const pid = yield* u.sys.clone(CLONE_NEWPID | CLONE_CHILD_SETTID | SIGCHLD, 0, 0, W0, 0);
      if (pid === 0) {
        yield* u.store(shared + 8, yield* u.load(W0));
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return yield* u.load(shared + 8);
    });
    expect(got).toBe(1);
  });

  it("CHILD_SETTID via libc fork: the child's struct pthread tid is its own pid", () => {
    const got = run(function* ({ u, shared }) {
      const pid = yield* u.libc.fork();
      if (pid === 0) {
        // glibc fork's child_tid is &self->tid (struct pthread + 0x2d0).
        yield* u.store(shared + 8, (yield* u.load(u.self + 0x2d0)) === (yield* u.sys.getpid()) ? 1 : 0);
        yield* childExit(u);
      }
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return {
        child: yield* u.load(shared + 8),
        parent_tid_word_is_parent: (yield* u.load(u.self + 0x2d0)) === (yield* u.sys.getpid()),
      };
    });
    expect(got).toEqual({ child: 1, parent_tid_word_is_parent: true });
  });

  it("CHILD_CLEARTID with CLONE_VM: the word is 0 after the child exits (and the futex is woken)", () => {
    const got = run(function* ({ u }) {
      const pid = yield* u.sys.clone(CLONE_VM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, W0, W0, 0);
      if (pid === 0) {
        yield* u.compute(1_000_000);
        yield* childExit(u);
      }
      const before = (yield* u.load(W0)) === pid;
      yield* waitCleared(u, W0);
      const after = yield* u.load(W0);
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return { before, after };
    });
    expect(got).toEqual({ before: true, after: 0 });
  });

  it("CHILD_CLEARTID without CLONE_VM: the clear happens in the child's memory, the parent's word keeps the pid", () => {
    const got = run(function* ({ u }) {
      const pid = yield* u.sys.clone(CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, W0, W0, 0);
      if (pid === 0) yield* childExit(u);
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return (yield* u.load(W0)) === pid;
    });
    expect(got).toBe(true);
  });

  it.each([
    ["with CLONE_VFORK the caller resumes only after the child exited: it sees the child's store", CLONE_VFORK, 42],
    ["without CLONE_VFORK the caller runs on at once: the child's late store is not there yet", 0, 1],
  ])("VFORK: %s", (_, vfork, seen) => {
    const got = run(function* ({ u }) {
      yield* u.store(W0, 1);
      const pid = yield* u.sys.clone(vfork | CLONE_VM | SIGCHLD);
      if (pid === 0) {
        yield* u.compute(1_000_000);
        yield* u.store(W0, 42);
        yield* childExit(u);
      }
      const now = yield* u.load(W0);
      expect(yield* u.sys.wait4(pid, 0, 0)).toBe(pid);
      return now;
    });
    expect(got).toBe(seen);
  });
});
