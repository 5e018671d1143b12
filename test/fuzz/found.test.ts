/** Defects the fuzz test (fuzz.test.ts) found, each fed the input that showed it. */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { err } from "../stdio.js";

describe("found by fuzzing", () => {
  it("explore refuses operands after its scenario instead of exploring with its options dropped", async () => {
    // After `--`, commander hands everything to explore's [files...]: the options were lost and
    // the default exploration (dfs, 2 preemptions) ran for minutes.
    expect(await main(["--", "explore", "kthread-run", "--preemptions", "0", "--no-progress"])).toBe(2);
    expect(err).toBe("tasklab: explore takes one scenario, got also: --preemptions 0 --no-progress\n");
  });
});
