/**
 * Threads as data (issue 16): under the frame runtime every thread of a machine is a chain of
 * frame objects. Several scenarios (boot, kthreads, forks, vfork, threads, spawn, clone flags)
 * are stopped at several points of their run, and everything reachable from every live
 * thread's code — its frames, their fields, the tasks and the machine they lead to — is
 * walked: no generator object, and no IteratorFrame (an uncompiled iterator on a stack), may
 * be found. Under the generator runtime (TASKLAB_RUNTIME=generators) threads are generators
 * by definition, and the walk is skipped.
 */
import { describe, expect, it } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import { runScenario } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import { CompiledFrame, IteratorFrame } from "../../src/sim/frames.js";
import type { UserMain } from "../../src/user/user.js";
import { runProgram } from "../helpers.js";

/** What of `root`'s graph is not data: the path to each generator or IteratorFrame found. */
function notData(root: object, seen: Set<object>): string[] {
  const found: string[] = [];
  const queue: [object, string][] = [[root, "code"]];
  while (queue.length > 0) {
    const [o, at] = queue.shift() as [object, string];
    if (seen.has(o)) continue;
    seen.add(o);
    if (Object.prototype.toString.call(o) === "[object Generator]") found.push(`${at}: a generator`);
    if (o instanceof IteratorFrame) found.push(`${at}: an IteratorFrame`);
    const push = (v: unknown, k: string) => {
      if (typeof v === "object" && v !== null && !ArrayBuffer.isView(v)) queue.push([v, `${at}.${k}`]);
    };
    if (o instanceof Map)
      for (const [k, v] of o) {
        push(k, "<key>");
        push(v, String(k));
      }
    else if (o instanceof Set) for (const v of o) push(v, "<item>");
    for (const k of Object.keys(o)) push((o as Record<string, unknown>)[k], k);
  }
  return found;
}

const SCENARIOS = [
  "boot",
  "kthread-worker",
  "fork",
  "fork-vs-thread",
  "vfork",
  "pthread-create",
  "posix-spawn",
  "clone-flags",
];

describe.runIf(runtimeName() === "frames")("threads as data (frame runtime)", () => {
  it("the walk finds a generator however deep (one the transform never saw: made by new Function)", () => {
    const gen = new Function("return (function* g() { yield 1; })()")() as object;
    const graph = { a: [1, { b: new Map([["k", { c: new Set([gen]) }]]) }] };
    expect(notData(graph, new Set())).toEqual(["code.a.1.b.k.c.<item>: a generator"]);
  });

  it.each(SCENARIOS)("%s: every live thread is frames only, at several points of the run", (name) => {
    const scenario = findScenario(name);
    if (scenario === undefined) throw new Error(`no scenario ${name}`);
    let threads = 0;
    let objects = 0;
    for (const maxSteps of [800, 2500, 4000, 50_000_000]) {
      const r = runScenario(scenario, { cpus: 2, seed: 1, maxSteps });
      const seen = new Set<object>();
      for (const task of r.machine.tasks()) {
        if (task.exit_state !== 0) continue;
        const code = task.sim.gen;
        expect(code, `${name}@${maxSteps}: ${task.comm}`).toBeInstanceOf(CompiledFrame);
        expect(notData(code, seen), `${name}@${maxSteps}: ${task.comm}`).toEqual([]);
        threads++;
      }
      objects += seen.size;
    }
    // The walk reached the tasks and the machine, not just the frames.
    expect(threads).toBeGreaterThan(4 * 10);
    expect(objects).toBeGreaterThan(4 * 1000);
  });
});

describe("a program the transform never saw", () => {
  it("runs as a generator (through an IteratorFrame under frames): it forks, the child prints, the parent waits", () => {
    const program = new Function(`return function* program(u) {
      const pid = yield* u.libc.fork();
      if (pid === 0) {
        yield* u.libc.puts("child " + (yield* u.libc.getppid()));
        yield* u.libc.exit(3);
      }
      const got = yield* u.libc.waitpid(pid);
      yield* u.libc.puts("parent reaped " + (got === pid));
      return 0;
    }`)() as UserMain;
    const r = runProgram(program);
    expect(r.reports).toEqual([]);
    expect(r.tty).toEqual(["child 39", "parent reaped true"]);
    expect(r.status).toBe(0);
  });
});
