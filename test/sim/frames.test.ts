/**
 * The frame runtime (src/sim/frames.ts) and the frames transform (src/build/): each sample is
 * a module of kfuncs, run once as written (generators) and once compiled into frames, on the
 * same scenario; the result, the engine's step count and the function_graph trace must be
 * the same. The samples call the model's own kfuncs (generators here) and are called from a
 * generator, so both directions of interop run.
 */

import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { describe, expect, it } from "vitest";
import { transformFrames } from "../../src/build/frames-transform.mjs";
import { kcall, kfunc, msleep, traceText } from "../../src/index.js";
import { runScenario } from "../../src/run.js";
import type { KGen } from "../../src/sim/engine.js";
import { CompiledFrame, frameRuntime } from "../../src/sim/frames.js";
import { findFunctionId, functionSource, kleaf } from "../../src/sim/functions.js";

type Make = (...lib: unknown[]) => Record<string, (...a: unknown[]) => KGen<unknown>>;
const LIB = { kfunc, kleaf, kcall, msleep };

/**
 * The sample's `make` as written, and as compiled (`plainToo`: its plain generators too, the
 * frame runtime then in scope as `$rt`).
 */
function both(src: string, plainToo = false): { plain: Make; frames: Make; code: string } {
  const module = `function make(${Object.keys(LIB).join(", ")}) {\n${src}\n}`;
  const out = transformFrames(module, "sample.js", { plain: plainToo, runtime: null });
  if (out === null) throw new Error("nothing compiled");
  const load = (code: string) => new Function("$rt", `${code}\nreturn make;`)(frameRuntime) as Make;
  return { plain: load(module), frames: load(out.code), code: out.code };
}

/** Runs `entry(...args())` of a made module from a scenario's main; its result, steps and trace. */
function run(make: Make, entry: string, args: () => unknown[]) {
  const fns = make(...Object.values(LIB));
  let result: unknown;
  const r = runScenario(
    {
      name: "frames-sample",
      description: "a frames test sample",
      *main() {
        result = yield* (fns[entry] as (...a: unknown[]) => KGen<unknown>)(...args());
      },
    },
    { cpus: 2, seed: 1, tracer: { tracer: "function_graph" } },
  );
  return { result, steps: r.machine.engine.steps, trace: traceText(r), stop: r.stop };
}

function expectSame(src: string, entry: string, args: () => unknown[], result: unknown, plainToo = false) {
  const { plain, frames } = both(src, plainToo);
  const a = run(plain, entry, args);
  const b = run(frames, entry, args);
  expect(a.result).toEqual(result);
  expect(a.stop).toBe("idle");
  expect(b).toEqual(a);
}

describe("frames: compiled kfuncs run as their generators do", () => {
  it("calls, sleeps and loops across yields, with the model's kfuncs as callees", () => {
    expectSame(
      `const f_leaf = kfunc(function* f_leaf(x) { yield* msleep(1); return x * 2; });
       const f_loop = kfunc(function* f_loop(n) {
         let sum = 0;
         for (let i = 0; i < n; i++) { if (i === 2) continue; sum += yield* f_leaf(i); }
         let j = 0;
         while (j < 2) { yield* msleep(1); j++; }
         do { j--; yield 1000; } while (j > 0);
         return sum;
       });
       return { f_loop };`,
      "f_loop",
      () => [4],
      8,
    );
  });

  it("for-of across a yield, break out of it, and labelled continue", () => {
    expectSame(
      `const f_item = kfunc(function* f_item(x) { yield 10; return x; });
       const f_iter = kfunc(function* f_iter(xs) {
         const seen = [];
         for (const x of xs) { if (x === 9) break; seen.push(yield* f_item(x)); }
         outer: for (const a of [1, 2]) {
           for (const b of [1, 2, 3]) { if (b === 2) continue outer; seen.push(a * 10 + (yield* f_item(b))); }
         }
         return seen;
       });
       return { f_iter };`,
      "f_iter",
      () => [[1, 2, 9, 4]],
      [1, 2, 11, 21],
    );
  });

  it("yields inside expressions: operands, conditions, logical and conditional operators, templates", () => {
    expectSame(
      `const f_val = kfunc(function* f_val(x) { yield 7; return x; });
       const f_expr = kfunc(function* f_expr(o) {
         const r = [];
         if ((yield* f_val(-1)) < 0) r.push("neg");
         r.push(o.k + (yield* f_val(2)) * (yield* f_val(3)));
         r.push((yield* f_val(0)) || (yield* f_val(5)));
         r.push((yield* f_val(0)) && (yield* f_val(6)));
         r.push((yield* f_val(null)) ?? "dflt");
         r.push(o.k > 0 ? yield* f_val("yes") : "no");
         r.push(\`t\${yield* f_val(1)}-\${o.k}\`);
         o.k += yield* f_val(4);
         r.push(o.k, [yield* f_val(1), ...(yield* f_val([2, 3]))], { a: yield* f_val(1) });
         return (yield* f_val(undefined)) ?? r;
       });
       return { f_expr };`,
      "f_expr",
      () => [{ k: 1 }],
      ["neg", 7, 5, 0, "dflt", "yes", "t1-1", 5, [1, 2, 3], { a: 1 }],
    );
  });

  it("destructuring, default and rest parameters, switch across a yield, shadowed locals", () => {
    expectSame(
      `const f_pair = kfunc(function* f_pair(a, b) { yield 3; return { a, b, list: [a, b] }; });
       const f_misc = kfunc(function* f_misc(k, d = 5, ...rest) {
         const { a, b: bee } = yield* f_pair(k, d);
         const [x, , y = 9] = (yield* f_pair(1, 2)).list;
         let out = a + bee + x + y + rest.length;
         switch ((yield* f_pair(k, 0)).a) {
           default: out += 1000;
           case 1: { const out2 = yield* f_pair(1, 1); out += out2.a; break; }
           case 2: out += 100;
         }
         { const a = 50; out += a; }
         return out + a;
       });
       return { f_misc };`,
      "f_misc",
      () => [1, undefined, "r1", "r2"],
      1 + 5 + 1 + 9 + 2 + 1 + 50 + 1,
    );
  });

  it("a kfunc's own name inside it is its generator (no frame of its own), as in the source", () => {
    expectSame(
      `const f_rec = kfunc(function* f_rec(n) { yield 5; return n === 0 ? 0 : 1 + (yield* f_rec(n - 1)); });
       return { f_rec };`,
      "f_rec",
      () => [3],
      3,
    );
  });

  it("kleaf, kcall and plain generator callees (frames driving iterators)", () => {
    expectSame(
      `const f_kleaf = kleaf(function f_kleaf(x) { return x + 1; });
       function* helper(x) { yield 11; return x * 3; }
       const f_mix = kfunc(function* f_mix(x) {
         const a = yield* f_kleaf(x);
         const b = yield* helper(a);
         const c = yield* kcall(function* threadfn_sample(v) { yield* msleep(1); return v; }, b);
         return c;
       });
       return { f_mix };`,
      "f_mix",
      () => [1],
      6,
    );
  });

  it("plain generators too: helpers, methods with `this`, object methods, nested ones that name outer locals", () => {
    expectSame(
      `function* helper(x) { yield 7; return x + 1; }
       class Counter {
         constructor() { this.n = 0; }
         *bump(by) { yield* msleep(1); this.n += by; return this.n; }
         *twice(by) { const a = yield* this.bump(by); const f = () => this.n; return a + (yield* this.bump(by)) + f(); }
       }
       const obj = { *gen(x) { return (yield* helper(x)) * 2; } };
       function outer(k) {
         let seen = 0;
         return function* inner(x) { seen += yield* helper(x); return seen + k; };
       }
       const f_top = kfunc(function* f_top(x) {
         const c = new Counter();
         const a = yield* c.twice(x);
         const b = yield* obj.gen(a);
         const g = outer(100);
         const d = yield* g(b);
         const e = yield* kcall(function* (v) { return (yield* g(v)) + 1; }, 1);
         return [a, b, d, e];
       });
       return { f_top };`,
      "f_top",
      () => [2],
      [10, 22, 123, 126],
      true,
    );
  });

  it("a compiled kfunc is a frame, registered under the name the transform gives, with its source text", () => {
    const { frames, code } = both(
      `const f_named = kfunc(function* f_named(x) { yield 1; return x; }); return { f_named };`,
    );
    expect(code).toContain('"f_named")');
    const f = frames(...Object.values(LIB)).f_named as (x: number) => unknown;
    expect(f(1)).toBeInstanceOf(CompiledFrame);
    const id = findFunctionId("f_named") as number;
    expect(functionSource(id)).toBe("function* f_named(x) {\n    yield 1;\n    return x;\n  }");
  });
});

describe("frames transform: what it refuses", () => {
  const refuse = (body: string) => () =>
    transformFrames(`const f = kfunc(function* f_bad(x) {\n${body}\n});`, "/src/bad.js");
  it("names the file, the line, the function and the construct", () => {
    expect(refuse("try { yield 1; } finally {}")).toThrow(
      "/src/bad.js:2:1: kfunc f_bad: cannot compile a try statement with a yield inside",
    );
    expect(refuse("for (const k in x) yield 1;")).toThrow(
      "/src/bad.js:2:1: kfunc f_bad: cannot compile a for-in loop with a yield inside",
    );
    expect(refuse("  return this.x;")).toThrow("/src/bad.js:2:10: kfunc f_bad: cannot compile `this`");
    expect(refuse("  return arguments[0];")).toThrow("/src/bad.js:2:10: kfunc f_bad: cannot compile `arguments`");
    expect(refuse("  function g() {}")).toThrow(
      "/src/bad.js:2:3: kfunc f_bad: cannot compile a function declaration inside the body",
    );
    expect(refuse("  const $f = 1;")).toThrow(
      "/src/bad.js:2:9: kfunc f_bad: cannot compile the identifier $f (names starting with $ are the transform's)",
    );
    expect(refuse("  x.y = (yield 1) ? yield* g() : 0, x?.z(yield 2);")).toThrow(
      "/src/bad.js:2:37: kfunc f_bad: cannot compile a yield inside OptionalCallExpression",
    );
  });

  it("a plain generator it cannot compile: refused in the model's code, left a generator in a user's file", () => {
    const src =
      "export function* g(x) {\n  try { yield 1; } finally { x.done = true; }\n}\nexport function* h() { yield 2; }";
    expect(() => transformFrames(src, "/src/g.js", { plain: true, strict: true })).toThrow(
      "/src/g.js:2:3: generator g: cannot compile a try statement with a yield inside",
    );
    const code = transformFrames(src, "/home/u/g.js", { plain: true, strict: false })?.code ?? "";
    expect(code).toContain("function* g(x)");
    expect(code).toContain("function h(...$a)");
  });

  it("leaves a module without kfuncs alone", () => {
    expect(transformFrames("export const x = 1;", "/src/x.js")).toBeNull();
    expect(transformFrames("// kfunc( in a comment\nexport const x = 1;", "/src/x.js")).toBeNull();
  });

  it("maps a compiled statement back to its line in the source", () => {
    const out = transformFrames(
      "const f = kfunc(function* f_map(x) {\n  yield 1;\n  return x + 1;\n});",
      "/src/map.js",
    );
    const lines = (out?.code ?? "").split("\n");
    const line = lines.findIndex((l) => l.includes("return $f.x + 1;")) + 1;
    const column = (lines[line - 1] ?? "").indexOf("return");
    expect(line).toBeGreaterThan(4);
    const map = new TraceMap(out?.map as ConstructorParameters<typeof TraceMap>[0]);
    expect(originalPositionFor(map, { line, column })).toMatchObject({ source: "map.js", line: 3, column: 2 });
  });
});
