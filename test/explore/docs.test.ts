/**
 * docs/explorer.md stays true: each mutant's minimal counterexample in it is what
 * `tasklab explore --mutant NAME` (default options) finds and minimizes.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXPLORE_DEFAULTS, explore, minimizeResult } from "../../src/explore/explore.js";
import { makeReplay } from "../../src/explore/replay.js";
import { MUTANTS } from "../../src/linux/kernel/mutants.js";

const md = readFileSync(new URL("../../docs/explorer.md", import.meta.url), "utf8");
const blocks = [...md.matchAll(/<!-- mutant (\S+) (\S+) -->\n```json\n([^`]*)```/g)].map((m) => ({
  mutant: m[1] as string,
  scenario: m[2] as string,
  shown: JSON.parse(m[3] as string) as { picks: [number, number][]; deviations: string[]; violation: string },
}));

describe("docs/explorer.md", () => {
  it("shows a counterexample for every mutant", () => {
    expect(blocks.map((b) => b.mutant).sort()).toEqual(Object.keys(MUTANTS).sort());
  });

  it.each(blocks)(
    "shows what explore finds for $mutant",
    async ({ mutant, scenario, shown }) => {
      const target = { scenario, cpus: 2, seed: 1, mutant };
      const m = minimizeResult(await explore(target, EXPLORE_DEFAULTS));
      expect(m).not.toBeNull();
      if (m === null) return;
      const r = makeReplay(target, m.picks, m.outcome, "");
      expect({ picks: r.picks, deviations: r.deviations, violation: r.violation.title }).toEqual(shown);
    },
    60_000,
  );
});
