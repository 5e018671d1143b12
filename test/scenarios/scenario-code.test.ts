/**
 * Scenario code that breaks tasklab's rules (yields what is no cost, asks for more CPUs than
 * the engine has, exits tasklab, exhausts memory) is an error that names the scenario, and
 * a user program's bad requests are refused as the kernel refuses bad arguments.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { EINVAL } from "../../src/linux/include/errno.js";
import { kthread_run } from "../../src/linux/kernel/kthread.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { runScenario } from "../../src/run.js";
import { type Scenario, ScenarioError } from "../../src/scenarios/scenario.js";
import { userScenario } from "../../src/scenarios/user-program.js";
import { err } from "../stdio.js";

function yielding(v: unknown): Scenario {
  return {
    name: "bad-yield",
    description: "yields what it is given",
    *main() {
      yield 1000;
      yield v as number;
    },
  };
}

function error(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("no error");
}

describe("kernel-side scenario code", () => {
  it.each([
    ["a string", "abc", '"abc"'],
    ["a Symbol", Symbol("tick"), "Symbol(tick)"],
    ["a BigInt", 5n, "5n"],
    ["NaN", Number.NaN, "NaN"],
    ["a negative number", -5, "-5"],
    ["Infinity", Number.POSITIVE_INFINITY, "Infinity"],
    ["an object", { ns: 5 }, "an object"],
    ["nothing (a bare yield)", undefined, "undefined"],
  ])("yielding %s is an error naming the scenario and where, and the clock stays a number", (_what, v, shown) => {
    const e = error(() => runScenario(yielding(v)));
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as Error).message).toBe(
      `scenario bad-yield: init/1 yielded ${shown} in main <- kernel_init <- ret_from_fork: a thread's code yields the ns its work costs, a finite number >= 0 (yield* the kernel's functions)`,
    );
  });

  it("in a thread function too, named in the error", () => {
    const s: Scenario = {
      name: "bad-thread",
      description: "a kthread that yields a string",
      *main() {
        yield* kthread_run(
          function* worker() {
            yield* msleep(1);
            yield "soon" as unknown as number;
            return 0;
          },
          null,
          "worker",
        );
        yield* msleep(10);
      },
    };
    expect((error(() => runScenario(s)) as Error).message).toMatch(
      /^scenario bad-thread: worker\/\d+ yielded "soon" in worker <- kthread <- ret_from_fork: /,
    );
  });

  it("whatever a scenario yields, the run ends with a result or a ScenarioError, and the clock is a finite number", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.double(), fc.bigInt()), (v) => {
        try {
          const r = runScenario(yielding(v), { until: 1e9 });
          expect(Number.isFinite(r.machine.now)).toBe(true);
          expect(typeof v === "number" && v >= 0).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(ScenarioError);
        }
      }),
      { numRuns: 40 },
    );
  });

  it.each([[5000], [0], [1.5], [-1]])("cpus: %s is refused, naming the scenario", (cpus) => {
    const e = error(() => runScenario({ name: "many", description: "", cpus }));
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as Error).message).toBe(`scenario many: cpus must be an integer from 1 to 1024, got ${cpus}`);
  });
});

describe("a user program's bad requests", () => {
  function tty(s: Scenario): string {
    return runScenario(s)
      .machine.kernel.tty.map((l) => l.text)
      .join("");
  }

  it("compute() of a time that is no time is refused with -EINVAL", () => {
    const s = userScenario({
      name: "computes",
      description: "",
      *program(u) {
        for (const ns of [Number.NaN, -1, Number.POSITIVE_INFINITY, "5" as unknown as number, 0, 1000])
          yield* u.libc.puts(`compute(${String(ns)}) = ${yield* u.compute(ns)}`);
        return 0;
      },
    });
    expect(tty(s)).toBe(
      [Number.NaN, -1, Number.POSITIVE_INFINITY, 5].map((n) => `compute(${n}) = ${-EINVAL}\n`).join("") +
        "compute(0) = 0\ncompute(1000) = 0\n",
    );
  });

  it.each([
    [-8, "-8"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
  ])("alloca(%s) overflows the stack: a segfault report and SIGSEGV", (n, shown) => {
    const s = userScenario({
      name: "allocas",
      description: "",
      *program(u) {
        u.alloca(n);
        yield* u.libc.puts("not reached");
        return 0;
      },
    });
    const r = runScenario(s);
    expect(r.reports.filter((x) => x.kind === "segfault").map((x) => x.title)).toEqual([
      expect.stringMatching(new RegExp(`^allocas\\[\\d+\\]: program threw: alloca\\(${shown}\\) overflows the stack$`)),
    ]);
    expect(r.machine.kernel.tty).toEqual([]);
  });

  it("a program that yields what is no request gets a segfault report and SIGSEGV", () => {
    const s = userScenario({
      name: "yields",
      description: "",
      *program() {
        yield 5 as never;
        return 0;
      },
    });
    const r = runScenario(s);
    expect(r.reports.filter((x) => x.kind === "segfault").map((x) => x.title)).toEqual([
      expect.stringMatching(
        /^yields\[\d+\]: program yielded 5, which is no request \(yield\* the u\.sys, u\.libc or u calls\)$/,
      ),
    ]);
  });
});

describe("scenario files through the command line", () => {
  const dir = mkdtempSync(join(tmpdir(), "tasklab-scenario-code-"));
  function file(name: string, body: string): string {
    const path = join(dir, name);
    writeFileSync(path, body);
    return path;
  }

  it("a bad yield: exit 2 and one line", async () => {
    const f = file("yields.mjs", 'export default { name: "yields", *main() { yield "abc"; } };\n');
    expect(await main(["run", f, "--watchdog", "600"])).toBe(2);
    expect(err).toBe(
      `tasklab: scenario yields: init/1 yielded "abc" in main <- kernel_init <- ret_from_fork: a thread's code yields the ns its work costs, a finite number >= 0 (yield* the kernel's functions)\n`,
    );
  });

  it("cpus: 5000: exit 2 and one line", async () => {
    const f = file("cpus.mjs", 'export default { name: "cpus", cpus: 5000, *main() {} };\n');
    expect(await main(["run", f, "--watchdog", "600"])).toBe(2);
    // The scenario file's shape is checked as it loads (src/schema.ts), before the machine is built.
    expect(err).toBe(`tasklab: '${f}': default export.cpus: expected an integer from 1 to 1024, got 5000\n`);
  });

  it("process.exit() in the scenario's code ends only its worker: exit 2 and one line", async () => {
    const f = file("exits.mjs", 'export default { name: "exits", *main() { yield 1000; process.exit(3); } };\n');
    expect(await main(["run", f, "--watchdog", "600"])).toBe(2);
    expect(err).toBe(
      `tasklab: scenario ${f} called process.exit(3): scenario code ends by returning from main, never by exiting tasklab\n`,
    );
  });

  it("a bad yield while the debugger runs it: exit 2 and one line (found by the fuzz test)", async () => {
    const f = file("yields-debug.mjs", 'export default { name: "yields", *main() { yield Infinity; } };\n');
    expect(await main(["debug", f, "--ex", "run", "--ex", "bt", "--watchdog", "600"])).toBe(2);
    expect(err).toBe(
      "tasklab: scenario yields: init/1 yielded Infinity in main <- kernel_init <- ret_from_fork: a thread's code yields the ns its work costs, a finite number >= 0 (yield* the kernel's functions)\n",
    );
  });

  it("process.exit() while the debugger runs it, too", async () => {
    const f = file("exits-debug.mjs", 'export default { name: "exits", *main() { yield 1000; process.exit(0); } };\n');
    expect(await main(["debug", f, "--ex", "run", "--watchdog", "600"])).toBe(2);
    expect(err).toBe(
      `tasklab: scenario ${f} called process.exit(0): scenario code ends by returning from main, never by exiting tasklab\n`,
    );
  });

  it("a scenario that exhausts memory ends only its worker: exit 2 and one line", async () => {
    const f = file(
      "grows.mjs",
      "export default { name: 'grows', *main() { const a = []; for (;;) { a.push(new Array(1000).fill(a.length)); if (a.length % 1000 === 0) yield 1; } } };\n",
    );
    expect(await main(["run", f, "--max-heap", "64", "--watchdog", "600"])).toBe(2);
    expect(err).toBe(
      `tasklab: scenario ${f} ran out of memory: its code used more than --max-heap 64 MB of JavaScript heap (a structure that grows without end?)\n`,
    );
  });
});
