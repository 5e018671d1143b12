/** `tasklab explore`, `explore merge`, `replay` and `mutants` from the command line. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { progressLine } from "../../src/cli/explore-report.js";
import { main } from "../../src/cli/main.js";
import { MUTANTS } from "../../src/linux/kernel/mutants.js";

import { clearOutput, err, out } from "../stdio.js";

const dir = mkdtempSync(join(tmpdir(), "tasklab-explore-"));

/**
 * `tasklab explore ARGS`, its replay file (if it finds a violation) in the temporary
 * directory unless ARGS name one: a test that fails by finding one writes nothing into the
 * repository.
 */
function explore(...args: string[]): Promise<number> {
  const replay = args.includes("--replay-file") ? [] : ["--replay-file", join(dir, "unexpected.replay.json")];
  return main(["explore", ...args, ...replay]);
}

/** The lines of a summary without the timing (schedules per second vary). */
const steady = (text: string) => text.replace(/ in [\d.]+ s \([\d,]+\/s\)/, "");

describe("tasklab explore", () => {
  it("explores the real protocol and finds nothing (exit 0)", async () => {
    const code = await explore("kthread-creator-killed-any", "--preemptions", "0", "--no-progress");
    // The output first: a failure then shows the violation found.
    expect(steady(out)).toBe(
      [
        "explore kthread-creator-killed-any on 2 CPUs: dfs, at most 0 preemptions, reduction on (sleep sets over local steps)",
        "schedules: 37",
        "terminal states: 2",
        "choice points: 70 sites seen, 21 with an alternative tried (30 %)",
        "no violation",
        "",
      ].join("\n"),
    );
    expect(code).toBe(0);
  });

  it("finds a mutant's bug, minimizes it, writes a replay file that `tasklab replay` reproduces (exit 1)", async () => {
    const file = join(dir, "wbq.json");
    const code = await main([
      "explore",
      "kthread-creator-killed-any",
      "--mutant",
      "wake-before-queue",
      "--replay-file",
      file,
      "--no-progress",
    ]);
    expect(code).toBe(1);
    expect(out).toContain("VIOLATION: tasklab: deadlock: all tasks blocked, none runnable\n");
    expect(out).toContain("  minimized in 2 runs: 1 deviation(s), 1 preemption(s), found at step 98\n");
    const replayFile = JSON.parse(readFileSync(file, "utf8"));
    expect(replayFile.picks).toEqual([[0, 1]]);
    clearOutput();
    expect(await main(["replay", file])).toBe(1);
    expect(out.split("\n")[0]).toBe(
      "# replay of kthread-creator-killed-any (mutant wake-before-queue): tasklab: deadlock: all tasks blocked, none runnable",
    );
    expect(out).toContain(">>>>> step 98, CPU 0: tasklab: deadlock: all tasks blocked, none runnable\n");
    expect(err).toContain('waits on: the creation of "creator", queued on kthread_create_list');
  });

  it("explores a scenario file, and replays its counterexample", async () => {
    // Beside the scenario file: a replay file names its scenario file relative to itself.
    const file = "test/fixtures/lost-update.replay.json";
    const scenario = "test/fixtures/lost-update.ts";
    expect(await main(["explore", scenario, "--preemptions", "1", "--replay-file", file, "--no-progress"])).toBe(1);
    expect(out).toContain("VIOLATION: tasklab: invariant count violated: count is 1, not 2\n");
    expect(out).toContain("minimized in 38 runs: 1 deviation(s), 1 preemption(s)");
    expect(out).toContain(`  replay: tasklab replay ${file}\n`);
    try {
      const written = JSON.parse(readFileSync(file, "utf8"));
      expect(written.target.scenario).toBe("lost-update.ts");
      expect(written.target.sha256).toMatch(/^[0-9a-f]{64}$/);
      clearOutput();
      expect(await main(["replay", file])).toBe(1);
      expect(out).toContain("#   choice 36: preemption: the CPU in do_idle runs instead of the one in racer\n");
      expect(out).toMatch(/^>>>>> step \d+, CPU \d: tasklab: invariant count violated: count is 1, not 2$/m);
    } finally {
      rmSync(file);
    }
  });

  it("runs shards that `explore merge` adds up to the whole", async () => {
    const files = [0, 1].map((i) => join(dir, `shard${i}.json`));
    for (const [i, f] of files.entries()) {
      expect(
        await explore(
          "kthread-creator-killed-any",
          "--preemptions",
          "0",
          "--shard",
          `${i}/2`,
          "--out",
          f,
          "--no-progress",
        ),
      ).toBe(0);
    }
    clearOutput();
    expect(await explore("kthread-creator-killed-any", "--preemptions", "0", "--no-progress")).toBe(0);
    const whole = steady(out).split("\n").slice(1, 4);
    clearOutput();
    expect(await main(["explore", "merge", ...files])).toBe(0);
    const merged = steady(out).split("\n");
    expect(merged[0]).toBe("merged 2 of 2 shards");
    expect(merged.slice(1, 4)).toEqual(whole);
  }, 60_000);

  it("walks the states with --stateful: TLC-style figures and the proof (exit 0)", async () => {
    const code = await explore("kthread-creator-killed-any", "--stateful", "--preemptions", "0", "--no-progress");
    expect(steady(out).split("\n")).toEqual([
      "explore kthread-creator-killed-any on 2 CPUs: stateful (a visited set of state hashes), at most 0 preemptions",
      "distinct states: 2,173",
      "transitions: 2,285, depth 166 steps, queue peak 2 states",
      "visited set: 2,173 hashes (~212 KiB)",
      "terminal states: 2 (reached 33 times)",
      "choice points: 122 sites seen, 46 with an alternative tried (38 %)",
      "no violation",
      "proof: all 2,173 distinct states of kthread-creator-killed-any on 2 CPUs, kernel 6.19 within 0 preemptions: no oops, no leak, no use-after-free, no lost wakeup, no hung task, no deadlock, no lockdep report; invariants hold: victim-gone, killable-wait",
      "",
    ]);
    expect(code).toBe(0);
  }, 240_000);

  it("refuses what it cannot do", async () => {
    expect(await explore("no-such-scenario")).toBe(2);
    expect(await explore("kthread-run", "--stateful", "--strategy", "pct")).toBe(2);
    expect(err).toContain("--stateful is a strategy of its own: it cannot go with --strategy pct");
    expect(await explore("kthread-run", "--stateful", "--depth", "3")).toBe(2);
    expect(await explore("kthread-run", "--shard", "2/2")).not.toBe(0);
    expect(await explore("kthread-run", "--mutant", "nope")).not.toBe(0);
  });

  it("lists the mutants", async () => {
    expect(await main(["mutants"])).toBe(0);
    for (const name of Object.keys(MUTANTS)) expect(out).toMatch(new RegExp(`^${name} `, "m"));
  });

  it("draws a progress line with an estimate of the time left", () => {
    expect(progressLine({ schedules: 1500, jobsDone: 3, jobs: 12 }, 2000)).toBe(
      "[######------------------]  25%  1,500 schedules  750/s  ETA 0:06",
    );
  });
});
