/** src/schema.ts: any text is a checked file or a SchemaError naming what is wrong, never another exception. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseReplay } from "../src/explore/replay.js";
import { int, list, pair, parseTasklabJson, record, SchemaError, text } from "../src/schema.js";

const check = record({ n: int(0, 9), pairs: list(pair(int(0, 9), text(3)), 2) });

describe("checking a tasklab JSON file", () => {
  it("names the first field that does not fit, with the path to it", () => {
    const parse = (v: unknown) => () => parseTasklabJson(JSON.stringify(v), "t", 1, check);
    expect(parse({ tasklab: "t", version: 1, n: 3, pairs: [[1, "a"]] })()).toEqual({ n: 3, pairs: [[1, "a"]] });
    expect(parse({ tasklab: "t", version: 1, n: 3, pairs: [[1, "abcd"]] })).toThrow(
      new SchemaError("pairs[0][1]: expected a string of at most 3 characters, got 4"),
    );
    expect(
      parse({
        tasklab: "t",
        version: 1,
        n: 3,
        pairs: [
          [1, "a"],
          [2, "b"],
          [3, "c"],
        ],
      }),
    ).toThrow(new SchemaError("pairs: expected at most 2 items, got 3"));
    expect(parse({ tasklab: "t", version: 1, pairs: [] })).toThrow(
      new SchemaError("n: expected an integer from 0 to 9, got nothing"),
    );
    expect(parse([1])).toThrow(new SchemaError('not a tasklab t file (its "tasklab" field is nothing)'));
  });

  it("throws nothing but SchemaError, whatever the text (property)", () => {
    const anyReplay = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({
          tasklab: fc.constant("replay"),
          version: fc.constant(2),
          target: fc.jsonValue(),
          picks: fc.jsonValue(),
        })
        .map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(anyReplay, (t) => {
        try {
          parseReplay(t);
        } catch (e) {
          expect(e).toBeInstanceOf(SchemaError);
          expect(String((e as Error).message)).not.toContain("\n");
        }
      }),
      { numRuns: 2000 },
    );
  });
});
