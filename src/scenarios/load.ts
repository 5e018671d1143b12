/** Loading a scenario from a module file (Node): its default export, checked. */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Scenario } from "./scenario.js";

export class ScenarioFileError extends Error {}

/** The scenario a .ts/.js module exports by default; ScenarioFileError says what is wrong. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(resolve(path)).href);
  } catch (e) {
    throw new ScenarioFileError(`cannot load scenario file '${path}': ${e instanceof Error ? e.message : String(e)}`);
  }
  const s = mod.default as Partial<Scenario> | undefined;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.name !== "string" ||
    (s.main !== undefined && typeof s.main !== "function")
  ) {
    throw new ScenarioFileError(
      `'${path}' must export default a scenario: { name: string, description: string, main?: function* () {...} }`,
    );
  }
  return { description: "", ...s } as Scenario;
}
