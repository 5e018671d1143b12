/**
 * Where each modeled function is written: the debugger's `list` and `bt` and the
 * visualizer's source pane read the model's TypeScript source (file, line, text, parameter
 * names) by finding the kfunc, kleaf and ksync definitions in the files of src/. Pure: the
 * CLI reads the files from disk (cli/sources.ts), the browser build gets them bundled.
 */
import type { SourceIndex, SourceOf } from "./session.js";

const DEFINITION = /\b(?:kfunc|kleaf|ksync)\(\s*function\*?\s+(\w+)\s*\(([^)]*)\)/g;

/** The parameter names of a TypeScript parameter list (types and defaults dropped). */
function names(params: string): string[] {
  let depth = 0;
  let cur = "";
  const out: string[] = [];
  for (const ch of params) {
    if (ch === "<" || ch === "(" || ch === "{" || ch === "[") depth++;
    if (ch === ">" || ch === ")" || ch === "}" || ch === "]") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out
    .map(
      (p) =>
        p
          .trim()
          .replace(/^\.\.\./, "")
          .split(/[:=?]/)[0]
          ?.trim() ?? "",
    )
    .filter((p) => p !== "");
}

/** The index of the definitions in `files`: [path relative to src/, text] pairs. */
export function indexSources(files: Iterable<readonly [string, string]>): SourceIndex {
  const index = new Map<string, SourceOf>();
  for (const [path, text] of files) {
    const lines = text.split("\n");
    for (const m of text.matchAll(DEFINITION)) {
      const name = m[1] as string;
      const first = text.slice(0, m.index).split("\n").length; // 1-based line of the definition
      const indent = (/^\s*/.exec(lines[first - 1] ?? "") as RegExpExecArray)[0].length;
      let last = first;
      while (last < lines.length) {
        const l = lines[last] as string;
        if (l.trimStart().startsWith("}") && (/^\s*/.exec(l) as RegExpExecArray)[0].length === indent) break;
        last++;
      }
      const rel = path.replace(/\\/g, "/").replace(/^linux\//, "");
      if (!index.has(name))
        index.set(name, {
          file: rel,
          line: first,
          text: lines.slice(first - 1, last + 1),
          params: names(m[2] as string),
        });
    }
  }
  return index;
}
