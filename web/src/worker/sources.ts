/**
 * The model's TypeScript source, bundled into the worker as text, indexed by modeled
 * function (the tasks pane shows the function a task is in). Indexed on first use.
 */
import type { SourceIndex } from "../../../src/gdb/session.js";
import { indexSources } from "../../../src/gdb/source-index.js";

const files = import.meta.glob<string>("../../../src/{linux,debug,sim,user}/**/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
});

let index: SourceIndex | null = null;

export function modelSources(): SourceIndex {
  index ??= indexSources(Object.entries(files).map(([path, text]) => [path.replace(/^(\.\.\/)+src\//, ""), text]));
  return index;
}
