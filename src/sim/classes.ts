/**
 * What the copier (copy.ts) and the hasher (hash.ts) know of an object's class
 * (docs/ARCHITECTURE.md, "State as data"): what a class declares about its fields (caches,
 * times, immutable, its own copy or hash), what each prototype's objects are (`Kind`), and
 * the shapes: per prototype and list of own keys, the copy, fix-ups and hash generated once.
 *
 * What may hang off a machine: primitives; plain objects, arrays, Maps, Sets and typed
 * arrays; instances of classes (frames included), copied field by field with their
 * prototype; functions, which are code and are shared (so none may capture a machine's
 * objects: timers keep `{fn, arg}`); and frozen plain objects and arrays, which are shared too (the static
 * tables: sched classes, era profiles, costs). Anything else (a generator, a WeakMap, a
 * promise) cannot be copied: `NotCopyable` names it.
 */
import { Mixer } from "./mix.js";

/** A class's own copy, instead of the field-by-field one: see `Copier.made`. */
export const COPY: unique symbol = Symbol("tasklab.copy");
/** A class's own contribution to a state hash, instead of its fields: see `Hasher`. */
export const HASH: unique symbol = Symbol("tasklab.hash");

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
export enum Kind {
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
export interface Shape {
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

/** What a shape's fix-ups ask of the copier (a `Copier`). */
export interface ShapeCopier {
  ref<T extends object>(o: T): T;
  index(o: object): number;
  copyAt(j: number): object;
}

/** What a shape's hash feeds the fields to (a `Hasher`). */
export interface ShapeHasher {
  value(v: unknown): void;
  time(v: unknown): void;
  times(v: unknown): void;
}

type Shell = (o: object) => object;
type Fixup = (o: object, n: object, c: ShapeCopier) => void;
type RecordFixup = (o: object, n: object, c: ShapeCopier, refs: { push(x: number): void }) => void;
type Refixup = (n: object, out: readonly object[], refs: Int32Array, p: number) => void;
type HashFields = (o: object, h: ShapeHasher) => void;

export interface ProtoInfo {
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
export const times = new Map<object, ReadonlySet<string>>();
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

export function infoOf(o: object): ProtoInfo {
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
export function shapeOf(info: ProtoInfo, o: object): Shape {
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
  const head = new Mixer();
  head.text(name);
  head.word(fed.length);
  for (const k of fed) head.text(k);
  const [head1, head2] = head.words();
  return { keys, shell, fix, record, refix, hash, head1, head2 };
}
