/**
 * `tasklab explore --from-state FILE` (docs/STATE-FORMAT.md): the explorer starts its
 * schedules from the saved machine. From the state of the machine the explorer builds for a
 * scenario (saved before it ran), every figure is the scenario's own exploration's; replay
 * files name the state file (relative path, sha256) and replay byte for byte; a missing or
 * damaged file is one line, exit 2.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import { main } from "../../src/cli/main.js";
import { clearOutput, err, out } from "../stdio.js";

const dir = mkdtempSync(join(tmpdir(), "tasklab-explore-state-"));

/** The state of the explorer's machine for SCENARIO [MUTANT], written by a process of its own (explorer-state.ts). */
function explorerState(file: string, scenario: string, mutant?: string): string {
  const path = join(dir, file);
  execFileSync(
    "node",
    ["--import", "./src/build/register.mjs", "test/cli/explorer-state.ts", path, scenario, ...(mutant ? [mutant] : [])],
    { stdio: "pipe" },
  );
  return path;
}

/** Runs the command; its exit status and output (timings taken out: schedules per second vary). */
async function cli(...argv: string[]) {
  clearOutput();
  const code = await main(argv);
  return { code, out: out.replace(/ in [\d.]+ s \([\d,]+\/s\)/, ""), err };
}

/** The output but its first line (which says where the exploration starts). */
const rest = (text: string) => text.split("\n").slice(1);

describe.skipIf(runtimeName() === "generators")("tasklab explore --from-state", () => {
  it("from the explorer's own start: the mutant's exploration, violation, minimization; the replay names the state and replays byte for byte", async () => {
    const state = explorerState("wbq.state", "kthread-creator-killed-any", "wake-before-queue");
    const fromState = join(dir, "from-state.replay.json");
    const a = await cli("explore", "--from-state", state, "--replay-file", fromState, "--no-progress");
    const b = await cli(
      "explore",
      "kthread-creator-killed-any",
      "--mutant",
      "wake-before-queue",
      "--replay-file",
      join(dir, "scenario.replay.json"),
      "--no-progress",
    );
    expect(a.out.split("\n")[0]).toBe(
      `explore kthread-creator-killed-any (mutant wake-before-queue) from the state in ${state} on 2 CPUs: dfs, at most 2 preemptions, reduction on (sleep sets over local steps)`,
    );
    expect(rest(a.out).slice(0, -2)).toEqual(rest(b.out).slice(0, -2));
    expect(rest(a.out)).toContain("  minimized in 2 runs: 1 deviation(s), 1 preemption(s), found at step 98");
    expect([a.code, b.code]).toEqual([1, 1]);
    const written = JSON.parse(readFileSync(fromState, "utf8"));
    expect(written.target).toEqual({
      scenario: "kthread-creator-killed-any",
      cpus: 2,
      seed: 1,
      mutant: "wake-before-queue",
      state: { path: "wbq.state", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(written.picks).toEqual([[0, 1]]);
    const r1 = await cli("replay", fromState);
    const r2 = await cli("replay", fromState);
    expect(r1.code).toBe(1);
    expect(r2).toEqual(r1);
    expect(r1.out).toContain(">>>>> step 98, CPU 0: tasklab: deadlock: all tasks blocked, none runnable\n");
    expect(r1.err).toContain("tasklab: deadlock: all tasks blocked, none runnable");

    // The state file gone, or not the one the replay was written for: one line, exit 2.
    renameSync(state, `${state}.away`);
    const gone = await cli("replay", fromState);
    expect([gone.code, gone.out, gone.err]).toEqual([
      2,
      "",
      `tasklab: ${fromState}: target.state.path: no state file '${state}'\n`,
    ]);
    writeFileSync(state, "not a state\n");
    const other = await cli("replay", fromState);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(
      /^tasklab: .*from-state\.replay\.json: target\.state\.sha256: 'wbq\.state' is not the state file the replay was written for \(its sha256 is [0-9a-f]{12}…, the replay file's [0-9a-f]{12}…\)\n$/,
    );
  }, 240_000);

  it("from the explorer's own start, stateful: the same states, transitions and proof", async () => {
    const state = explorerState("any.state", "kthread-creator-killed-any");
    const a = await cli("explore", "--from-state", state, "--stateful", "--preemptions", "0", "--no-progress");
    const b = await cli("explore", "kthread-creator-killed-any", "--stateful", "--preemptions", "0", "--no-progress");
    expect(rest(a.out)).toEqual(rest(b.out));
    expect(rest(a.out)[0]).toBe("distinct states: 2,173");
    expect([a.code, b.code]).toEqual([0, 0]);
  }, 240_000);

  it("from a state saved mid-run: explores on from that moment (its own figures)", async () => {
    const state = join(dir, "mid.state");
    expect((await cli("run", "kthread-creator-killed-any", "--save-state-at", "2ms", state)).code).toBe(0);
    const a = await cli("explore", "--from-state", state, "--preemptions", "0", "--no-progress");
    expect(a.out.split("\n")).toEqual([
      `explore kthread-creator-killed-any from the state in ${state} on 2 CPUs: dfs, at most 0 preemptions, reduction on (sleep sets over local steps)`,
      "schedules: 37",
      "terminal states: 2",
      "choice points: 92 sites seen, 21 with an alternative tried (23 %)",
      "no violation",
      "",
    ]);
    expect(a.code).toBe(0);
  }, 240_000);

  it("refuses, in one line (exit 2): a missing or damaged state file, a scenario besides it", async () => {
    const missing = await cli("explore", "--from-state", join(dir, "none.state"));
    expect([missing.code, missing.err]).toEqual([
      2,
      `tasklab: cannot read '${join(dir, "none.state")}': no such file or directory\n`,
    ]);
    const bad = join(dir, "bad.state");
    writeFileSync(bad, '{"format":"tasklab-state","version":1');
    const damaged = await cli("explore", "--from-state", bad);
    expect([damaged.code, damaged.err]).toEqual([
      2,
      `tasklab: --from-state ${bad}: not a loadable tasklab state: the file is truncated (its header line is not complete)\n`,
    ]);
    const both = await cli("explore", "kthread-run", "--from-state", bad);
    expect([both.code, both.err]).toEqual([
      2,
      "tasklab: --from-state explores the scenario the state was saved from: give no scenario (got 'kthread-run')\n",
    ]);
  });
});
