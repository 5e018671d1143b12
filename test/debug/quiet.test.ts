import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/run.js";
import { SCENARIOS } from "../../src/scenarios/index.js";
import { NEW_KINDS } from "./detect.js";

describe("the detectors on the built-in scenarios", () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))("find nothing wrong in %s", (_name, s) => {
    const r = runScenario(s);
    expect(r.reports.filter((x) => NEW_KINDS.includes(x.kind))).toEqual([]);
  });
});
