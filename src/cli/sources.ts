/**
 * Where each modeled function is written, read from src/ on disk (Node; the package ships src/
 * beside dist/ for this and for its source maps): see
 * gdb/source-index.ts for the parsing, which the browser build does from bundled text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { SourceIndex } from "../gdb/session.js";
import { indexSources } from "../gdb/source-index.js";

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Scans src/ (from src/cli/ or dist/cli/ alike) for the definitions of modeled functions. */
export function scanSources(root = fileURLToPath(new URL("../../src/", import.meta.url))): SourceIndex {
  return indexSources(files(root).map((file) => [relative(root, file), readFileSync(file, "utf8")]));
}
