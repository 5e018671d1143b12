/** A name that does not exist (function, fault point, kmalloc type, signal, task) is an error that says what does. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { parseFault, parseSignal, SpecError } from "../../src/linux/lib/inject.js";
import { KMALLOC_TYPES, kmalloc } from "../../src/linux/mm/slab.js";
import { runScenario } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { closest, editDistance, InputError, suggest } from "../../src/sim/suggest.js";
import { err } from "../stdio.js";

const killed = findScenario("kthread-creator-killed-3a") as Scenario;
const enomem = findScenario("kthread-enomem") as Scenario;

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("did you mean", () => {
  it("edit distance is a metric: zero only for equal strings, symmetric, with the triangle inequality", () => {
    const s = fc.string({ maxLength: 8 });
    fc.assert(
      fc.property(s, s, s, (a, b, c) => {
        expect(editDistance(a, b) === 0).toBe(a === b);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c));
      }),
    );
    expect(editDistance("kthreadd", "kthredd")).toBe(1);
  });

  it("names the closest choices, and lists them all when they are few", () => {
    expect(closest("KIL", ["HUP", "KILL", "TERM", "ILL"])).toEqual(["KILL"]);
    // Close in edits, or starting with the name.
    expect(closest("kthread_creat", ["kthread_create_on_node", "kthreadd", "kthread_create", "kernel_clone"])).toEqual([
      "kthread_create",
      "kthread_create_on_node",
    ]);
    expect(suggest("kmaloc", ["slab", "kmalloc", "cache"])).toBe("did you mean kmalloc? (one of slab, kmalloc, cache)");
    expect(suggest("zzz", ["slab", "kmalloc"])).toBe("one of slab, kmalloc");
    const many = Array.from({ length: 20 }, (_, i) => `name${i}`);
    expect(suggest("zzzzzz", many)).toBe("");
    expect(suggest("nam19", many)).toBe("did you mean name19 or name9?");
  });
});

describe("specs that name what does not exist", () => {
  it("an unknown fault point or signal is refused when parsed", () => {
    expect(() => parseFault("kmaloc:x")).toThrow(SpecError);
    expect(message(() => parseFault("kmaloc:x"))).toBe(
      "unknown fault point 'kmaloc' in 'kmaloc:x': did you mean kmalloc? use slab, kmalloc:TYPE, cache:NAME or alloc_pid",
    );
    expect(message(() => parseSignal("KIL:creator@5ms"))).toBe("unknown signal 'KIL': did you mean KILL?");
    expect(message(() => parseSignal("sigtrm:creator@5ms"))).toBe("unknown signal 'sigtrm': did you mean TERM?");
    expect(message(() => parseSignal("FOO:creator@5ms"))).toMatch(
      /^unknown signal 'FOO': signals are HUP INT QUIT .* SYS or 1 to 64$/,
    );
    expect(message(() => parseSignal("65:creator@5ms"))).toMatch(/^unknown signal '65': /);
    // Names and numbers that are signals; a target whose name has a colon in it.
    expect(parseSignal("sigchld:creator@5ms").sig).toBe(17);
    expect(parseSignal("34:creator@5ms").sig).toBe(34);
    expect(parseSignal("kworker/0:1@5ms")).toMatchObject({ sig: 9, target: "kworker/0:1" });
  });

  it("a function the model does not have is refused before the run, as ftrace answers EINVAL", () => {
    expect(
      message(() =>
        runScenario(killed, { tracer: { tracer: "function_graph", graphFunction: "kthread_create_on_nod" } }),
      ),
    ).toBe(
      "set_graph_function: the model has no function 'kthread_create_on_nod' (ftrace answers EINVAL): did you mean kthread_create_on_node or __kthread_create_on_node or kthread_create?",
    );
    // Whatever the tracer: ftrace checks the name when it is written.
    expect(message(() => runScenario(killed, { tracer: { tracer: "nop", graphFunction: "zzzzqqq" } }))).toBe(
      "set_graph_function: the model has no function 'zzzzqqq' (ftrace answers EINVAL): the function tracer shows them (tasklab run SCENARIO --tracer function)",
    );
    expect(message(() => runScenario(killed, { signals: ["KILL:creator@kthreadd:create_kthred"] }))).toBe(
      "signal 9 to creator: the model has no function 'create_kthred' (ftrace answers EINVAL): did you mean create_kthread?",
    );
    expect(message(() => runScenario(killed, { faults: ["slab,caller=copy_proces"] }))).toBe(
      "fault slab, caller: the model has no function 'copy_proces' (ftrace answers EINVAL): did you mean copy_process?",
    );
  });

  it("a kmalloc type or cache that neither the model nor the run has is refused", () => {
    expect(message(() => runScenario(enomem, { faults: ["kmalloc:kthread_create_inf"] }))).toBe(
      "fault kmalloc:kthread_create_inf: unknown kmalloc type 'kthread_create_inf': did you mean kthread_create_info?",
    );
    expect(message(() => runScenario(enomem, { faults: ["cache:task_strct"] }))).toBe(
      "fault cache:task_strct: unknown slab cache 'task_strct': did you mean task_struct?",
    );
    // The model's own, even where this scenario never allocates one, and the kmalloc-N caches.
    expect(() =>
      runScenario(findScenario("fork") as Scenario, { faults: ["kmalloc:kthread_create_info"] }),
    ).not.toThrow();
    expect(() => runScenario(enomem, { faults: ["cache:kmalloc-64"] })).not.toThrow();
  });

  it("the model's list of kmalloc types is every type its code kmallocs (its caches, SLAB_CACHES, are checked by their type)", () => {
    const src = fileURLToPath(new URL("../../src/linux", import.meta.url));
    const used = new Set<string>();
    for (const f of readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")))
      for (const m of readFileSync(join(src, f), "utf8").matchAll(/\bk[mz]alloc(?:<[^>]*>)?\("([^"]+)"/g))
        used.add(m[1] as string);
    expect([...used].sort()).toEqual([...KMALLOC_TYPES].sort());
  });

  it("a scenario's own kmalloc type may be named, and its failure is logged as the kernel's fail_dump does", () => {
    const own: Scenario = {
      name: "own-type",
      description: "kmallocs a type of its own",
      *main() {
        yield 1000;
        if (kmalloc("my_buffer", 100, () => ({ __slab: null })) !== null) throw new Error("it did not fail");
      },
    };
    const r = runScenario(own, { faults: ["kmalloc:my_buffer"], checkLeaks: false });
    const dump = r.reports.find((x) => x.title === "FAULT_INJECTION: forcing a failure.");
    expect(dump?.kind).toBe("printk");
    expect(dump?.lines).toEqual([
      "name failslab, interval 1, probability 100, space 0, times 1",
      "CPU: 1 UID: 0 PID: 1 Comm: init",
      "Call Trace:",
      " <TASK>",
      " main",
      " kernel_init",
      " ret_from_fork",
      " </TASK>",
    ]);
  });

  it("a task no spec target ever was is refused after the run, with the closest names", () => {
    expect(message(() => runScenario(killed, { signals: ["KILL:creater@5ms"] }))).toBe(
      "signal 9 to creater: no task named 'creater' ran: did you mean creator?",
    );
    expect(message(() => runScenario(killed, { signals: ["KILL:creator@kthredd:create_kthread"] }))).toBe(
      "signal 9 to creator: no task named 'kthredd' ran: did you mean kthreadd?",
    );
    expect(message(() => runScenario(killed, { signals: ["TERM:9999@5ms"] }))).toBe(
      "signal 15 to 9999: no task with pid 9999 ran",
    );
    expect(message(() => runScenario(enomem, { faults: ["slab,task=kthredd"] }))).toBe(
      "fault slab: no task named 'kthredd' ran: did you mean kthreadd?",
    );
    // A task that exists, though not when the signal is due, is no mistake.
    expect(() => runScenario(killed, { signals: ["KILL:creator@1s"] })).not.toThrow();
  });
});

describe("from the command line", () => {
  it("each is one line and exit status 2", async () => {
    expect(await main(["run", "kthread-creator-killed-3a", "--kill", "creater@5ms", "--watchdog", "600"])).toBe(2);
    expect(err).toBe("tasklab: signal 9 to creater: no task named 'creater' ran: did you mean creator?\n");
  });

  it("through the debugger too", async () => {
    expect(
      await main(["debug", "kthread-run", "--signal", "KILL:x@kthreadd:nope_nope", "--ex", "run", "--watchdog", "600"]),
    ).toBe(2);
    expect(err).toMatch(/^tasklab: signal 9 to x: the model has no function 'nope_nope' \(ftrace answers EINVAL\)/);
  });
});
