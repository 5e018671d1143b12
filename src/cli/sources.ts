/**
 * Where each modeled function is written: the debugger's `list` and `bt` read the model's
 * TypeScript source (file, line, text, parameter names) by scanning src/ for the kfunc,
 * kleaf and ksync definitions. Node-only (it reads files); the debugger itself takes the
 * index as an option.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { SourceIndex, SourceOf } from "../debug/gdb.js";

const DEFINITION = /\b(?:kfunc|kleaf|ksync)\(\s*function\*?\s+(\w+)\s*\(([^)]*)\)/g;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

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

/** Scans src/ for the definitions of modeled functions. */
export function scanSources(root = fileURLToPath(new URL("../", import.meta.url))): SourceIndex {
  const index = new Map<string, SourceOf>();
  for (const file of files(root)) {
    const text = readFileSync(file, "utf8");
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
      const rel = relative(root, file).replace(/^linux\//, "");
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
