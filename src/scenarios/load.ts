/** Loading a scenario from a module file (Node): its default export, checked. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ERA_NAMES } from "../linux/eras/profiles.js";
import { bool, type Check, int, list, oneOf, optional, record, SchemaError, text } from "../schema.js";
import type { Scenario } from "./scenario.js";

export class ScenarioFileError extends Error {}

const fn: Check<unknown> = (v, at) => {
  if (typeof v === "function") return v;
  throw new SchemaError(`${at}: expected a function, got ${v === null ? "null" : typeof v}`);
};

/** The fields of a scenario a file may give, with their types (scenario.ts). */
const scenarioCheck = record({
  name: text(200),
  description: optional(text(10_000)),
  cpus: optional(int(1, 1024)),
  main: optional(fn),
  faults: optional(list(text(1000), 1000)),
  signals: optional(list(text(1000), 1000)),
  programs: optional((v, at) => {
    if (typeof v !== "object" || v === null) throw new SchemaError(`${at}: expected an object: path → program`);
    for (const [k, p] of Object.entries(v)) fn(p, `${at}["${k}"]`);
    return v;
  }),
  invariants: optional(list(record({ name: text(200), check: fn, always: optional(bool) }), 1000)),
  eras: optional(record({ since: optional(oneOf(ERA_NAMES)), until: optional(oneOf(ERA_NAMES)), why: text(1000) })),
});

/** Whether tsx is registered in this thread (a thread of the sources runs through it already). */
let typeScript = import.meta.url.endsWith(".ts");

/** Loads tsx for a TypeScript scenario file, once per thread and only then: the compiled CLI starts without it. */
async function loadTypeScript(path: string): Promise<void> {
  if (typeScript || !/\.[cm]?ts$/.test(path)) return;
  const { register } = await import("tsx/esm/api");
  register();
  typeScript = true;
}

/** `line:column` of the first place in `stack` within the file (named by its URL or its path). */
function placeIn(stack: string, names: string[]): string | null {
  for (const name of names) {
    const at = stack.indexOf(`${name}:`);
    const m = at < 0 ? null : /^:(\d+:\d+)/.exec(stack.slice(at + name.length));
    if (m !== null) return m[1]!;
  }
  return null;
}

/** Where `specifier` is written in the file's text, as `file:line:column`, or the file alone. */
function importPlace(path: string, file: string, specifier: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return path;
  }
  const at = Math.max(text.indexOf(`"${specifier}"`), text.indexOf(`'${specifier}'`));
  if (at < 0) return path;
  const before = text.slice(0, at).split("\n");
  return `${path}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

/**
 * `line:column` of a JavaScript module's syntax error, which Node's import() does not give: a
 * `node --check` of its text prints the line, then the line's text with a caret under the column.
 */
function syntaxErrorPlace(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const r = spawnSync(process.execPath, ["--input-type=module", "--check"], { input: text, encoding: "utf8" });
  const m = /^\[stdin\]:(\d+)\n.*\n( *)\^/.exec(r.stderr ?? "");
  return m === null ? null : `${m[1]}:${m[2]!.length + 1}`;
}

/** Why the module could not be loaded, in one line that says where (a path as the user gave it). */
function loadError(path: string, e: unknown): string {
  const file = resolve(path);
  const url = pathToFileURL(file).href;
  const oneLine = (t: string) => t.replace(/\s*\n\s*/g, " ").slice(0, 500);
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: string }).code;
  const missing = /^Cannot find (?:package|module) '([^']+)'/.exec(err.message);
  if ((code === "ERR_MODULE_NOT_FOUND" || code === "ERR_UNSUPPORTED_ESM_URL_SCHEME") && missing !== null) {
    const spec = missing[1]!.startsWith("/") ? relativeTo(file, missing[1]!) : missing[1]!;
    return `${importPlace(path, file, spec)}: cannot import "${spec}": not found (a scenario file may import "tasklab", node: modules and what is installed beside it)`;
  }
  // esbuild's (tsx's) syntax errors: "Transform failed with 1 error:\n/path:3:2: ERROR: what", the column from 0.
  const esbuild = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(err.message);
  if (esbuild !== null && resolve(esbuild[1]!) === file)
    return `${path}:${esbuild[2]}:${Number(esbuild[3]) + 1}: syntax error: ${oneLine(esbuild[4]!)}`;
  if (err instanceof SyntaxError) {
    const where = syntaxErrorPlace(file);
    return `${path}${where === null ? "" : `:${where}`}: syntax error: ${oneLine(err.message)}`;
  }
  // An exception while its top level ran: where in the file, from the stack (source-mapped by tsx).
  const where = placeIn(err.stack ?? "", [url, file]);
  return `${path}${where === null ? "" : `:${where}`}: ${err.name} while loading the scenario: ${oneLine(err.message)}`;
}

/** A path Node reports as absolute, relative to the importing file's folder when within it. */
function relativeTo(file: string, p: string): string {
  const dir = dirname(file);
  return p.startsWith(`${dir}/`) ? `./${p.slice(dir.length + 1)}` : p;
}

/** The scenario a .ts/.js module exports by default; ScenarioFileError says what is wrong, in one line. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let mod: Record<string, unknown>;
  try {
    await loadTypeScript(path);
    mod = await import(pathToFileURL(resolve(path)).href);
  } catch (e) {
    throw new ScenarioFileError(loadError(path, e));
  }
  const s = mod.default;
  if (typeof s !== "object" || s === null) {
    const named = Object.keys(mod).filter((k) => k !== "default");
    const has = s === undefined ? "no default export" : `a default export that is ${typeof s}, not a scenario`;
    throw new ScenarioFileError(
      `'${path}' exports no scenario (${has}${named.length > 0 ? `; it exports ${named.slice(0, 5).join(", ")}` : ""}): it must export default a scenario: { name: string, description: string, main?: function* () {...} }`,
    );
  }
  try {
    scenarioCheck(s, "default export");
  } catch (e) {
    if (e instanceof SchemaError) throw new ScenarioFileError(`'${path}': ${e.message}`);
    throw e;
  }
  return { description: "", ...s } as Scenario;
}
