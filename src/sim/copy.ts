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

/** What a prototype's objects are, for the copier and the hasher: found once per prototype. */
enum Kind {
  /** A plain object (`Object.prototype`): shared when frozen, else copied by its shape. */
  Plain,
  /** A class instance (or an object without prototype): copied by its shape. */
  Instance,
  Array,
  Map,
  Set,
  /** A typed array or DataView: copied whole. */
  View,
  /** A class with its own copy (`COPY`). */
  Custom,
  /** A class whose instances never change once made (`immutable`): shared by every copy. */
  Shared,
  /** Not data (a generator, a WeakMap, ...): refused. */
  Refused,
}

/** The generated copy and hash of objects of one prototype and one list of own keys. */
interface Shape {
  readonly keys: readonly string[];
  /** The copy's shell: every field as in the original (object fields pointed at copies later). */
  readonly shell: Shell;
  /** Points the shell's object fields at their copies. */
  readonly fix: Fixup;
  /** The same, noting each field's copy number (-1: none) for a CopyPlan. */
  readonly record: RecordFixup;
  /** A CopyPlan's fix-up: points the new shell's fields at the new objects by the numbers noted. */
  readonly refix: Refixup;
  /** Feeds the fields that are state (not caches), time fields as time. */
  readonly hash: HashFields;
  /** The hash of the class name and those keys, fed once for the object. */
  readonly head1: number;
  readonly head2: number;
}

type Shell = (o: object) => object;
type Fixup = (o: object, n: object, c: Copier) => void;
type RecordFixup = (o: object, n: object, c: Copier, refs: Numbers) => void;
type Refixup = (n: object, out: readonly object[], refs: Int32Array, p: number) => void;
type HashFields = (o: object, h: Hasher) => void;

interface ProtoInfo {
  readonly kind: Kind;
  /** Why it is refused (Kind.Refused). */
  readonly why: string;
  /** The class name a hash feeds ("" for a plain object). */
  readonly name: string;
  /** The shape matched last (objects of a class nearly always have one). */
  last: Shape | null;
  readonly shapes: Shape[];
}

/** By prototype: a class's fields that are caches, not state (the hash leaves them out). */
const caches = new Map<object, ReadonlySet<string>>();
/** By prototype (Object.prototype: plain objects, by key): fields that hold an absolute virtual time. */
const times = new Map<object, ReadonlySet<string>>();
/** By prototype: fields that hold arrays of absolute virtual times. */
const timeLists = new Map<object, ReadonlySet<string>>();

/** Prototypes of the classes declared immutable. */
const immutables = new Set<object>();

/** Per prototype, what its objects are and their shapes (code, not state: shared by every copy). */
const protos = new Map<object | null, ProtoInfo>();

function extend(table: Map<object, ReadonlySet<string>>, proto: object, fields: readonly string[]): void {
  table.set(proto, new Set([...(table.get(proto) ?? []), ...fields]));
  // Its shapes are generated again with the fields known.
  protos.delete(proto);
  if (proto === Object.prototype) plainInfo = undefined;
}

/** Declares fields of `cls` that are caches (derived, shared or lazily filled): no part of a state hash. */
export function cacheFields(cls: { prototype: object }, ...fields: string[]): void {
  extend(caches, cls.prototype, fields);
}

/**
 * Declares that instances of `cls` never change once made and reach only what never changes
 * (strings, numbers, frozen objects or other immutable instances): a copy shares them, and a
 * hash hashes each by its content once.
 */
export function immutable(cls: { prototype: object }): void {
  immutables.add(cls.prototype);
  protos.delete(cls.prototype);
}

/**
 * Declares fields that hold an absolute virtual time (ns): a hash with `time: "relative"`
 * feeds them as their distance from now. `cls` is a class, or `Object` for plain objects
 * (then any plain object's field of that name). A field that holds an array of times:
 * `timeListFields`.
 */
export function timeFields(cls: { prototype: object }, ...fields: string[]): void {
  extend(times, cls.prototype, fields);
}

/** Declares fields of `cls` that hold arrays of absolute virtual times (see timeFields). */
export function timeListFields(cls: { prototype: object }, ...fields: string[]): void {
  extend(timeLists, cls.prototype, fields);
}

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

/** What objects of `proto` are (decided on the first one met; only the prototype chain decides it). */
function protoInfo(o: object, proto: object | null): ProtoInfo {
  let kind: Kind;
  const why = refusal(o, proto) ?? "";
  if (why !== "") kind = Kind.Refused;
  else if (Array.isArray(o)) kind = Kind.Array;
  else if (proto === Object.prototype) kind = Kind.Plain;
  else if (ArrayBuffer.isView(o)) kind = Kind.View;
  else if (o instanceof Map) kind = Kind.Map;
  else if (o instanceof Set) kind = Kind.Set;
  else if (proto !== null && COPY in proto) kind = Kind.Custom;
  else if (proto !== null && immutables.has(proto)) kind = Kind.Shared;
  else kind = Kind.Instance;
  const name = proto === Object.prototype ? "" : proto === null ? "null" : String(proto.constructor?.name ?? "");
  const info: ProtoInfo = { kind, why, name, last: null, shapes: [] };
  protos.set(proto, info);
  return info;
}

/** The two most common prototypes' infos, looked up without the map. */
let plainInfo: ProtoInfo | undefined;
let arrayInfo: ProtoInfo | undefined;

function infoOf(o: object): ProtoInfo {
  const proto = Object.getPrototypeOf(o) as object | null;
  if (proto === Object.prototype) return (plainInfo ??= protos.get(proto) ?? protoInfo(o, proto));
  if (proto === Array.prototype) return (arrayInfo ??= protos.get(proto) ?? protoInfo(o, proto));
  return protos.get(proto) ?? protoInfo(o, proto);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The shape of `o` (generated the first time its prototype and keys are met). */
function shapeOf(info: ProtoInfo, o: object): Shape {
  const keys = Object.keys(o);
  const last = info.last;
  if (last !== null && sameKeys(last.keys, keys)) return last;
  for (const s of info.shapes) {
    if (sameKeys(s.keys, keys)) {
      info.last = s;
      return s;
    }
  }
  const s = makeShape(Object.getPrototypeOf(o) as object | null, info.name, keys);
  info.shapes.push(s);
  info.last = s;
  return s;
}

/** A key as a safe property access (`.name`, else `["…"]`). */
function access(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Writes field `k` of `n` as an own data property (for a key `=` cannot write: `__proto__`). */
function define(n: object, k: string, v: unknown): void {
  Object.defineProperty(n, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/**
 * The generated shell, fix-ups and hash of one shape. A plain object's shell is an object
 * literal with its keys in order (the original's hidden class); a class instance's is made by
 * a constructor generated for the shape, whose prototype is the class's (one hidden class for
 * every copy, its fields in the object: `Object.create` then stores would not give that).
 */
function makeShape(proto: object | null, name: string, keys: readonly string[]): Shape {
  const odd = keys.includes("__proto__") || proto === null; // then no literal, constructor or `=`
  const a = keys.map(access);
  let shell: Shell;
  let fix: Fixup;
  let record: RecordFixup;
  let refix: Refixup;
  if (odd) {
    const get = (o: object, k: string) => (o as Record<string, unknown>)[k];
    shell = (o) => {
      const n = Object.create(proto) as object;
      for (const k of keys) define(n, k, get(o, k));
      return n;
    };
    fix = (o, n, c) => {
      for (const k of keys) {
        const v = get(o, k);
        if (typeof v === "object" && v !== null) define(n, k, c.ref(v));
      }
    };
    record = (o, n, c, r) => {
      for (const k of keys) {
        const v = get(o, k);
        const j = typeof v === "object" && v !== null ? c.index(v) : -1;
        if (j >= 0) define(n, k, c.copyAt(j));
        r.push(j);
      }
    };
    refix = (n, out, r, p) => {
      for (const k of keys) {
        const j = r[p++] as number;
        if (j >= 0) define(n, k, out[j]);
      }
    };
  } else {
    const ctor = /^[A-Za-z_$][\w$]*$/.test(name) && name !== "P" && name !== "o" ? name : "Copy";
    shell =
      proto === Object.prototype
        ? (new Function("o", `return {${keys.map((k, i) => `${JSON.stringify(k)}: o${a[i]}`).join(", ")}};`) as Shell)
        : (new Function(
            "P",
            // Named as the class, so that a host stack trace through a copy reads as through the original.
            `function ${ctor}(o) { ${a.map((x) => `this${x} = o${x};`).join(" ")} }\n${ctor}.prototype = P;\nreturn (o) => new ${ctor}(o);`,
          )(proto) as Shell);
    fix = new Function(
      "o",
      "n",
      "c",
      `let v; ${a.map((x) => `v = o${x}; if (typeof v === "object" && v !== null) n${x} = c.ref(v);`).join(" ")}`,
    ) as Fixup;
    record = new Function(
      "o",
      "n",
      "c",
      "r",
      `let v, j; ${a
        .map(
          (x) =>
            `v = o${x}; if (typeof v === "object" && v !== null) { j = c.index(v); if (j >= 0) n${x} = c.copyAt(j); r.push(j); } else r.push(-1);`,
        )
        .join(" ")}`,
    ) as RecordFixup;
    refix = new Function(
      "n",
      "out",
      "r",
      "p",
      `let j; ${a.map((x) => `j = r[p++]; if (j >= 0) n${x} = out[j];`).join(" ")}`,
    ) as Refixup;
  }
  // The hash: the fields that are state, each a value, a time, or a list of times.
  const skip = proto === null ? undefined : caches.get(proto);
  const time = proto === null ? undefined : times.get(proto);
  const timeList = proto === null ? undefined : timeLists.get(proto);
  const fed = keys.filter((k) => skip?.has(k) !== true);
  const hash = new Function(
    "o",
    "h",
    fed
      .map((k) => {
        const how = time?.has(k) === true ? "time" : timeList?.has(k) === true ? "times" : "value";
        return `h.${how}(o[${JSON.stringify(k)}]);`;
      })
      .join(" "),
  ) as HashFields;
  const head = new Hasher();
  head.text(name);
  head.word(fed.length);
  for (const k of fed) head.text(k);
  const [head1, head2] = head.words();
  return { keys, shell, fix, record, refix, hash, head1, head2 };
}

/**
 * One deep copy: the originals' copies (numbered in the order they are made), and the objects
 * whose fields are still to point at copies. A recording copy (`CopyPlan.record`) also notes,
 * for each copy, which of its fields point at which copy: what rebuilding it again needs.
 */
export class Copier {
  /** Original → number of its copy, or -1 for an object shared, not copied (frozen, immutable). */
  private readonly ids = new Map<object, number>();
  /** The copies, by number. */
  protected readonly out: object[] = [];
  private readonly todo: (object | Shape | number | null)[] = [];
  /** When recording: each copy's kind, shape, and where its field references start in `refs`. */
  private readonly rec: Recording | null;

  /** While recording a class's own copy: the numbers its `ref` calls returned, in order. */
  private customLog: number[] | null = null;

  constructor(record = false) {
    this.rec = record ? { kinds: [], shapes: [], refs: new Numbers(), refStart: [], customRefs: [] } : null;
  }

  private add(o: object, n: object, kind: Kind, shape: Shape | null): number {
    const j = this.out.length;
    this.ids.set(o, j);
    this.out.push(n);
    const rec = this.rec;
    if (rec !== null) {
      rec.kinds.push(kind);
      rec.shapes.push(shape);
      rec.refStart.push(-1);
      rec.customRefs.push(null);
    }
    return j;
  }

  /** Records `copy` as the copy of `o` (a CustomCopy calls this before anything else). */
  made<T extends object>(o: T, copy: T): T {
    this.add(o, copy, Kind.Custom, null);
    return copy;
  }

  /** The copy of `o`, made if it is not yet (its fields may be filled in later). */
  ref<T extends object>(o: T): T {
    let j = this.ids.get(o);
    if (j === undefined) j = this.shell(o);
    if (this.customLog !== null) this.customLog.push(j);
    return (j >= 0 ? this.out[j] : o) as T;
  }

  /** The number of `o`'s copy, made if it is not yet; -1 when `o` is shared, not copied. */
  index(o: object): number {
    const j = this.ids.get(o);
    return j !== undefined ? j : this.shell(o);
  }

  /** The copy numbered `j`. */
  copyAt(j: number): object {
    return this.out[j] as object;
  }

  /** Copies `root` and everything it reaches. */
  copy<T extends object>(root: T): T {
    const r = this.ref(root);
    const todo = this.todo;
    const rec = this.rec;
    // Triples: the original, its shell, and its shape (null: an array, a Map or a Set); when
    // recording, the copy's number after them.
    while (todo.length > 0) {
      const j = rec === null ? -1 : (todo.pop() as number);
      const shape = todo.pop() as Shape | null;
      const n = todo.pop() as object;
      const o = todo.pop() as object;
      if (rec === null) {
        if (shape !== null) shape.fix(o, n, this);
        else this.fillContainer(o, n);
      } else {
        rec.refStart[j] = rec.refs.length;
        if (shape !== null) shape.record(o, n, this, rec.refs);
        else this.recordContainer(o, n, rec.refs);
      }
    }
    return r;
  }

  /** The plan of this (recording) copy: see CopyPlan. */
  plan(): CopyPlan {
    const rec = this.rec;
    if (rec === null) throw new Error("this copy was not recorded");
    return new CopyPlan(
      this.out,
      rec.kinds,
      rec.shapes,
      rec.refs.done(),
      Int32Array.from(rec.refStart),
      rec.customRefs,
    );
  }

  /** Makes the shell of `o` (its copy, fields not yet pointed at copies); its number, or -1 if shared. */
  private shell(o: object): number {
    const info = infoOf(o);
    let n: object;
    let shape: Shape | null = null;
    switch (info.kind) {
      case Kind.Plain:
        // Only plain objects and arrays are frozen (static tables): a class instance is not checked.
        if (Object.isFrozen(o)) {
          this.ids.set(o, -1);
          return -1;
        }
        shape = shapeOf(info, o);
        n = shape.shell(o);
        break;
      case Kind.Instance:
        shape = shapeOf(info, o);
        n = shape.shell(o);
        break;
      case Kind.Array:
        if (Object.isFrozen(o)) {
          this.ids.set(o, -1);
          return -1;
        }
        n = (o as unknown[]).slice();
        break;
      case Kind.View:
        return this.add(o, (o as unknown as Uint8Array).slice(), Kind.View, null);
      case Kind.Map:
        n = new Map();
        break;
      case Kind.Set:
        n = new Set();
        break;
      case Kind.Custom: {
        if (this.rec === null) {
          (o as unknown as CustomCopy)[COPY](this);
          return this.ids.get(o) as number;
        }
        // Recorded: the numbers its refs return, which a rebuild hands it again in order.
        const outer = this.customLog;
        const log: number[] = [];
        this.customLog = log;
        try {
          (o as unknown as CustomCopy)[COPY](this);
        } finally {
          this.customLog = outer;
        }
        const j = this.ids.get(o) as number;
        this.rec.customRefs[j] = log;
        return j;
      }
      case Kind.Shared:
        this.ids.set(o, -1);
        return -1;
      default:
        throw new NotCopyable(o, info.why);
    }
    const j = this.add(o, n, info.kind, shape);
    this.todo.push(o, n, shape);
    if (this.rec !== null) this.todo.push(j);
    return j;
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
      o.forEach((v, k) => {
        m.set(this.value(k), this.value(v));
      });
    } else {
      const s = n as Set<unknown>;
      (o as Set<unknown>).forEach((v) => {
        s.add(this.value(v));
      });
    }
  }

  /** fillContainer, noting each element's (or key's and value's) copy number, -1 for none. */
  private recordContainer(o: object, n: object, r: Numbers): void {
    if (Array.isArray(o)) {
      const a = n as unknown[];
      for (let i = 0; i < o.length; i++) {
        const v = o[i];
        const j = typeof v === "object" && v !== null ? this.index(v) : -1;
        if (j >= 0) a[i] = this.out[j];
        r.push(j);
      }
    } else if (o instanceof Map) {
      const m = n as Map<unknown, unknown>;
      o.forEach((v, k) => {
        const jk = typeof k === "object" && k !== null ? this.index(k) : -1;
        const jv = typeof v === "object" && v !== null ? this.index(v) : -1;
        m.set(jk >= 0 ? this.out[jk] : k, jv >= 0 ? this.out[jv] : v);
        r.push(jk, jv);
      });
    } else {
      const s = n as Set<unknown>;
      (o as Set<unknown>).forEach((v) => {
        const j = typeof v === "object" && v !== null ? this.index(v) : -1;
        s.add(j >= 0 ? this.out[j] : v);
        r.push(j);
      });
    }
  }

  /** A value's copy: primitives and functions are themselves. */
  value(v: unknown): unknown {
    return typeof v === "object" && v !== null ? this.ref(v) : v;
  }
}

/** A list of 32-bit numbers that grows (a typed array doubled when full). */
class Numbers {
  private a = new Int32Array(1024);
  length = 0;

  push(x: number): void;
  push(x: number, y: number): void;
  push(x: number, y?: number): void {
    if (this.length + 2 > this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = x;
    if (y !== undefined) this.a[this.length++] = y;
  }

  /** The numbers pushed, as an array of their exact length. */
  done(): Int32Array {
    return this.a.slice(0, this.length);
  }
}

interface Recording {
  readonly kinds: Kind[];
  readonly shapes: (Shape | null)[];
  readonly refs: Numbers;
  readonly refStart: number[];
  /** For a class with its own copy: the numbers its `ref` calls returned, in order. */
  readonly customRefs: (number[] | null)[];
}

/**
 * A recorded copy, to be copied again and again without walking it (a snapshot's restore):
 * its objects by number, the kind and shape of each, and which fields point at which object.
 * `rebuild` makes each object's shell in turn, then points its fields at the new ones by
 * number: no identity map, no `Object.keys`, no dispatch on the prototype. The objects must
 * not change after the recording (a snapshot's are never run).
 */
export class CopyPlan {
  constructor(
    /** The recorded copy's objects; the first is its root. */
    private readonly objects: readonly object[],
    private readonly kinds: readonly Kind[],
    private readonly shapes: readonly (Shape | null)[],
    /** Per object (from refStart), per field, element or Map key and value: the number of the object it points at, -1 if none. */
    private readonly refs: Int32Array,
    private readonly refStart: Int32Array,
    /** Per object with its own copy, the numbers its copy's `ref` calls returned when recorded. */
    private readonly customRefs: readonly (number[] | null)[],
  ) {}

  /** The recorded copy's root (for reading, never for running). */
  root<T extends object>(): T {
    return this.objects[0] as T;
  }

  /** A new copy of the recorded copy; its root. */
  rebuild<T extends object>(): T {
    const { objects, kinds, shapes, refs, refStart } = this;
    const count = objects.length;
    const out: object[] = new Array(count);
    let customs = false;
    for (let i = 0; i < count; i++) {
      const o = objects[i] as object;
      switch (kinds[i]) {
        case Kind.Plain:
        case Kind.Instance:
          out[i] = (shapes[i] as Shape).shell(o);
          break;
        case Kind.Array:
          out[i] = (o as unknown[]).slice();
          break;
        case Kind.Map:
          out[i] = new Map();
          break;
        case Kind.Set:
          out[i] = new Set();
          break;
        case Kind.View:
          out[i] = (o as unknown as Uint8Array).slice();
          break;
        default:
          customs = true;
      }
    }
    // Classes with their own copy make theirs once every other object has its new one.
    if (customs) new Rebuilder(objects, out, this.customRefs).customs(kinds);
    for (let i = 0; i < count; i++) {
      const n = out[i] as object;
      const p = refStart[i] as number;
      switch (kinds[i]) {
        case Kind.Plain:
        case Kind.Instance:
          (shapes[i] as Shape).refix(n, out, refs, p);
          break;
        case Kind.Array: {
          const a = n as unknown[];
          for (let e = 0; e < a.length; e++) {
            const j = refs[p + e] as number;
            if (j >= 0) a[e] = out[j];
          }
          break;
        }
        case Kind.Map: {
          const m = n as Map<unknown, unknown>;
          let q = p;
          (objects[i] as Map<unknown, unknown>).forEach((v, k) => {
            const jk = refs[q++] as number;
            const jv = refs[q++] as number;
            m.set(jk >= 0 ? out[jk] : k, jv >= 0 ? out[jv] : v);
          });
          break;
        }
        case Kind.Set: {
          const s = n as Set<unknown>;
          let q = p;
          (objects[i] as Set<unknown>).forEach((v) => {
            const j = refs[q++] as number;
            s.add(j >= 0 ? out[j] : v);
          });
          break;
        }
      }
    }
    return out[0] as T;
  }
}

/**
 * The Copier a class's own copy (`COPY`) is given during a rebuild: it makes the same `ref`
 * calls, in the same order, as when the copy was recorded (its state is the same), and each
 * gets the new object of the number recorded for it.
 */
class Rebuilder extends Copier {
  private current = -1;
  private log: readonly number[] = [];
  private next = 0;

  constructor(
    private readonly objects: readonly object[],
    private readonly built: object[],
    private readonly customRefs: readonly (number[] | null)[],
  ) {
    super();
  }

  customs(kinds: readonly Kind[]): void {
    for (let i = 0; i < kinds.length; i++) {
      if (kinds[i] !== Kind.Custom) continue;
      this.current = i;
      this.log = this.customRefs[i] ?? [];
      this.next = 0;
      (this.objects[i] as unknown as CustomCopy)[COPY](this);
    }
  }

  override made<T extends object>(_o: T, copy: T): T {
    this.built[this.current] = copy;
    return copy;
  }

  override ref<T extends object>(o: T): T {
    const j = this.log[this.next++];
    if (j === undefined) throw new Error("a class's own copy asked for more objects than when it was recorded");
    return (j >= 0 ? this.built[j] : o) as T;
  }
}

/** A deep copy of `root` (see the file's comment for what may be in it). */
export function deepCopy<T extends object>(root: T): T {
  return new Copier().copy(root);
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
export class Hasher {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  private readonly ids = new Map<object, number>();
  private readonly todo: object[] = [];
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);
  private readonly relative: boolean;
  private readonly now: number;

  constructor(opts: HashOptions = {}) {
    this.relative = opts.time === "relative";
    this.now = opts.now ?? 0;
    if (this.relative && !Number.isFinite(opts.now))
      throw new RangeError('a hash with time: "relative" needs a finite now');
  }

  /** Feeds one 32-bit word. */
  word(x: number): void {
    this.h1 = Math.imul(this.h1 ^ x, 0x85ebca6b);
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19);
    this.h2 = Math.imul(this.h2 ^ x, 0xc2b2ae35);
    this.h2 = (this.h2 << 17) | (this.h2 >>> 15);
    this.h2 = (this.h2 + this.h1) | 0;
  }

  /** Feeds a string (its length, then its UTF-16 units). */
  text(s: string): void {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
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
