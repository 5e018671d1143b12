/**
 * A machine's object graph as JSON-able tables, and back (docs/STATE-FORMAT.md, "objects").
 * Every object becomes one record in `objects` (so shared references and cycles survive);
 * a value is a JSON number, string, boolean or null as it is, and anything else a small
 * array: [0, i] the object of record i, [1] undefined, [2, "NaN" | "Infinity" | "-Infinity"
 * | "-0"], [3, hex] a bigint, [4, c] the code named `code[c]` (a function, a frozen table).
 * Records: [0, s, values...] an object of shape `shapes[s]` ([prototype's code or -1 for a
 * plain object, keys...]); [1, values...] an array; [2, k, v, k, v...] a Map; [3, values...]
 * a Set; [4, type, base64] a typed array; [5, values...] a frozen array or plain object that
 * no name registers (kept as a frozen copy).
 */

import { NotCopyable } from "../sim/classes.js";
import { codeName, textName } from "../sim/code.js";

export type Value = number | string | boolean | null | Value[];
export type Record_ = Value[];

export interface Graph {
  code: string[];
  shapes: (number | string)[][];
  objects: Record_[];
}

/** A function, prototype or frozen table no name registers: `what` says which. */
export class UnnamedCode extends Error {
  constructor(
    readonly obj: object,
    readonly what: string,
  ) {
    super(what);
  }
}

const TYPED: Record<string, new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView> = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float64Array,
  Float32Array,
  BigInt64Array,
  BigUint64Array,
  Uint8ClampedArray,
};
const typedName = new Map<object, string>(Object.entries(TYPED).map(([n, C]) => [C.prototype, n]));

/** Writes the graph reachable from `root` (record 0). `fallback` names code no registration names. */
export function encodeGraph(root: object, fallback: (o: object) => string | undefined): Graph {
  const ids = new Map<object, number>();
  const objects: Record_[] = [];
  const code: string[] = [];
  const codeIds = new Map<string, number>();
  const shapes: (number | string)[][] = [];
  const shapeIds = new Map<string, number>();
  const todo: object[] = [];

  const codeRef = (o: object, what: () => string): Value => {
    const name = codeName(o) ?? fallback(o);
    if (name === undefined) throw new UnnamedCode(o, what());
    let i = codeIds.get(name);
    if (i === undefined) {
      i = code.length;
      code.push(name);
      codeIds.set(name, i);
    }
    return [4, i];
  };
  const ref = (o: object): Value => {
    let i = ids.get(o);
    if (i === undefined) {
      i = objects.length;
      ids.set(o, i);
      objects.push([]);
      todo.push(o);
    }
    return [0, i];
  };
  const value = (v: unknown): Value => {
    switch (typeof v) {
      case "number":
        if (Number.isFinite(v) && !Object.is(v, -0)) return v;
        return [2, Object.is(v, -0) ? "-0" : String(v)];
      case "string":
      case "boolean":
        return v;
      case "undefined":
        return [1];
      case "bigint":
        return [3, v.toString(16)];
      case "function":
        return codeRef(v, () => `function ${v.name || "(anonymous)"}: ${String(v).replace(/\s+/g, " ").slice(0, 60)}`);
      case "symbol":
        throw new NotCopyable(Object(v), `a symbol (${String(v)})`);
    }
    if (v === null) return null;
    const o = v as object;
    const proto = Object.getPrototypeOf(o) as object | null;
    if (Object.isFrozen(o) && (Array.isArray(o) || proto === Object.prototype)) {
      const name = codeName(o);
      if (name !== undefined) return codeRef(o, () => "");
    }
    return ref(o);
  };
  const shapeOf = (proto: object | null, keys: string[]): number => {
    let p: number | string = -1;
    if (proto !== Object.prototype) {
      if (proto === null) p = -2;
      else {
        const r = codeRef(proto, () => `an instance of class ${proto.constructor?.name ?? "?"} (no registered class)`);
        p = (r as number[])[1] as number;
      }
    }
    const key = `${p}\u0000${keys.join("\u0000")}`;
    let s = shapeIds.get(key);
    if (s === undefined) {
      s = shapes.length;
      shapes.push([p, ...keys]);
      shapeIds.set(key, s);
    }
    return s;
  };

  ref(root);
  for (let n = 0; n < todo.length; n++) {
    const o = todo[n] as object;
    const rec = objects[n] as Record_;
    const proto = Object.getPrototypeOf(o) as object | null;
    if (Array.isArray(o)) {
      rec.push(Object.isFrozen(o) ? 5 : 1);
      if (Object.isFrozen(o)) rec.push(1);
      for (let i = 0; i < o.length; i++) rec.push(value(o[i]));
    } else if (ArrayBuffer.isView(o)) {
      const t = typedName.get(proto as object);
      if (t === undefined) throw new NotCopyable(o, "a DataView");
      const b = new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      rec.push(4, t, toBase64(b));
    } else if (o instanceof Map) {
      rec.push(2);
      for (const [k, v] of o) rec.push(value(k), value(v));
    } else if (o instanceof Set) {
      rec.push(3);
      for (const v of o) rec.push(value(v));
    } else {
      const keys = Object.keys(o);
      if (proto === Object.prototype && Object.isFrozen(o)) {
        rec.push(5, 0, ...keys);
        for (const k of keys) rec.push(value((o as Record<string, unknown>)[k]));
        continue;
      }
      if (proto !== null && proto !== Object.prototype) {
        const why = refusalOf(o, proto);
        if (why !== null) throw new NotCopyable(o, why);
      }
      rec.push(0, shapeOf(proto, keys));
      for (const k of keys) rec.push(value((o as Record<string, unknown>)[k]));
    }
  }
  return { code, shapes, objects };
}

// Made by text: the frames transform compiles a generator literal of this module away.
/** Bytes as base64 (btoa: in Node and in browsers alike, no Buffer). */
function toBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

const GeneratorPrototype = Object.getPrototypeOf((new Function("return function* () {}")() as () => unknown).prototype);

function refusalOf(o: object, proto: object): string | null {
  if (Object.getPrototypeOf(proto) === GeneratorPrototype) return "a generator";
  if (o instanceof WeakMap) return "a WeakMap";
  if (o instanceof WeakSet) return "a WeakSet";
  if (o instanceof Promise) return "a promise";
  return null;
}

/** Reads a graph back: the root. `code[i]` is already resolved to its object. */
export function decodeGraph(g: Graph, code: readonly object[]): object {
  const recs = g.objects;
  const out: object[] = new Array(recs.length);
  const protos: (object | null)[] = g.shapes.map((s) => {
    const p = s[0] as number;
    return p === -1 ? Object.prototype : p === -2 ? null : (code[p] as object);
  });
  // First pass: an empty object of the right kind for each record (references may point forward).
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i] as Record_;
    switch (r[0]) {
      case 0: {
        const proto = protos[r[1] as number];
        out[i] = proto === Object.prototype ? {} : Object.create(proto as object | null);
        break;
      }
      case 1:
        out[i] = [];
        break;
      case 2:
        out[i] = new Map();
        break;
      case 3:
        out[i] = new Set();
        break;
      case 4: {
        const C = TYPED[r[1] as string];
        if (C === undefined) throw new SyntaxError(`unknown typed array ${String(r[1])}`);
        if (typeof r[2] !== "string") throw new SyntaxError(`record ${i}: a typed array without its bytes`);
        const bytes = fromBase64(r[2]);
        const per = (C as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
        if (bytes.length % per !== 0)
          throw new SyntaxError(`record ${i}: ${bytes.length} bytes are no ${String(r[1])}`);
        out[i] = new C(bytes.buffer, 0, bytes.length / per);
        break;
      }
      case 5:
        out[i] = r[1] === 1 ? [] : {};
        break;
      default:
        throw new SyntaxError(`record ${i} has an unknown kind`);
    }
  }
  const value = (v: Value): unknown => {
    if (typeof v !== "object" || v === null) return v;
    switch (v[0]) {
      case 0: {
        const o = out[v[1] as number];
        if (o === undefined) throw new SyntaxError(`a reference to record ${String(v[1])}, which does not exist`);
        return o;
      }
      case 1:
        return undefined;
      case 2:
        return v[1] === "-0" ? -0 : Number(v[1]);
      case 3:
        return BigInt(`0x${v[1] as string}`);
      case 4: {
        const c = code[v[1] as number];
        if (c === undefined) throw new SyntaxError(`a reference to code ${String(v[1])}, which does not exist`);
        return c;
      }
    }
    throw new SyntaxError("a value of unknown kind");
  };
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i] as Record_;
    const o = out[i] as Record<string, unknown>;
    switch (r[0]) {
      case 0: {
        const keys = g.shapes[r[1] as number] as (number | string)[];
        for (let k = 1; k < keys.length; k++) o[keys[k] as string] = value(r[k + 1] as Value);
        break;
      }
      case 1: {
        const a = o as unknown as unknown[];
        for (let k = 1; k < r.length; k++) a.push(value(r[k] as Value));
        break;
      }
      case 2: {
        const m = o as unknown as Map<unknown, unknown>;
        for (let k = 1; k < r.length; k += 2) m.set(value(r[k] as Value), value(r[k + 1] as Value));
        break;
      }
      case 3: {
        const s = o as unknown as Set<unknown>;
        for (let k = 1; k < r.length; k++) s.add(value(r[k] as Value));
        break;
      }
      case 5:
        if (r[1] === 1) for (let k = 2; k < r.length; k++) (o as unknown as unknown[]).push(value(r[k] as Value));
        else {
          const n = (r.length - 2) / 2;
          for (let k = 0; k < n; k++) o[r[2 + k] as string] = value(r[2 + n + k] as Value);
        }
        break;
    }
  }
  for (let i = 0; i < recs.length; i++) if ((recs[i] as Record_)[0] === 5) Object.freeze(out[i]);
  return out[0] as object;
}

export { textName };
