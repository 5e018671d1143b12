import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/index.js";
import { pid_bitmap } from "../../src/linux/kernel/pid_bitmap.js";
import { COPY, cacheFields, immutable, NotCopyable, timeFields, timeListFields } from "../../src/sim/classes.js";
import { Copier, type CopyPlan, deepCopy } from "../../src/sim/copy.js";
import { CompiledFrame } from "../../src/sim/frames.js";
import { stateHash } from "../../src/sim/hash.js";

// The model's modules load first, in their own order (frames.ts is part of a cycle).
void Machine;

class Node {
  next: Node | null = null;
  constructor(
    public value: number,
    public label: string,
  ) {}
}

/** A frame as the transform emits one: locals as fields, a pc. */
class sleeper extends CompiledFrame {
  constructor(args: unknown[]) {
    super();
    this.parent = null;
    this.pc = 3;
    this.args = args;
    (this as unknown as { top: null }).top = null;
  }
  step(): unknown {
    return this.pc;
  }
}

function module_fn(): number {
  return 1;
}

describe("deepCopy", () => {
  it("keeps cycles, shared references, prototypes and Map/Set order; shares functions and frozen objects", () => {
    const a = new Node(1, "a");
    const b = new Node(2, "b");
    a.next = b;
    b.next = a;
    const shared = { n: 5 };
    const table = Object.freeze({ name: "fair" });
    const root = {
      list: a,
      both: [shared, shared],
      map: new Map<unknown, unknown>([
        ["z", shared],
        [b, 7],
      ]),
      set: new Set([3, 1, 2]),
      bytes: new Uint8Array([1, 2, 3]),
      fn: module_fn,
      table,
      frame: new sleeper([a, 9]),
    };
    const c = deepCopy(root);
    expect(c === root).toBe(false);
    expect(c.list).toBeInstanceOf(Node);
    expect(c.list).not.toBe(a);
    expect(c.list.next?.next).toBe(c.list);
    expect(c.both[0]).toBe(c.both[1]);
    expect(c.both[0]).not.toBe(shared);
    expect([...c.map.keys()].length).toBe(2);
    expect([...c.map.keys()][0]).toBe("z");
    expect([...c.map.keys()][1]).toBe(c.list.next);
    expect(c.map.get("z")).toBe(c.both[0]);
    expect([...c.set]).toEqual([3, 1, 2]);
    expect(c.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(c.bytes).not.toBe(root.bytes);
    expect(c.fn).toBe(module_fn);
    expect(c.table).toBe(table);
    expect(c.frame).toBeInstanceOf(sleeper);
    expect(c.frame.pc).toBe(3);
    expect(c.frame.args).toEqual([c.list, 9]);
    expect((c.frame.args as unknown[])[0]).toBe(c.list);
    // Independent: changing the copy leaves the original as it was.
    c.list.value = 100;
    c.bytes[0] = 9;
    c.set.add(4);
    c.frame.pc = 4;
    expect([a.value, root.bytes[0], root.set.size, root.frame.pc]).toEqual([1, 1, 3, 3]);
  });

  it("copies a list thousands of links long (no recursion)", () => {
    const head = new Node(0, "0");
    let n = head;
    for (let i = 1; i < 100_000; i++) n = n.next = new Node(i, String(i));
    let c: Node | null = deepCopy(head);
    let count = 0;
    for (; c !== null; c = c.next) count++;
    expect(count).toBe(100_000);
  });

  it("refuses what is not data: a generator, a WeakMap", () => {
    // Made at run time: the frames transform compiles this file's own generators into frames.
    const gen = new Function("return (function* g() { yield 1; })()")() as Generator;
    expect(() => deepCopy({ thread: { gen } })).toThrow(NotCopyable);
    expect(() => deepCopy({ thread: { gen } })).toThrow("a generator cannot be copied");
    expect(() => deepCopy([new WeakMap()])).toThrow("a WeakMap cannot be copied");
    expect(() => deepCopy({ it: [1, 2][Symbol.iterator]() })).toThrow("an Array Iterator cannot be copied");
  });
});

describe("stateHash", () => {
  it("is equal for a copy and for an equal graph built apart, and differs when the state does", () => {
    const make = (v: number) => {
      const a = new Node(v, "a");
      a.next = new Node(2, "b");
      return { a, m: new Map([[1, a]]), s: new Set(["x"]) };
    };
    const g = make(1);
    expect(stateHash(deepCopy(g))).toBe(stateHash(g));
    expect(stateHash(make(1))).toBe(stateHash(g));
    expect(stateHash(make(3))).not.toBe(stateHash(g));
    // Sharing is part of the state: two references to one object are not two objects.
    const one = { x: 1 };
    expect(stateHash([one, one])).not.toBe(stateHash([{ x: 1 }, { x: 1 }]));
    // A Map's or Set's primitive keys are hashed in sorted order, not insertion order.
    expect(
      stateHash(
        new Map([
          [2, "b"],
          [1, "a"],
        ]),
      ),
    ).toBe(
      stateHash(
        new Map([
          [1, "a"],
          [2, "b"],
        ]),
      ),
    );
    expect(stateHash(new Set([2, 1]))).toBe(stateHash(new Set([1, 2])));
    // Classes are part of it: a frame is not a plain object with the same fields.
    expect(stateHash(new Node(1, "a"))).not.toBe(stateHash({ next: null, value: 1, label: "a" }));
    expect(stateHash(-0)).not.toBe(stateHash(0));
  });

  it("is the same for random graphs and their copies, and a changed copy differs", () => {
    const leaf = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 5 }), (t, links) => {
        const root = { t, refs: [] as unknown[] };
        for (let i = 0; i < links; i++) root.refs.push(i % 2 === 0 ? root : root.t); // cycles and sharing
        const c = deepCopy(root);
        expect(stateHash(c)).toBe(stateHash(root));
        expect(c.refs.every((r) => r === c || r === c.t)).toBe(true);
        c.refs.push(1);
        expect(stateHash(c)).not.toBe(stateHash(root));
      }),
      { numRuns: 200 },
    );
  });
});

/** A record that never changes once made (as a slab free's details). */
class Stamp {
  constructor(
    readonly at: number,
    readonly who: string,
  ) {}
}
immutable(Stamp);

/** A timer of a test's own: an absolute deadline, a list of entry times, a cache. */
class Alarm {
  memo: number[] | null = null;
  constructor(
    public expires: number,
    public period: number,
    readonly entered: number[],
  ) {}
}
timeFields(Alarm, "expires");
timeListFields(Alarm, "entered");
cacheFields(Alarm, "memo");

describe("immutable classes, cache fields and time fields", () => {
  it("shares an immutable instance with the copy and hashes it by content", () => {
    const s = new Stamp(5, "kworker/0:1");
    const root = { a: s, b: [s], c: { s: new Stamp(5, "kworker/0:1") } };
    const c = deepCopy(root);
    expect(c.a).toBe(s);
    expect(c.b[0]).toBe(s);
    expect(c.c).not.toBe(root.c);
    expect(stateHash(c)).toBe(stateHash(root));
    // Equal content, other instance: the same hash; another content: another.
    expect(stateHash({ x: new Stamp(5, "kworker/0:1") })).toBe(stateHash({ x: s }));
    expect(stateHash({ x: new Stamp(6, "kworker/0:1") })).not.toBe(stateHash({ x: s }));
  });

  it("copies instances of one class with different fields, each with its own", () => {
    const a = new Alarm(1, 2, []);
    const b = Object.assign(new Alarm(3, 4, []), { extra: { n: 1 } });
    const [ca, cb] = deepCopy([a, b]);
    expect(ca).toEqual(a);
    expect((cb as Alarm & { extra: { n: number } }).extra).toEqual({ n: 1 });
    expect((cb as Alarm & { extra: object }).extra).not.toBe(b.extra);
    expect(ca).toBeInstanceOf(Alarm);
  });

  it("leaves cache fields out of the hash (they are still copied)", () => {
    const a = new Alarm(1, 2, []);
    const b = new Alarm(1, 2, []);
    b.memo = [7];
    expect(stateHash(a)).toBe(stateHash(b));
    expect(deepCopy(b).memo).toEqual([7]);
  });

  it('with time: "relative", hashes times as distances from now: a shift of all of them changes nothing', () => {
    const state = (shift: number, period: number) => ({
      clock: { alarms: [new Alarm(1_000 + shift, period, [100 + shift, 700 + shift])] },
      stamp: new Stamp(3, "x"),
      n: 42,
    });
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (d) => {
        const rel = (s: object, now: number) => stateHash(s, { time: "relative", now });
        const a = state(0, 10);
        const b = state(d, 10);
        expect(rel(b, 2_000 + d)).toBe(rel(a, 2_000));
        if (d !== 0) {
          expect(stateHash(b)).not.toBe(stateHash(a)); // absolute: they differ
          expect(rel(b, 2_000)).not.toBe(rel(a, 2_000)); // the same now: the deadlines differ
        }
        // What is not a time is kept: another period is another state.
        expect(rel(state(d, 11), 2_000 + d)).not.toBe(rel(a, 2_000));
      }),
      { numRuns: 50 },
    );
    // A time that is not finite (no deadline) is kept as it is.
    const never = (now: number) => stateHash(new Alarm(Number.POSITIVE_INFINITY, 1, []), { time: "relative", now });
    expect(never(5)).toBe(never(9));
    expect(() => stateHash({}, { time: "relative" })).toThrow(/needs a finite now/);
  });
});

/** A class with its own copy that points at other objects (as the trace buffer's hashed pointers). */
class Registry {
  constructor(readonly seen: Map<object, number>) {}
  [COPY](c: Copier): object {
    const n = c.made(this, new Registry(new Map()));
    for (const [o, v] of this.seen) n.seen.set(c.ref(o), v);
    return n;
  }
}

/** A recorded copy of `root` (as a snapshot keeps one): the copy, and its plan. */
function recorded<T extends object>(root: T): { copy: T; plan: CopyPlan } {
  const c = new Copier(true);
  const copy = c.copy(root);
  return { copy, plan: c.plan() };
}

describe("CopyPlan: rebuilding a recorded copy without walking it", () => {
  it("rebuilds the copy again and again, each an independent graph with its cycles, sharing, Maps, Sets and custom copies", () => {
    const a = new Node(1, "a");
    const b = new Node(2, "b");
    a.next = b;
    b.next = a;
    const shared = { n: 5 };
    const table = Object.freeze({ name: "fair" });
    const pids = new pid_bitmap(32768);
    pids.set(7);
    const root = {
      list: a,
      both: [shared, shared, 3, "x"],
      map: new Map<unknown, unknown>([
        ["z", shared],
        [b, 7],
        [a, b],
      ]),
      set: new Set<unknown>([3, a, 2]),
      bytes: new Uint8Array([1, 2, 3]),
      fn: module_fn,
      table,
      stamp: new Stamp(1, "s"),
      pids,
      frame: new sleeper([a, 9]),
      registry: new Registry(
        new Map<object, number>([
          [b, 1],
          [shared, 2],
          [table, 3],
        ]),
      ),
    };
    const { copy, plan } = recorded(root);
    expect(plan.root()).toBe(copy);
    const h = stateHash(root);
    expect(stateHash(copy)).toBe(h);
    const r1 = plan.rebuild<typeof root>();
    const r2 = plan.rebuild<typeof root>();
    for (const r of [r1, r2]) {
      expect(stateHash(r)).toBe(h);
      expect(r.list).toBeInstanceOf(Node);
      expect(r.list).not.toBe(copy.list);
      expect(r.list.next?.next).toBe(r.list);
      expect(r.both[0]).toBe(r.both[1]);
      expect(r.both[0]).not.toBe(copy.both[0]);
      expect([...r.map.keys()]).toEqual(["z", r.list.next, r.list]);
      expect(r.map.get(r.list)).toBe(r.list.next);
      expect([...r.set]).toEqual([3, r.list, 2]);
      expect(r.bytes).not.toBe(copy.bytes);
      expect([r.fn, r.table, r.stamp]).toEqual([module_fn, table, root.stamp]);
      expect(r.table).toBe(table);
      expect(r.stamp).toBe(root.stamp);
      expect(r.pids).toBeInstanceOf(pid_bitmap);
      expect(r.frame).toBeInstanceOf(sleeper);
      expect((r.frame.args as unknown[])[0]).toBe(r.list);
      expect([...r.registry.seen]).toEqual([
        [r.list.next, 1],
        [r.both[0], 2],
        [table, 3],
      ]);
      expect(r.registry.seen.has(r.list.next as Node)).toBe(true);
    }
    // Independent of each other and of the recorded copy.
    r1.list.value = 100;
    r1.bytes[0] = 9;
    r1.set.add(4);
    r1.map.set("new", 1);
    r1.pids.set(8);
    r1.both.push(1);
    expect(stateHash(r2)).toBe(h);
    expect(stateHash(copy)).toBe(h);
    expect(stateHash(plan.rebuild())).toBe(h);
    expect([r2.pids.has(8), copy.pids.has(8), r1.pids.has(8), r2.pids.has(7)]).toEqual([false, false, true, true]);
  });

  it("rebuilds random graphs as their copies (fast-check)", () => {
    const leaf = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 5 }), (t, links) => {
        const root = { t, refs: [] as unknown[], m: new Map<unknown, unknown>(), s: new Set<unknown>() };
        for (let i = 0; i < links; i++) {
          root.refs.push(i % 2 === 0 ? root : root.t); // cycles and sharing
          root.m.set(i % 2 === 0 ? root.refs : i, root.t);
          root.s.add(i % 3 === 0 ? root : i);
        }
        const { plan } = recorded(root);
        const r = plan.rebuild<typeof root>();
        expect(stateHash(r)).toBe(stateHash(root));
        expect(r.refs.every((x) => x === r || x === r.t)).toBe(true);
        r.refs.push(1);
        expect(stateHash(plan.rebuild())).toBe(stateHash(root));
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a plan of a copy that was not recorded", () => {
    const c = new Copier();
    c.copy({ a: 1 });
    expect(() => c.plan()).toThrow("this copy was not recorded");
  });
});

describe("pid_bitmap", () => {
  it("shares its pages with a copy until one side writes", () => {
    const a = new pid_bitmap(32768);
    a.set(1);
    a.set(5000);
    const b = deepCopy(a);
    expect([b.has(1), b.has(5000), b.has(2)]).toEqual([true, true, false]);
    a.set(2);
    b.clear(1);
    expect([a.has(1), a.has(2), b.has(1), b.has(2)]).toEqual([true, true, false, false]);
    expect(stateHash(a)).not.toBe(stateHash(b));
    b.set(1);
    b.set(2);
    expect(stateHash(a)).toBe(stateHash(b));
  });
});
