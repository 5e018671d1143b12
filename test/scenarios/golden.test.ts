/**
 * Every built-in scenario's trace (2 CPUs, seed 1) against its golden file, line by line:
 * any change of behaviour shows up here first. After an intended change, regenerate with
 * UPDATE_GOLDEN=1 and read the diff (a missing file fails).
 */
import { describe, expect, it } from "vitest";
import { runScenario, traceText } from "../../src/run.js";
import { SCENARIOS } from "../../src/scenarios/index.js";
import { expectGolden } from "../golden-file.js";

describe.each(SCENARIOS.filter((s) => s.name !== "boot" && s.name !== "kthread-run").map((s) => [s.name, s] as const))(
  "scenario %s",
  (name, scenario) => {
    it("gives the golden trace, and the same trace twice", () => {
      const text = traceText(runScenario(scenario, { cpus: 2, seed: 1 }));
      expect(traceText(runScenario(scenario, { cpus: 2, seed: 1 }))).toBe(text);
      expectGolden(new URL(`../golden/${name}.2cpu.seed1.trace`, import.meta.url), text);
    });
  },
);
