/**
 * Canonical hashes of a machine's state (docs/ARCHITECTURE.md, "State as data"): the
 * `Hasher` walks what a root reaches as the copier does (classes.ts says what each object
 * is) and feeds it into the two lanes of a `Mixer`.
 */
import { HASH, infoOf, Kind, NotCopyable, shapeOf, times } from "./classes.js";
import { Mixer } from "./mix.js";

export interface CustomHash {
  /** Feeds what the object's state is (`h.value` for each part). */
  [HASH](h: Hasher): void;
}

/** How a hash treats virtual time. */
export interface HashOptions {
  /**
   * "absolute" (the default): every field as it is. "relative": each field declared a time
   * (`timeFields`, `timeListFields`) is fed as its distance from `now`, so two states that
   * differ only by a shift of all those times hash alike.
   */
  time?: "absolute" | "relative";
  /** The time the relative times are measured from (ns; required with time: "relative"). */
  now?: number;
}

/**
 * A canonical 64-bit hash of the state reachable from a root, as 16 hex digits. Host
 * identity plays no part: objects are numbered in the order the walk meets them (the walk
 * follows each object's keys in order), so a copy hashes as its original. An object's class
 * name and keys go in as one precomputed pair of words per shape, then its fields' values
 * (those declared caches left out). A Map's or Set's entries go in sorted order when their
 * keys are primitives (insertion order otherwise); a function hashes as its name; a frozen
 * (shared) plain object or array by its content, computed once.
 */
export class Hasher extends Mixer {
  private readonly ids = new Map<object, number>();
  private readonly todo: object[] = [];
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);
  private readonly relative: boolean;
  private readonly now: number;

  constructor(opts: HashOptions = {}) {
    super();
    this.relative = opts.time === "relative";
    this.now = opts.now ?? 0;
    if (this.relative && !Number.isFinite(opts.now))
      throw new RangeError('a hash with time: "relative" needs a finite now');
  }

  private number(x: number): void {
    if ((x | 0) === x && (x !== 0 || 1 / x > 0)) {
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
        this.text(v);
        return;
      case "boolean":
        this.word(v ? 4 : 5);
        return;
      case "undefined":
        this.word(6);
        return;
      case "bigint":
        this.word(7);
        this.text(v.toString(16));
        return;
      case "symbol":
        this.word(8);
        this.text(v.description ?? "");
        return;
      case "function":
        this.word(9);
        this.text(v.name);
        return;
    }
    if (v === null) {
      this.word(10);
      return;
    }
    if (this.seen(v as object)) this.todo.push(v as object);
  }

  /** Feeds a time field's value: under time "relative", a finite number as its distance from now. */
  time(v: unknown): void {
    if (this.relative && typeof v === "number" && Number.isFinite(v)) {
      this.word(16);
      this.number(v - this.now);
    } else this.value(v);
  }

  /** Feeds a field that holds a list of times (see `time`). */
  times(v: unknown): void {
    if (!this.relative || !Array.isArray(v)) {
      this.value(v);
      return;
    }
    if (!this.seen(v)) return;
    this.word(13);
    this.word(v.length);
    for (let i = 0; i < v.length; i++) this.time(v[i]);
  }

  /** Feeds the reference to `o`: its number if met before (false), else numbers it (true: its contents are to follow). */
  private seen(o: object): boolean {
    const id = this.ids.get(o);
    if (id !== undefined) {
      this.word(11);
      this.word(id);
      return false;
    }
    this.ids.set(o, this.ids.size);
    this.word(12);
    return true;
  }

  private contents(o: object): void {
    const info = infoOf(o);
    switch (info.kind) {
      case Kind.Array: {
        if (Object.isFrozen(o)) {
          this.frozen(o);
          return;
        }
        const a = o as unknown[];
        this.word(13);
        this.word(a.length);
        for (let i = 0; i < a.length; i++) this.value(a[i]);
        return;
      }
      case Kind.View: {
        const v = o as ArrayBufferView;
        this.text(info.name);
        this.word(v.byteLength);
        if (v.byteOffset % 4 === 0 && v.byteLength % 4 === 0) {
          const w = new Uint32Array(v.buffer, v.byteOffset, v.byteLength / 4);
          for (let i = 0; i < w.length; i++) this.word(w[i] as number);
        } else {
          const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
          for (let i = 0; i < b.length; i++) this.word(b[i] as number);
        }
        return;
      }
      case Kind.Map: {
        const m = o as Map<unknown, unknown>;
        this.word(14);
        this.word(m.size);
        for (const k of canonicalKeys(m.keys(), m.size)) {
          this.value(k);
          this.value(m.get(k));
        }
        return;
      }
      case Kind.Set: {
        const s = o as Set<unknown>;
        this.word(15);
        this.word(s.size);
        for (const k of canonicalKeys(s.values(), s.size)) this.value(k);
        return;
      }
      case Kind.Refused:
        throw new NotCopyable(o, info.why);
      case Kind.Plain:
        if (Object.isFrozen(o)) {
          this.frozen(o);
          return;
        }
        break;
      case Kind.Shared:
        // Its time fields depend on now under relative time: then hashed field by field.
        if (!this.relative || !times.has(Object.getPrototypeOf(o))) {
          this.frozen(o);
          return;
        }
        break;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    if (proto !== null && HASH in proto) {
      this.text(info.name);
      (o as unknown as CustomHash)[HASH](this);
      return;
    }
    const shape = shapeOf(info, o);
    this.word(shape.head1);
    this.word(shape.head2);
    shape.hash(o, this);
  }

  /** A frozen (shared, never changed) object: its content hash, computed once. */
  private frozen(o: object): void {
    const c = frozenHash(o);
    this.word(c[0]);
    this.word(c[1]);
  }

  /** Hashes everything reachable from `root`; the hash as 16 hex digits. */
  hash(root: unknown): string {
    this.value(root);
    const todo = this.todo;
    // Depth first, in a fixed order: the contents of the objects met, last met first.
    while (todo.length > 0) this.contents(todo.pop() as object);
    return hex(this.h1) + hex(this.h2);
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

/** An immutable instance's content, for its hash (its class name, then its fields). */
class SharedContent {
  constructor(readonly o: object) {}
  [HASH](h: Hasher): void {
    const info = infoOf(this.o);
    h.text(info.name);
    for (const k of Object.keys(this.o)) {
      h.text(k);
      h.value((this.o as Record<string, unknown>)[k]);
    }
  }
}

/** The content hash of a frozen or immutable (shared, never changed) object, computed once. */
const frozenHashes = new WeakMap<object, [number, number]>();

function frozenHash(o: object): [number, number] {
  let c = frozenHashes.get(o);
  if (c === undefined) {
    const h = new Hasher();
    // Hashed as an unfrozen copy of it would be (else the walk would stop at it again).
    h.hash(Array.isArray(o) ? [...o] : Object.isFrozen(o) ? { ...o } : new SharedContent(o));
    c = h.words();
    frozenHashes.set(o, c);
  }
  return c;
}

/** The canonical hash of the state reachable from `root` (see Hasher). */
export function stateHash(root: unknown, opts: HashOptions = {}): string {
  return new Hasher(opts).hash(root);
}
