/**
 * Checking the JSON files a user hands to tasklab (replay files, shard results) and the
 * scenario modules it loads: small typed checks that build a value or throw a SchemaError
 * naming the field ("target.cpus: expected an integer from 1 to 64, got \"two\""). Every
 * size is bounded, so a file can never make tasklab allocate more than it itself holds.
 * No Node API: the visualizer checks replay files with it too.
 */

export class SchemaError extends Error {}

/** Checks `v`, found at field path `at` ("" for the whole file); returns it typed. */
export type Check<T> = (v: unknown, at: string) => T;

/** A short rendering of a wrong value, for a message. */
function shown(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "function") return "a function";
  if (typeof v === "bigint" || typeof v === "symbol") return String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function fail(at: string, what: string, got: string): never {
  throw new SchemaError(`${at === "" ? "" : `${at}: `}expected ${what}, got ${got}`);
}

export function int(min: number, max: number): Check<number> {
  return (v, at) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? v
      : fail(at, `an integer from ${min} to ${max}`, shown(v));
}

/** A finite number from `min` to `max`. */
export function num(min: number, max: number): Check<number> {
  return (v, at) =>
    typeof v === "number" && v >= min && v <= max ? v : fail(at, `a number from ${min} to ${max}`, shown(v));
}

export const bool: Check<boolean> = (v, at) => (typeof v === "boolean" ? v : fail(at, "true or false", shown(v)));

/** A string of at most `max` characters. */
export function text(max: number): Check<string> {
  return (v, at) => {
    if (typeof v !== "string") return fail(at, "a string", shown(v));
    return v.length <= max ? v : fail(at, `a string of at most ${max} characters`, `${v.length}`);
  };
}

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, at) =>
    (values as readonly unknown[]).includes(v) ? (v as T) : fail(at, `one of ${values.join(", ")}`, shown(v));
}

export function nullable<T>(c: Check<T>): Check<T | null> {
  return (v, at) => (v === null ? null : c(v, at));
}

/** An array of at most `max` items. */
export function list<T>(item: Check<T>, max: number): Check<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) return fail(at, "an array", shown(v));
    if (v.length > max) return fail(at, `at most ${max} items`, `${v.length}`);
    return v.map((x, i) => item(x, `${at}[${i}]`));
  };
}

export function pair<A, B>(a: Check<A>, b: Check<B>): Check<[A, B]> {
  return (v, at) => {
    if (!Array.isArray(v) || v.length !== 2) return fail(at, "a pair [a, b]", shown(v));
    return [a(v[0], `${at}[0]`), b(v[1], `${at}[1]`)];
  };
}

/** A field that may be absent (the object then has no such key). */
export interface Optional<T> {
  optional: Check<T>;
}

export function optional<T>(c: Check<T>): Optional<T> {
  return { optional: c };
}

type Shape = Record<string, Check<unknown> | Optional<unknown>>;
type Built<S extends Shape> = {
  [K in keyof S as S[K] extends Check<unknown> ? K : never]: S[K] extends Check<infer T> ? T : never;
} & {
  [K in keyof S as S[K] extends Optional<unknown> ? K : never]?: S[K] extends Optional<infer T> ? T : never;
};

/** An object with these fields (others are ignored). */
export function record<S extends Shape>(shape: S): Check<Built<S>> {
  return (v, at) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return fail(at, "an object", shown(v));
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, c] of Object.entries(shape)) {
      const field = at === "" ? k : `${at}.${k}`;
      const x = Object.hasOwn(o, k) ? o[k] : undefined;
      if (typeof c === "function") out[k] = c(x, field);
      else if (x !== undefined) out[k] = c.optional(x, field);
    }
    return out as Built<S>;
  };
}

/**
 * A tasklab JSON file of kind `kind` (its "tasklab" field) and format `version`, its body
 * checked by `body`. Says what is wrong in one line: empty, not JSON, another kind, an
 * older or newer version, or the first field that does not fit.
 */
export function parseTasklabJson<T>(text: string, kind: string, version: number, body: Check<T>): T {
  if (text.trim() === "") throw new SchemaError("empty file");
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SchemaError("not valid JSON (truncated or damaged)");
  }
  const o = (typeof v === "object" && v !== null ? v : {}) as { tasklab?: unknown; version?: unknown };
  if (o.tasklab !== kind)
    throw new SchemaError(`not a tasklab ${kind} file (its "tasklab" field is ${shown(o.tasklab)})`);
  const n = int(1, 1e6)(o.version, "version");
  if (n < version)
    throw new SchemaError(
      `a tasklab ${kind} file of format version ${n}; this tasklab reads version ${version}: write it again with this tasklab`,
    );
  if (n > version)
    throw new SchemaError(
      `a tasklab ${kind} file of format version ${n}, newer than this tasklab reads (${version}): update tasklab`,
    );
  return body(v, "");
}
