/**
 * clone3 with its struct clone_args in user memory (kernel/fork.c copy_clone_args_from_user,
 * lib/usercopy.c copy_struct_from_user / check_zeroed_user), and glibc's clone(fn, stack,
 * flags, arg) wrapper (sysdeps/unix/sysv/linux/x86_64/clone.S). Each case names its source:
 * the kernel's tools/testing/selftests/clone3/clone3.c (its size cases), LTP's
 * testcases/kernel/syscalls/clone3/clone302.c (invalid arguments), clone/clone01.c,
 * clone/clone04.c, and the clone(2) man page.
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import type { EraName } from "../../src/linux/eras/profiles.js";
import { E2BIG, EFAULT, EINVAL } from "../../src/linux/include/errno.js";
import { SIGCHLD } from "../../src/linux/include/signal.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import { CLONE_VM } from "../../src/linux/include/uapi/sched.js";
import {
  CLONE_ARGS_SIZE_VER0,
  CLONE_ARGS_SIZE_VER1,
  CLONE_ARGS_SIZE_VER2,
} from "../../src/linux/kernel/fork_syscalls.js";
import { PAGE_SIZE } from "../../src/linux/mm/mm_types.js";
import type { User } from "../../src/user/user.js";
import { runRecording } from "../helpers.js";

type Rec = (k: string, v: number | boolean) => void;

function run(body: (u: User, rec: Rec, shared: number) => UGen<void>, kernel?: EraName) {
  return runRecording(body, kernel === undefined ? {} : { kernel }).seen;
}

/**
 * A page of its own with an unmapped page after it (two mapped, the second unmapped): the
 * address `bytes` before the hole.
 */
function* beforeHole(u: User, bytes: number): UGen<number> {
  const base = yield* u.sys.mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  yield* u.sys.munmap(base + PAGE_SIZE, PAGE_SIZE);
  return base + PAGE_SIZE - bytes;
}

/** Writes a struct clone_args (its u64 fields in order) at `at`, `extra` words after the 88 bytes. */
function* putArgs(u: User, at: number, fields: Record<number, number>, extra: number[] = []): UGen<void> {
  for (let i = 0; i < 11; i++) yield* u.store(at + 8 * i, fields[i] ?? 0);
  for (const [i, w] of extra.entries()) yield* u.store(at + CLONE_ARGS_SIZE_VER2 + 8 * i, w);
}

const EXIT_SIGNAL = 4;
const SET_TID = 8;

/** clone3 from memory: what it returned, a child reaped (it exits 0 at once). */
function* clone3At(u: User, at: number, size: number): UGen<number> {
  const r = yield* u.sys.clone3(at, size);
  if (r === 0) for (;;) yield* u.sys.exit_group(0);
  if (r > 0) {
    const st = u.alloca(8);
    yield* u.sys.wait4(r, st, 0);
    return (yield* u.load(st)) === 0 ? 1 : -1000; // 1: a child, reaped with status 0
  }
  return r;
}

describe("clone3's struct clone_args read from user memory", () => {
  it("selftests/clone3/clone3.c: each size the kernel knows (VER0 64, VER1 80, VER2 88) makes a child; SIGCHLD from exit_signal", () => {
    const seen = run(function* (u, rec) {
      const at = u.alloca(128);
      yield* putArgs(u, at, { [EXIT_SIGNAL]: SIGCHLD });
      for (const size of [CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER1, CLONE_ARGS_SIZE_VER2])
        rec(`size ${size}`, yield* clone3At(u, at, size));
    });
    expect(seen).toEqual({ "size 64": 1, "size 80": 1, "size 88": 1 });
  });

  it("selftests/clone3/clone3.c, clone302.c: below VER0 -EINVAL, above a page -E2BIG, a larger struct with a nonzero tail -E2BIG, with a zeroed one a child", () => {
    const seen = run(function* (u, rec) {
      const at = u.alloca(256);
      yield* putArgs(u, at, { [EXIT_SIGNAL]: SIGCHLD }, [0, 0]);
      rec("size 63", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER0 - 1));
      rec("size 4097", yield* clone3At(u, at, PAGE_SIZE + 1));
      rec("size 104, zeroed tail", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER2 + 16));
      yield* u.store(at + CLONE_ARGS_SIZE_VER2 + 8, 1);
      rec("size 104, nonzero tail", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER2 + 16));
      rec("size 96, the nonzero word left out", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER2 + 8));
    });
    expect(seen).toEqual({
      "size 63": -EINVAL,
      "size 4097": -E2BIG,
      "size 104, zeroed tail": 1,
      "size 104, nonzero tail": -E2BIG,
      "size 96, the nonzero word left out": 1,
    });
  });

  it("clone302.c: a struct that runs into an unmapped page is -EFAULT (its fields, or the tail the kernel checks for zeros); NULL is -EFAULT", () => {
    const seen = run(function* (u, rec) {
      const last32 = yield* beforeHole(u, 32);
      yield* putArgs(u, last32 - 56, { [EXIT_SIGNAL]: SIGCHLD }); // fields 7.. would be in the hole
      rec("fields past the page", yield* clone3At(u, last32, CLONE_ARGS_SIZE_VER0));
      const whole = yield* beforeHole(u, CLONE_ARGS_SIZE_VER2);
      for (let i = 0; i < 11; i++) yield* u.store(whole + 8 * i, i === EXIT_SIGNAL ? SIGCHLD : 0);
      rec("exactly to the page end", yield* clone3At(u, whole, CLONE_ARGS_SIZE_VER2));
      rec("tail in the hole", yield* clone3At(u, whole, CLONE_ARGS_SIZE_VER2 + 8));
      rec("NULL", yield* clone3At(u, 0, CLONE_ARGS_SIZE_VER0));
    });
    expect(seen).toEqual({
      "fields past the page": -EFAULT,
      "exactly to the page end": 1,
      "tail in the hole": -EFAULT,
      NULL: -EFAULT,
    });
  });

  it("copy_clone_args_from_user: the checks of the struct read from memory are those of the object (set_tid without set_tid_size -EINVAL, a bad exit_signal -EINVAL)", () => {
    const seen = run(function* (u, rec) {
      const at = u.alloca(128);
      yield* putArgs(u, at, { [EXIT_SIGNAL]: SIGCHLD, [SET_TID]: at });
      rec("set_tid alone", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER2));
      rec("set_tid left out by the size", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER0));
      yield* putArgs(u, at, { [EXIT_SIGNAL]: 65 });
      rec("exit_signal 65", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER0));
    });
    expect(seen).toEqual({ "set_tid alone": -EINVAL, "set_tid left out by the size": 1, "exit_signal 65": -EINVAL });
  });

  it("5.4 (clone3 without set_tid): the struct it knows is 64 bytes; a nonzero word past them is -E2BIG", () => {
    const seen = run(function* (u, rec) {
      const at = u.alloca(128);
      yield* putArgs(u, at, { [EXIT_SIGNAL]: SIGCHLD, [SET_TID]: at, 9: 1 });
      rec("size 88 with set_tid", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER2));
      rec("size 64", yield* clone3At(u, at, CLONE_ARGS_SIZE_VER0));
    }, "5.4");
    expect(seen).toEqual({ "size 88 with set_tid": -E2BIG, "size 64": 1 });
  });
});

/** The function a clone child runs: it writes its argument into the memory it shares, returns 7. */
function* cloneChild(u: User, a: { shared: number; v: number }): UGen<number> {
  yield* u.store(a.shared, a.v + (yield* u.sys.getppid()));
  return 7;
}

describe("glibc's clone(fn, stack, flags, arg)", () => {
  it("clone01.c, clone(2): the child runs fn(arg) on the given stack and exits with its result; CLONE_VM shares memory", () => {
    const seen = run(function* (u, rec) {
      const stack = yield* u.sys.mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
      const word = u.alloca(8);
      yield* u.store(word, 0);
      const pid = yield* u.libc.clone(cloneChild, stack + 4 * PAGE_SIZE, CLONE_VM | SIGCHLD, { shared: word, v: 1000 });
      const st = u.alloca(8);
      rec("waited", (yield* u.libc.waitpid(pid, st, 0)) === pid);
      rec("status", (yield* u.load(st)) as number);
      rec("written through the shared mm", (yield* u.load(word)) === 1000 + (yield* u.sys.getpid()));
    });
    expect(seen).toEqual({ waited: true, status: 7 << 8, "written through the shared mm": true });
  });

  it("clone04.c: no stack (or no function) is EINVAL from the library, before any system call", () => {
    const seen = run(function* (u, rec) {
      rec("no stack", yield* u.libc.clone(cloneChild, 0, SIGCHLD, { shared: 0, v: 0 }));
      rec("errno", u.errno);
    });
    expect(seen).toEqual({ "no stack": -1, errno: EINVAL });
  });
});
