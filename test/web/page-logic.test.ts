/** The page's small pieces: the trace window, the shortcuts, editor error ranges, fresh rows. */
import { describe, expect, it } from "vitest";
import { newKeys, rowKey } from "../../web/src/changes.js";
import { errorRange, errorText } from "../../web/src/error-range.js";
import { commandFor, keyOf } from "../../web/src/shortcuts.js";
import { lineAtOrBefore, linesInView, scrollFor, wrapOffsets, wrappedRows } from "../../web/src/trace-window.js";

describe("the trace window", () => {
  it("finds the line at or before an instant", () => {
    const times = [10, 20, 20, 30];
    expect(lineAtOrBefore(times, 5)).toBe(-1);
    expect(lineAtOrBefore(times, 20)).toBe(2);
    expect(lineAtOrBefore(times, 25)).toBe(2);
    expect(lineAtOrBefore(times, 99)).toBe(3);
  });

  it("wraps a line into rows: the first `cols` wide, the next ones indented", () => {
    expect(wrappedRows(0, 80, 4)).toBe(1);
    expect(wrappedRows(80, 80, 4)).toBe(1);
    expect(wrappedRows(81, 80, 4)).toBe(2);
    expect(wrappedRows(80 + 76, 80, 4)).toBe(2);
    expect(wrappedRows(80 + 77, 80, 4)).toBe(3);
    expect(wrapOffsets(["a".repeat(10), "b".repeat(25), ""], 10, 2)).toEqual([0, 1, 4, 5]);
  });

  it("renders only the lines on screen, and scrolls a line into view only when it is out of it", () => {
    const oneRow = wrapOffsets(
      Array.from({ length: 10_000 }, () => "x"),
      80,
      4,
    );
    expect(linesInView(oneRow, 1800, 360, 18, 10)).toEqual({ first: 90, last: 131 });
    expect(linesInView(wrapOffsets(["x", "x", "x", "x", "x"], 80, 4), 0, 360, 18, 10)).toEqual({ first: 0, last: 5 });
    expect(linesInView([0], 0, 360, 18)).toEqual({ first: 0, last: 0 });
    // Every other line takes two rows (line 2k starts at row 3k): row 101 is line 67's second.
    const two = wrapOffsets(
      Array.from({ length: 1000 }, (_, i) => "x".repeat(i % 2 === 0 ? 5 : 90)),
      80,
      4,
    );
    expect(linesInView(two, 101 * 18, 18, 18, 0)).toEqual({ first: 67, last: 69 });
    expect(scrollFor(105 * 18, 106 * 18, 1800, 360)).toBe(1800);
    expect(scrollFor(50 * 18, 51 * 18, 1800, 360)).toBe(900);
    expect(scrollFor(200 * 18, 202 * 18, 1800, 360)).toBe(202 * 18 - 360);
  });
});

describe("the shortcuts", () => {
  it("map keys to commands, except while typing or with a modifier", () => {
    const key = (k: string, more = {}) => ({
      key: k,
      ctrlKey: false,
      metaKey: false,
      altKey: false,
      typing: false,
      ...more,
    });
    expect(commandFor(key("s"))).toBe("step-decision");
    expect(commandFor(key(" "))).toBe("pause");
    expect(commandFor(key("s", { typing: true }))).toBeNull();
    expect(commandFor(key("r", { ctrlKey: true }))).toBeNull();
    expect(commandFor(key("x"))).toBeNull();
    expect(keyOf("pause")).toBe("Space");
    expect(keyOf("back")).toBe("b");
  });
});

describe("editor errors", () => {
  const src = "const a = 1;\nconst b = ;\n";
  it("mark one character at the line and column, or the whole line without a column", () => {
    expect(errorRange(src, 2, 11)).toEqual({ from: 23, to: 24 });
    expect(src.slice(23, 24)).toBe(";");
    expect(errorRange(src, 2)).toEqual({ from: 13, to: 24 });
    expect(errorRange(src)).toEqual({ from: 0, to: 12 });
    expect(errorRange(src, 2, 99)).toEqual({ from: 23, to: 24 }); // past the end: the last character
    expect(errorRange(src, 3, 1)).toEqual({ from: 25, to: 25 }); // an empty line
  });

  it("say where they are", () => {
    expect(errorText({ message: "Unexpected token", line: 2, column: 11 })).toBe("line 2, column 11: Unexpected token");
    expect(errorText({ message: "no default export" })).toBe("no default export");
  });
});

describe("fresh rows", () => {
  it("are the rows not in the last snapshot; none on the first", () => {
    const a = rowKey({ cpu: 0, curr: "init/1" });
    const b = rowKey({ cpu: 0, curr: "kthreadd/2" });
    expect(newKeys(null, [a])).toEqual(new Set());
    expect(newKeys([a], [b])).toEqual(new Set([b]));
    expect(newKeys([a, b], [a, b])).toEqual(new Set());
  });
});
