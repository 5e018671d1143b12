/**
 * fork by copy (issue 16, step 6): under the frame runtime a fork child continues a copy of
 * its parent's program (its chain of frames), not a replay of it; a program that holds what
 * cannot be copied (an iterator over a Map across the fork) is replayed, with a note; one the
 * transform never saw (made by new Function) is replayed silently, as under the generator
 * runtime. Either way the child's locals are its own copy.
 */
import { describe, expect, it } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import type { User, UserMain } from "../../src/user/user.js";
import { runProgram } from "../helpers.js";

const frames = runtimeName() === "frames";

/** How many times the program's start ran (a variable outside it: the host's, not a task's). */
let starts = 0;

/** Forks inside a loop over an array, the child changes its copy of a local array and object. */
function* program(u: User) {
  starts++;
  const mine = [1, 2];
  const box = { n: 10 };
  for (const round of [1, 2]) {
    const pid = yield* u.libc.fork();
    if (pid === 0) {
      mine.push(99);
      box.n += round;
      yield* u.libc.puts(`child ${round}: ${mine.join(",")} ${box.n}`);
      yield* u.libc.exit(0);
    }
    yield* u.libc.waitpid(pid);
    yield* u.libc.puts(`parent ${round}: ${mine.join(",")} ${box.n}`);
  }
  return 0;
}

describe("fork by copy", () => {
  it("the child continues a copy of the parent's frames: its locals are its own; the program starts once", () => {
    starts = 0;
    const r = runProgram(program);
    expect(r.reports).toEqual([]);
    expect(r.tty).toEqual(["child 1: 1,2,99 11", "parent 1: 1,2 10", "child 2: 1,2,99 12", "parent 2: 1,2 10"]);
    // Replayed, each child runs the program's start again (rule 2 of docs/user-programs.md).
    expect(starts).toBe(frames ? 1 : 3);
  });

  it.runIf(frames)("a compiled program holding a Map's iterator across the fork is replayed, with a note", () => {
    const r = runProgram(function* (u) {
      for (const [k] of new Map([[7, 0]])) {
        const pid = yield* u.libc.fork();
        if (pid === 0) {
          yield* u.libc.puts(`child ${k}`);
          yield* u.libc.exit(0);
        }
        yield* u.libc.waitpid(pid);
        yield* u.libc.puts(`parent ${k}`);
      }
      return 0;
    });
    expect(r.reports.map((x) => [x.kind, x.title])).toEqual([
      ["note", "t[39]: fork replays the program: it holds an iterator across a yield"],
    ]);
    expect(r.tty).toEqual(["child 7", "parent 7"]);
  });

  it("a program the transform never saw is replayed, silently", () => {
    const plain = new Function(`return function* (u) {
      const pid = yield* u.libc.fork();
      if (pid === 0) {
        yield* u.libc.puts("child");
        yield* u.libc.exit(0);
      }
      yield* u.libc.waitpid(pid);
      yield* u.libc.puts("parent");
      return 0;
    }`)() as UserMain;
    const r = runProgram(plain);
    expect(r.reports).toEqual([]);
    expect(r.tty).toEqual(["child", "parent"]);
  });
});
