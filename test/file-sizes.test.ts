/**
 * Files stay small (issue 22): every source file of src/ has at most MAX_LINES lines, or says
 * why at its top. The marker: a line of the file's leading comment (the comment lines before
 * its first line of code) whose text, after the comment's `//`, `/**` or `*`, starts with
 * `Size:` and goes on with the reason (at least MIN_REASON characters), e.g.
 *
 *   * Size: over 400 lines because copy_process ... reads beside the entry points that call it.
 *
 * A file over the limit without it fails here, named with its line count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");
const MAX_LINES = 400;
const MIN_REASON = 20;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** The reason a file's leading comment gives for its size, or null. */
function sizeReason(text: string): string | null {
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t === "") continue;
    const comment = /^(?:\/\/+|\/\*\*?|\*\/|\*)\s*(.*)$/.exec(t);
    if (comment === null) return null; // the first line of code: the leading comment is over
    const m = /^Size:\s*(.*)$/.exec(comment[1] as string);
    if (m !== null) return (m[1] as string).trim().length >= MIN_REASON ? (m[1] as string).trim() : null;
  }
  return null;
}

/** The files of `files` (path relative to src/ → text) over the limit with no reason at their top. */
function oversized(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [rel, text] of files) {
    const n = lineCount(text);
    if (n > MAX_LINES && sizeReason(text) === null) out.push(`${rel}: ${n} lines, and no "Size:" reason at its top`);
  }
  return out.sort();
}

describe("file sizes in src/", () => {
  const files = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), readFileSync(f, "utf8")]));

  it(`every file is at most ${MAX_LINES} lines or says why at its top`, () => {
    expect(oversized(files)).toEqual([]);
  });

  it("names a file over the limit without a reason, and takes the marker only at the top", () => {
    const long = (head: string) => `${head}\n${"x;\n".repeat(MAX_LINES)}`;
    const reason = "over 400 lines because these lines are one table";
    expect(
      oversized(
        new Map([
          ["a.ts", long("/** A table. */")],
          ["b.ts", long(`/**\n * A table.\n *\n * Size: ${reason}\n */`)],
          ["c.ts", long(`// Size: ${reason}`)],
          ["d.ts", long(`import x from "y";\n// Size: ${reason}`)],
          ["e.ts", long("// Size: long")],
          ["f.ts", `/** Short. */\n${"x;\n".repeat(MAX_LINES - 1)}`],
        ]),
      ),
    ).toEqual([
      `a.ts: ${MAX_LINES + 1} lines, and no "Size:" reason at its top`,
      `d.ts: ${MAX_LINES + 2} lines, and no "Size:" reason at its top`,
      `e.ts: ${MAX_LINES + 1} lines, and no "Size:" reason at its top`,
    ]);
    expect(sizeReason(`/**\n * What it is.\n * Size: ${reason}\n */`)).toBe(reason);
  });
});
