/** The built-in scenarios, by name. */
import boot from "./boot.js";
import kthreadRun from "./kthread-run.js";
import type { Scenario } from "./scenario.js";

export const SCENARIOS: readonly Scenario[] = [boot, kthreadRun];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
