/**
 * docs/explorer.md stays true: each mutant's minimal counterexample in it is what
 * `tasklab explore --mutant NAME` (default options) finds and minimizes, and the output it
 * shows for a scenario file is what `tasklab explore` prints.
 */
import { readFileSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { EXPLORE_DEFAULTS, explore, minimizeResult } from "../../src/explore/explore.js";
import { makeReplay } from "../../src/explore/replay.js";
import { MUTANTS } from "../../src/linux/kernel/mutants.js";
import { out } from "../stdio.js";

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

describe("docs/explorer.md's scenario-file example", () => {
  // The block starts with the command ("$ npx tasklab …"), then what it prints.
  const shown = (md.match(/```\n\$ npx tasklab (explore test\/fixtures\/lost-update\.ts[^\n]*)\n([^`]*)```/) ??
    []) as string[];

  it("prints what the doc shows (but the time, the file's directory and the replay file's name)", async () => {
    expect(shown[1]).toBe("explore test/fixtures/lost-update.ts --preemptions 1");
    // A replay file names its scenario file by a path within its own directory: beside the
    // fixture, under a name of this run's (gitignored, removed after), not the repository root.
    const replay = `test/fixtures/lost-update.${process.pid}.replay.json`;
    const args = (shown[1] as string).split(" ");
    try {
      expect(await main([...args, "--no-progress", "--replay-file", replay])).toBe(1);
    } finally {
      rmSync(replay, { force: true });
    }
    const steady = (text: string) =>
      text
        .trimEnd()
        .split("\n")
        .map((l) =>
          l
            .replace(/ in [\d.]+ s \([\d,]+\/s\)/, "")
            .replace(/ \/\S*(test\/fixtures\/)/, " $1")
            .replace(/replay \S+$/, "replay FILE"),
        );
    expect(steady(out)).toEqual(steady((shown[2] as string).replace("/…/", "/")));
  }, 60_000);
});
