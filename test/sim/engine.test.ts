import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultChooser } from "../../src/sim/chooser.js";
import { Engine, HALT, type KGen, type Thread } from "../../src/sim/engine.js";
import { functionName, kfunc, kleaf, ksync } from "../../src/sim/functions.js";
import { type HeapItem, IndexedHeap } from "../../src/sim/heap.js";
import { createPrng } from "../../src/sim/prng.js";

interface Item extends HeapItem {
  k: number;
}

describe("IndexedHeap", () => {
  it("pops in key order after arbitrary pushes, updates and removals", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer(), fc.boolean(), fc.integer())), (ops) => {
        const h = new IndexedHeap<Item>((a, b) => a.k < b.k);
        const items: Item[] = [];
        for (const [k, remove, nk] of ops) {
          const it = { k, heapIndex: -1 };
          h.push(it);
          items.push(it);
          const other = items[Math.abs(nk) % items.length] as Item;
          if (remove) {
            h.remove(other);
            items.splice(items.indexOf(other), 1);
          } else {
            other.k = nk;
            h.update(other);
          }
        }
        const out: number[] = [];
        for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x.k);
        expect(out).toEqual(items.map((i) => i.k).sort((a, b) => a - b));
      }),
    );
  });
});

describe("PRNG", () => {
  it("is a pure function of its seed", () => {
    const a = createPrng(5);
    const b = createPrng(5);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(xs);
    expect(new Set(xs).size).toBeGreaterThan(95);
  });
});

function engine(cpus: number, hooks: Partial<ConstructorParameters<typeof Engine>[1]> = {}) {
  return new Engine(
    { cpus, hz: 250, chooser: defaultChooser(1), costs: { work: 100 }, defaultCost: 10 },
    {
      tick: () => 0,
      preempt: () => {},
      oops: () => {
        throw new Error("unexpected oops");
      },
      describe: (t: Thread) => `t${t.id}`,
      ...hooks,
    },
  );
}

describe("Engine", () => {
  it("steps the CPU whose clock is earliest, so effects happen in time order", () => {
    const e = engine(2);
    const log: string[] = [];
    const work = kfunc(function* work(name: string) {
      log.push(`${name}@${e.runningCpu.clock}`);
    });
    function* body(name: string, n: number): KGen<unknown> {
      for (let i = 0; i < n; i++) yield* work(name);
      for (;;) yield HALT;
    }
    e.online(e.cpus[0] as never, e.spawn(null, body("a", 3)), 0);
    e.online(e.cpus[1] as never, e.spawn(null, body("b", 2)), 50);
    expect(e.run()).toBe("idle");
    expect(log).toEqual(["a@100", "b@150", "a@200", "b@250", "a@300"]);
  });

  it("keeps each thread's stack of modeled calls with entry times", () => {
    const e = engine(1);
    let seen: string[] = [];
    let entries: number[] = [];
    const inner = kfunc(function* inner() {
      seen = e.running.backtrace();
      entries = [...e.running.entryStack];
    });
    const outer = kfunc(function* outer() {
      yield* inner();
    });
    e.online(
      e.cpus[0] as never,
      e.spawn(
        null,
        (function* () {
          yield* outer();
          for (;;) yield HALT;
        })(),
      ),
      0,
    );
    e.run();
    expect(seen).toEqual(["inner", "outer"]);
    expect(entries).toEqual([0, 10]);
  });

  it("runs kleaf and ksync functions as frames, with the observers and costs of a kfunc", () => {
    const e = engine(2);
    const log: string[] = [];
    e.onEnter = (t, fn) => log.push(`> ${fn} ${e.runningCpu.clock} [${t.backtrace().join(",")}]`);
    e.onExit = (_t, fn, ret) => log.push(`< ${fn} ${e.runningCpu.clock} ${String(ret)}`);
    const sync = ksync(function sync_part(x: number) {
      return x + 1;
    });
    const leaf = kleaf(function work(x: number) {
      return sync(x) * 2;
    });
    const gen = kfunc(function* work(x: number) {
      return sync(x) * 2;
    });
    const results: number[] = [];
    // Each CPU has the other due before its cost is spent, so both calls pay it by yielding
    // to the run loop (not through advance()); the two must read alike.
    for (const [cpu, f] of [
      [0, leaf],
      [1, gen],
    ] as const) {
      e.online(
        e.cpus[cpu] as never,
        e.spawn(
          null,
          (function* () {
            results.push(yield* f(20));
            for (;;) yield HALT;
          })(),
        ),
        cpu,
      );
    }
    e.run();
    expect(results).toEqual([42, 42]);
    const named = log.map((l) => l.replace(/^([<>]) (\d+)/, (_m, d, fn) => `${d} ${functionName(Number(fn))}`));
    expect(named).toEqual([
      "> work 0 [work]",
      "> work 1 [work]",
      "> sync_part 100 [sync_part,work]",
      "< sync_part 100 21",
      "< work 100 42",
      "> sync_part 101 [sync_part,work]",
      "< sync_part 101 21",
      "< work 101 42",
    ]);
  });

  it("gives a ksync its arguments as called, an observer the same as an array, and refuses what it cannot pass", () => {
    const e = engine(1);
    const seen: unknown[][] = [];
    e.onEnter = (_t, _fn, args) => seen.push([...args]);
    const three = ksync(function three_args(a: number, b: string, c: boolean) {
      return `${a}${b}${c}`;
    });
    const none = ksync(function no_args() {
      return "none";
    });
    const out: string[] = [];
    e.online(
      e.cpus[0] as never,
      e.spawn(
        null,
        (function* () {
          out.push(three(1, "b", true), none());
          for (;;) yield HALT;
        })(),
      ),
      0,
    );
    e.run();
    expect(out).toEqual(["1btrue", "none"]);
    expect(seen).toEqual([[1, "b", true], []]);
    expect(() => ksync(function four_args(_a: number, _b: number, _c: number, _d: number) {})).toThrow(/at most three/);
    expect(() => ksync(function with_default(_a: number, _b = 1) {})).toThrow(/no default or rest/);
    expect(() => ksync(function with_rest(..._xs: number[]) {})).toThrow(/no default or rest/);
  });

  it("switches threads on SWITCH and fires timers on a halted CPU", () => {
    const e = engine(1);
    const log: string[] = [];
    const cpu = e.cpus[0] as never as Parameters<typeof e.setCurr>[0];
    const b: Thread = e.spawn(
      null,
      (function* () {
        log.push(`b@${cpu.clock}`);
        for (;;) yield HALT;
      })(),
    );
    const a = e.spawn(
      null,
      (function* () {
        e.addTimer(
          cpu,
          1000,
          (to: Thread) => {
            log.push(`timer@${cpu.clock}`);
            e.setCurr(cpu, to);
            return 5;
          },
          b,
        );
        yield HALT;
      })(),
    );
    e.online(cpu, a, 0);
    expect(e.run()).toBe("idle");
    expect(log).toEqual(["timer@1000", "b@1005"]);
  });

  it("stops at a virtual time or a number of steps", () => {
    const e = engine(1);
    e.online(
      e.cpus[0] as never,
      e.spawn(
        null,
        (function* () {
          for (;;) yield 100;
        })(),
      ),
      0,
    );
    expect(e.run({ until: 1_000 })).toBe("until");
    expect(e.now()).toBeLessThanOrEqual(1_100);
    expect(e.run({ maxSteps: 5 })).toBe("steps");
  });

  it("reports a thread that never switches as a stall instead of hanging", () => {
    const e = new Engine(
      { cpus: 1, hz: 250, chooser: defaultChooser(1), costs: {}, defaultCost: 10, maxStepsWithoutSwitch: 1000 },
      { tick: () => 0, preempt: () => {}, oops: () => (function* () {})(), describe: () => "spin/1" },
    );
    e.online(
      e.cpus[0] as never,
      e.spawn(
        null,
        (function* () {
          for (;;) yield 1;
        })(),
      ),
      0,
    );
    expect(e.run()).toBe("stall");
    expect(e.reports[0]?.title).toBe(
      "watchdog: BUG: soft lockup - CPU#0 stuck: spin/1 ran 1000 steps without a context switch",
    );
  });

  it("rejects a CPU count outside 1..1024", () => {
    expect(() => engine(0)).toThrow(RangeError);
    expect(() => engine(1025)).toThrow(RangeError);
    expect(engine(1024).cpus).toHaveLength(1024);
  });
});
