/**
 * Copies and hashes of a machine's state (docs/ARCHITECTURE.md, "State as data"): a
 * class-aware deep copy that keeps shared references and cycles, and a canonical hash.
 *
 * What may hang off a machine: primitives; plain objects, arrays, Maps, Sets and typed
 * arrays; instances of classes (frames included), copied field by field with their
 * prototype; functions, which are code and are shared (so none may capture a machine's
 * objects: timers keep `{fn, arg}`); and frozen plain objects and arrays, which are shared too (the static
 * tables: sched classes, era profiles, costs). Anything else (a generator, a WeakMap, a
 * promise) cannot be copied: `NotCopyable` names it.
 *
 * The copy is iterative (a machine's lists are thousands of links long): each object gets
 * a shell, made by a function generated once per shape (prototype + own keys) that copies
 * the fields as they are, then its object-valued fields are pointed at their copies.
 */

/** A class's own copy, instead of the field-by-field one: see `Copier.made`. */
export const COPY: unique symbol = Symbol("tasklab.copy");
/** A class's own contribution to a state hash, instead of its fields: see `Hasher`. */
export const HASH: unique symbol = Symbol("tasklab.hash");

export interface CustomCopy {
  /** Makes the copy: calls `c.made(this, copy)` first, then `c.ref` for what it points at. */
  [COPY](c: Copier): object;
}

export interface CustomHash {
  /** Feeds what the object's state is (`h.value` for each part). */
  [HASH](h: Hasher): void;
}

/** An object a snapshot cannot copy; `what` says what it is. */
export class NotCopyable extends Error {
  constructor(
    readonly obj: object,
    readonly what: string,
  ) {
    super(`${what} cannot be copied`);
  }
}

type Shell = (o: object) => object;
type Fixup = (o: object, n: object, c: Copier) => void;

interface Shape {
  readonly keys: readonly string[];
  readonly shell: Shell;
  readonly fix: Fixup;
}

/** By prototype: a class's fields that are caches, not state (the hash leaves them out). */
const caches = new WeakMap<object, ReadonlySet<string>>();

/** Declares fields of `cls` that are caches (derived, shared or lazily filled): no part of a state hash. */
export function cacheFields(cls: { prototype: object }, ...fields: string[]): void {
  caches.set(cls.prototype, new Set(fields));
}

/** Shapes by prototype, then by number of keys (code, not state: shared by every copy). */
const shapes = new Map<object | null, Map<number, Shape[]>>();

const GeneratorPrototype = Object.getPrototypeOf(function* () {}.prototype);
/** The engine's own iterators, whose position is internal (no field says it). */
const nativeIterators = new Map<object, string>([
  [Object.getPrototypeOf([][Symbol.iterator]()), "an Array Iterator"],
  [Object.getPrototypeOf(new Map()[Symbol.iterator]()), "a Map Iterator"],
  [Object.getPrototypeOf(new Set()[Symbol.iterator]()), "a Set Iterator"],
  [Object.getPrototypeOf(""[Symbol.iterator]()), "a String Iterator"],
]);

/** Why an object is not copyable, or null when it is. */
function refusal(o: object, proto: object | null): string | null {
  if (proto === null) return null;
  if (Object.getPrototypeOf(proto) === GeneratorPrototype) return "a generator";
  const native = nativeIterators.get(proto);
  if (native !== undefined) return native;
  if (o instanceof WeakMap) return "a WeakMap";
  if (o instanceof WeakSet) return "a WeakSet";
  if (o instanceof Promise) return "a promise";
  if (typeof WeakRef !== "undefined" && o instanceof WeakRef) return "a WeakRef";
  return null;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The generated shell and fix-up of one shape. A plain object's shell is an object literal
 * with its keys in the same order (so the copy gets the original's hidden class).
 */
function makeShape(proto: object | null, keys: readonly string[]): Shape {
  const k = keys.map((key) => JSON.stringify(key));
  const shell =
    proto === Object.prototype
      ? new Function("o", `return {${k.map((q) => `${q}: o[${q}]`).join(", ")}};`)
      : new Function(
          "P",
          `return (o) => { const n = Object.create(P); ${k.map((q) => `n[${q}] = o[${q}];`).join(" ")} return n; };`,
        )(proto);
  const fix = new Function(
    "o",
    "n",
    "c",
    `let v; ${k.map((q) => `v = o[${q}]; if (typeof v === "object" && v !== null) n[${q}] = c.ref(v);`).join(" ")}`,
  );
  return { keys, shell: shell as Shell, fix: fix as Fixup };
}

/** The shape of `o` (made the first time; an object that is not data is refused then). */
function shapeOf(o: object, proto: object | null): Shape {
  const keys = Object.keys(o);
  let byCount = shapes.get(proto);
  if (byCount === undefined) shapes.set(proto, (byCount = new Map()));
  let list = byCount.get(keys.length);
  if (list === undefined) byCount.set(keys.length, (list = []));
  for (const s of list) if (sameKeys(s.keys, keys)) return s;
  const why = refusal(o, proto);
  if (why !== null) throw new NotCopyable(o, why);
  const s = makeShape(proto, keys);
  list.push(s);
  return s;
}

/** One deep copy: the originals' copies, and the objects whose fields are still to point at copies. */
export class Copier {
  private readonly copies = new Map<object, object>();
  private readonly todo: (object | Shape | null)[] = [];

  /** Records `copy` as the copy of `o` (a CustomCopy calls this before anything else). */
  made<T extends object>(o: T, copy: T): T {
    this.copies.set(o, copy);
    return copy;
  }

  /** The copy of `o`, made if it is not yet (its fields may be filled in later). */
  ref<T extends object>(o: T): T {
    const done = this.copies.get(o);
    if (done !== undefined) return done as T;
    return this.shell(o) as T;
  }

  /** Copies `root` and everything it reaches. */
  copy<T extends object>(root: T): T {
    const r = this.ref(root);
    const todo = this.todo;
    // Triples: the original, its shell, and its shape (null: an array, a Map or a Set).
    while (todo.length > 0) {
      const shape = todo.pop() as Shape | null;
      const n = todo.pop() as object;
      const o = todo.pop() as object;
      if (shape !== null) shape.fix(o, n, this);
      else this.fillContainer(o, n);
    }
    return r;
  }

  private shell(o: object): object {
    let n: object;
    let shape: Shape | null = null;
    if (Array.isArray(o)) {
      if (Object.isFrozen(o)) return this.made(o, o);
      n = o.slice();
    } else {
      const proto = Object.getPrototypeOf(o) as object | null;
      // Only plain objects are frozen (static tables): a class instance is not checked.
      if (proto === Object.prototype && Object.isFrozen(o)) return this.made(o, o);
      if (ArrayBuffer.isView(o)) return this.made(o, (o as unknown as Uint8Array).slice());
      if (o instanceof Map) n = new Map();
      else if (o instanceof Set) n = new Set();
      else if (proto !== null && COPY in proto) return (o as unknown as CustomCopy)[COPY](this);
      else {
        shape = shapeOf(o, proto);
        n = shape.shell(o);
      }
    }
    this.copies.set(o, n);
    this.todo.push(o, n, shape);
    return n;
  }

  private fillContainer(o: object, n: object): void {
    if (Array.isArray(o)) {
      const a = n as unknown[];
      for (let i = 0; i < o.length; i++) {
        const v = o[i];
        if (typeof v === "object" && v !== null) a[i] = this.ref(v);
      }
    } else if (o instanceof Map) {
      const m = n as Map<unknown, unknown>;
      for (const [k, v] of o) m.set(this.value(k), this.value(v));
    } else {
      const s = n as Set<unknown>;
      for (const v of o as Set<unknown>) s.add(this.value(v));
    }
  }

  /** A value's copy: primitives and functions are themselves. */
  value(v: unknown): unknown {
    return typeof v === "object" && v !== null ? this.ref(v) : v;
  }
}

/** A deep copy of `root` (see the file's comment for what may be in it). */
export function deepCopy<T extends object>(root: T): T {
  return new Copier().copy(root);
}

/**
 * A canonical 64-bit hash of the state reachable from a root, as 16 hex digits. Host
 * identity plays no part: objects are numbered in the order the walk meets them (the walk
 * follows each object's keys in order), so a copy hashes as its original. A Map's or Set's
 * entries go in sorted order when their keys are primitives (insertion order otherwise);
 * a function hashes as its name; a frozen (shared) object by its content, once.
 */
export class Hasher {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  private readonly ids = new Map<object, number>();
  private readonly todo: object[] = [];
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  private word(x: number): void {
    this.h1 = Math.imul(this.h1 ^ x, 0x85ebca6b);
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19);
    this.h2 = Math.imul(this.h2 ^ x, 0xc2b2ae35);
    this.h2 = (this.h2 << 17) | (this.h2 >>> 15);
    this.h2 = (this.h2 + this.h1) | 0;
  }

  private string(s: string): void {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  private number(x: number): void {
    if ((x | 0) === x && !Object.is(x, -0)) {
      this.word(1);
      this.word(x);
      return;
    }
    this.f64[0] = x;
    this.word(2);
    this.word(this.u32[0] as number);
    this.word(this.u32[1] as number);
  }

  /** Feeds one value: a primitive, a function (its name) or a reference to an object. */
  value(v: unknown): void {
    switch (typeof v) {
      case "number":
        this.number(v);
        return;
      case "string":
        this.word(3);
        this.string(v);
        return;
      case "boolean":
        this.word(v ? 4 : 5);
        return;
      case "undefined":
        this.word(6);
        return;
      case "bigint":
        this.word(7);
        this.string(v.toString(16));
        return;
      case "symbol":
        this.word(8);
        this.string(v.description ?? "");
        return;
      case "function":
        this.word(9);
        this.string(v.name);
        return;
    }
    if (v === null) {
      this.word(10);
      return;
    }
    const o = v as object;
    const id = this.ids.get(o);
    if (id !== undefined) {
      this.word(11);
      this.word(id);
      return;
    }
    this.ids.set(o, this.ids.size);
    this.word(12);
    if (Object.isFrozen(o)) {
      const c = frozenHash(o);
      this.word(c[0]);
      this.word(c[1]);
      return;
    }
    this.todo.push(o);
  }

  private contents(o: object): void {
    const proto = Object.getPrototypeOf(o) as object | null;
    if (Array.isArray(o)) {
      this.word(13);
      this.word(o.length);
      for (const v of o) this.value(v);
    } else if (ArrayBuffer.isView(o)) {
      const b = new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      this.string(proto?.constructor.name ?? "");
      this.word(b.length);
      for (let i = 0; i < b.length; i++) this.word(b[i] as number);
    } else if (o instanceof Map) {
      this.word(14);
      this.word(o.size);
      for (const k of canonicalKeys(o.keys(), o.size)) {
        this.value(k);
        this.value(o.get(k));
      }
    } else if (o instanceof Set) {
      this.word(15);
      this.word(o.size);
      for (const k of canonicalKeys(o.values(), o.size)) this.value(k);
    } else {
      this.string(proto === Object.prototype ? "" : (proto?.constructor?.name ?? "null"));
      if (proto !== null && HASH in proto) {
        (o as unknown as CustomHash)[HASH](this);
        return;
      }
      const why = refusal(o, proto);
      if (why !== null) throw new NotCopyable(o, why);
      const skip = proto === null ? undefined : caches.get(proto);
      const keys = skip === undefined ? Object.keys(o) : Object.keys(o).filter((k) => !skip.has(k));
      this.word(keys.length);
      for (const k of keys) {
        this.string(k);
        this.value((o as Record<string, unknown>)[k]);
      }
    }
  }

  /** Hashes everything reachable from `root`; the hash as 16 hex digits. */
  hash(root: unknown): string {
    this.value(root);
    const todo = this.todo;
    // Depth first, in a fixed order: the contents of the objects met, last met first.
    while (todo.length > 0) this.contents(todo.pop() as object);
    return hex(this.h1) + hex(this.h2);
  }

  /** The raw state (for frozenHash). */
  words(): [number, number] {
    return [this.h1, this.h2];
  }
}

function hex(x: number): string {
  return (x >>> 0).toString(16).padStart(8, "0");
}

/** Keys in a canonical order: sorted when all are primitives, else as inserted. */
function canonicalKeys(keys: IterableIterator<unknown>, size: number): unknown[] {
  const out: unknown[] = [];
  let primitive = true;
  for (const k of keys) {
    out.push(k);
    if (typeof k === "object" && k !== null) primitive = false;
  }
  if (primitive && size > 1) out.sort(comparePrimitives);
  return out;
}

function comparePrimitives(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (ta === "number") return (a as number) - (b as number) || (Object.is(a, b) ? 0 : String(a) < String(b) ? -1 : 1);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The content hash of a frozen (shared, never changed) object, computed once. */
const frozenHashes = new WeakMap<object, [number, number]>();

function frozenHash(o: object): [number, number] {
  let c = frozenHashes.get(o);
  if (c === undefined) {
    const h = new Hasher();
    h.hash(Object.isFrozen(o) ? { ...o } : o);
    c = h.words();
    frozenHashes.set(o, c);
  }
  return c;
}

/** The canonical hash of the state reachable from `root` (see Hasher). */
export function stateHash(root: unknown): string {
  return new Hasher().hash(root);
}
