/**
 * Replay files and shard results for the fuzz test: valid ones (written by the explorer)
 * mutated: fields deleted or given another type, huge numbers and arrays, another version,
 * the text truncated, or no JSON at all.
 */
import fc from "fast-check";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every path in `v` (objects' keys, arrays' indexes), the root first. */
export function paths(v: Json, at: Path = []): Path[] {
  const here = [at];
  if (Array.isArray(v)) return here.concat(...v.map((x, i) => paths(x, [...at, i])));
  if (v !== null && typeof v === "object")
    return here.concat(...Object.entries(v).map(([k, x]) => paths(x, [...at, k])));
  return here;
}

/** Values of every JSON type, and the troublesome ones: huge, negative, fractional, long, another version. */
const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    "two",
    "",
    "nope",
    null,
    true,
    false,
    -1,
    0,
    1,
    2,
    1.5,
    1e9,
    1e308,
    2 ** 53,
    -(2 ** 31),
    [],
    {},
    [[0, 1]],
    [[-1, 99]],
    ["x"],
    { index: 0, count: 1 },
  ),
  fc.constantFrom<Json>(
    "replay",
    "explore-result",
    "boot",
    "kthread-run",
    "/etc/passwd",
    "../x.ts",
    "6.19",
    "split-xchg",
  ),
  fc.integer({ min: 1, max: 30_000 }).map((n) => Array.from({ length: n }, (_, i) => [i, 1])),
  fc.integer({ min: 1, max: 30_000 }).map((n) => "x".repeat(n)),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

function set(v: Json, p: Path, to: Json | undefined): Json {
  if (p.length === 0) return to ?? null;
  const [head, ...rest] = p as [string | number, ...Path];
  if (Array.isArray(v)) {
    const copy = [...v];
    if (to === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = set(copy[head as number] as Json, rest, to);
    return copy;
  }
  const copy = { ...(v as Record<string, Json>) };
  if (to === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = set(copy[head as string] as Json, rest, to);
  return copy;
}

/** One change at one place: delete it, or put another value there. */
const mutation = (v: Json) =>
  fc.tuple(fc.constantFrom(...paths(v)), fc.option(replacement, { freq: 4, nil: undefined }));

/** The text of `valid` changed: 1–3 mutations, a cut, or not JSON at all. */
export function mutated(valid: Json): fc.Arbitrary<string> {
  const text = JSON.stringify(valid, null, 2);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(mutation(valid), { minLength: 1, maxLength: 3 })
        .map((ms) => JSON.stringify(ms.reduce((v, [p, to]) => set(v, p, to), valid))),
    },
    { weight: 2, arbitrary: fc.nat(text.length - 1).map((n) => text.slice(0, n)) },
    fc.constantFrom(
      "",
      "null",
      "[]",
      "{}",
      "\u0000\u0001",
      '{"tasklab":',
      text.replace(/"version": 1/, '"version": 2'),
    ),
    fc.string({ maxLength: 20 }),
  );
}
