/** Loading a scenario from a module file (Node): its default export, checked. */
import { resolve } from "node:path";
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

/** The scenario a .ts/.js module exports by default; ScenarioFileError says what is wrong, in one line. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(resolve(path)).href);
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ").slice(0, 500);
    throw new ScenarioFileError(`cannot load scenario file '${path}': ${why}`);
  }
  const s = mod.default;
  if (typeof s !== "object" || s === null) {
    throw new ScenarioFileError(
      `'${path}' must export default a scenario: { name: string, description: string, main?: function* () {...} }`,
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
