/**
 * The files a user hands to `tasklab replay`, `tasklab explore merge` and `tasklab explore`:
 * each bad one is refused with one line naming the file and the field, and exit 2 (exit 1
 * is a violation found); a replay file runs no code but the scenario file it was written for.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { MUTANTS } from "../../src/linux/kernel/mutants.js";
import { clearOutput, err, out } from "../stdio.js";

const root = mkdtempSync(join(tmpdir(), "tasklab-files-"));
let n = 0;

/** A fresh directory, as a user's project is: ES modules. */
function project(): string {
  const d = join(root, `p${n++}`);
  mkdirSync(d);
  writeFileSync(join(d, "package.json"), '{ "type": "module" }\n');
  return d;
}

/** A scenario file in `dir` importing tasklab by its absolute URL (it lives outside the repository). */
function scenarioFile(dir: string, name: string, body: string): string {
  const src = pathToFileURL(resolve("src/index.ts")).href;
  const path = join(dir, name);
  writeFileSync(path, `import { defineScenario, kthread_run, msleep } from "${src}";\n${body}\n`);
  return path;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function write(dir: string, name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** Runs the command; it must fail with exit 2 and exactly this one line on stderr. */
async function refused(args: string[], line: string): Promise<void> {
  clearOutput();
  expect(await main(args)).toBe(2);
  expect(err).toBe(`tasklab: ${line}\n`);
}

const replayFile = {
  tasklab: "replay",
  version: 2,
  target: { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: "wake-before-queue" },
  picks: [[0, 1]],
  deviations: [],
  choices: 1,
  steps: 98,
  violation: { kind: "deadlock", title: "tasklab: deadlock: all tasks blocked, none runnable", step: 98 },
  found: "",
};

describe("tasklab replay refuses a bad replay file", () => {
  const dir = project();
  const bad = (patch: (r: typeof replayFile & Record<string, unknown>) => void) => {
    const r = structuredClone(replayFile) as typeof replayFile & Record<string, unknown>;
    patch(r);
    return r;
  };
  const cases: [string, unknown, string][] = [
    ["empty", "", "empty file"],
    ["truncated", JSON.stringify(replayFile).slice(0, 80), "not valid JSON (truncated or damaged)"],
    [
      "of another kind",
      { tasklab: "explore-result", version: 2 },
      'not a tasklab replay file (its "tasklab" field is "explore-result")',
    ],
    [
      "of an older version",
      bad((r) => Object.assign(r, { version: 1 })),
      "a tasklab replay file of format version 1; this tasklab reads version 2: write it again with this tasklab",
    ],
    [
      "of a newer version",
      bad((r) => Object.assign(r, { version: 3 })),
      "a tasklab replay file of format version 3, newer than this tasklab reads (2): update tasklab",
    ],
    [
      'with cpus: "two"',
      bad((r) => Object.assign(r.target, { cpus: "two" })),
      'target.cpus: expected an integer from 1 to 64, got "two"',
    ],
    ['with picks: "nope"', bad((r) => Object.assign(r, { picks: "nope" })), 'picks: expected an array, got "nope"'],
    [
      "with a negative count",
      bad((r) => Object.assign(r, { choices: -1 })),
      "choices: expected an integer from 0 to 9007199254740991, got -1",
    ],
    [
      "with a pick that is not an integer",
      bad((r) => Object.assign(r, { picks: [[0.5, 1]] })),
      "picks[0][0]: expected an integer from 0 to 9007199254740991, got 0.5",
    ],
    [
      "with a huge array",
      bad((r) => Object.assign(r, { picks: Array(1_000_001).fill([0, 1]) })),
      "picks: expected at most 1000000 items, got 1000001",
    ],
    [
      "with an unknown mutant",
      bad((r) => Object.assign(r.target, { mutant: "nope" })),
      `target.mutant: expected one of ${Object.keys(MUTANTS).join(", ")}, got "nope"`,
    ],
    [
      "naming an absolute path",
      bad((r) => Object.assign(r.target, { scenario: "/tmp/evil.ts", sha256: "0".repeat(64) })),
      "target.scenario: '/tmp/evil.ts': an absolute path is refused (a replay file names its scenario file relative to its own directory)",
    ],
    [
      "naming a path outside its directory",
      bad((r) => Object.assign(r.target, { scenario: "../evil.ts", sha256: "0".repeat(64) })),
      "target.scenario: '../evil.ts': a path with a '..', '.' or empty part is refused (it must stay within the replay file's directory)",
    ],
    [
      "naming a scenario file without its hash",
      bad((r) => Object.assign(r.target, { scenario: "mine.ts" })),
      "target.sha256: missing (the sha256 of the scenario file)",
    ],
    [
      "naming something else",
      bad((r) => Object.assign(r.target, { scenario: "rm -rf" })),
      "target.scenario: 'rm -rf': not a built-in scenario, nor a .ts or .js file",
    ],
  ];
  it.each(cases)("%s", async (name, content, message) => {
    const file = write(dir, `${name.replace(/\W+/g, "-")}.json`, content);
    await refused(["replay", file], `${file}: ${message}`);
  });

  it("that is missing, or a directory", async () => {
    await refused(
      ["replay", join(dir, "none.json")],
      `cannot read '${join(dir, "none.json")}': no such file or directory`,
    );
    await refused(["replay", dir], `cannot read '${dir}': is a directory`);
  });

  it("whose scenario file changed since it was written, or is a link out of its directory", async () => {
    const d = project();
    const body = 'export default defineScenario({ name: "mine", description: "", *main() {} });';
    scenarioFile(d, "mine.ts", body);
    const hash = sha256(
      `import { defineScenario, kthread_run, msleep } from "${pathToFileURL(resolve("src/index.ts")).href}";\n${body}\n`,
    );
    const file = write(
      d,
      "mine.replay.json",
      bad((r) => Object.assign(r.target, { scenario: "mine.ts", sha256: "f".repeat(64), mutant: null })),
    );
    await refused(
      ["replay", file],
      `${file}: target.sha256: 'mine.ts' is not the scenario file the replay was written for (its sha256 is ${hash.slice(0, 12)}…, the replay file's ffffffffffff…)`,
    );
    const elsewhere = project();
    scenarioFile(elsewhere, "mine.ts", body);
    symlinkSync(join(elsewhere, "mine.ts"), join(d, "link.ts"));
    const linked = write(
      d,
      "link.replay.json",
      bad((r) => Object.assign(r.target, { scenario: "link.ts", sha256: hash, mutant: null })),
    );
    await refused(
      ["replay", linked],
      `${linked}: target.scenario: 'link.ts' leads outside the replay file's directory (to '${join(elsewhere, "mine.ts")}')`,
    );
  });
});

const result = (index: number, count: number) => ({
  tasklab: "explore-result",
  version: 2,
  target: { scenario: "kthread-run", cpus: 2, seed: 1, mutant: null },
  options: { strategy: "dfs", runs: 1000, depth: null, preemptions: 0, seed: 1, reduce: true, shard: { index, count } },
  stats: { schedules: 3, states: [`state${index}`], sitesSeen: ["a"], sitesTried: [], counterexample: null },
  elapsedMs: 10,
});

describe("tasklab explore merge", () => {
  const dir = project();
  const shard = (
    name: string,
    index: number,
    count: number,
    patch: (r: Record<string, unknown>) => void = () => {},
  ) => {
    const r = result(index, count) as Record<string, unknown>;
    patch(r);
    return write(dir, name, r);
  };

  it("refuses a bad result file with one line naming the field", async () => {
    // Today's 1 KB file that made V8 run out of memory: a shard count of 1e9.
    const huge = shard("huge.json", 0, 1e9);
    await refused(
      ["explore", "merge", huge],
      `${huge}: options.shard.count: expected an integer from 1 to 10000, got 1000000000`,
    );
    const slow = shard("slow.json", 0, 1, (r) => Object.assign(r, { elapsedMs: "slow" }));
    await refused(
      ["explore", "merge", slow],
      `${slow}: elapsedMs: expected a number from 0 to 1000000000000000, got "slow"`,
    );
    const beyond = shard("beyond.json", 3, 2);
    await refused(["explore", "merge", beyond], `${beyond}: options.shard: index 3 is not below the count 2`);
    const negative = shard("negative.json", 0, 1, (r) => Object.assign(r.stats as object, { schedules: -3 }));
    await refused(
      ["explore", "merge", negative],
      `${negative}: stats.schedules: expected an integer from 0 to 9007199254740991, got -3`,
    );
    const empty = write(dir, "empty.json", "");
    await refused(["explore", "merge", empty], `${empty}: empty file`);
    const old = shard("old.json", 0, 1, (r) => Object.assign(r, { version: 1 }));
    await refused(
      ["explore", "merge", old],
      `${old}: a tasklab explore-result file of format version 1; this tasklab reads version 2: write it again with this tasklab`,
    );
  });

  it("refuses missing, duplicate and mismatched shards unless --partial", async () => {
    const s0 = shard("s0.json", 0, 3);
    const s2 = shard("s2.json", 2, 3);
    await refused(
      ["explore", "merge", s0, s2],
      "shard 1 of 3 missing: give every shard's result file, or --partial to merge these only",
    );
    await refused(["explore", "merge", s0, s0], `${s0} and ${s0} are both shard 0/3`);
    const other = shard("other.json", 1, 4);
    await refused(
      ["explore", "merge", s0, other],
      `${other} is shard 1/4 but ${s0} is shard 0/3: shards of different counts`,
    );
    const seed = shard("seed.json", 1, 3, (r) => Object.assign(r.target as object, { seed: 2 }));
    await refused(
      ["explore", "merge", s0, seed],
      `${seed} and ${s0} are results of different explorations (target or options differ)`,
    );

    clearOutput();
    const merged = join(dir, "merged.json");
    expect(await main(["explore", "merge", s0, s2, "--partial", "--out", merged])).toBe(0);
    expect(out.split("\n")[0]).toBe("merged 2 of 3 shards (partial: missing 1)");
    expect(out).toContain("\nterminal states: 2\n");
    const json = JSON.parse(readFileSync(merged, "utf8"));
    expect(json.partial).toEqual({ shards: 3, missing: [1] });
    await refused(
      ["explore", "merge", merged],
      `${merged} is a partial merge: merge the shards' own result files instead`,
    );
  });

  it("writes nothing when the output cannot be written", async () => {
    const s0 = shard("one.json", 0, 1);
    const before = readdirSync(dir).sort();
    await refused(["explore", "merge", s0, "--out", dir], `cannot write '${dir}': is a directory`);
    const nowhere = join(dir, "no", "such.json");
    await refused(
      ["explore", "merge", s0, "--out", nowhere],
      `cannot write '${nowhere}': no directory '${join(dir, "no")}' (no such file or directory)`,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe("scenario files and outputs", () => {
  it("refuses a scenario file that is missing, empty, truncated or of the wrong shape", async () => {
    const d = project();
    const none = join(d, "none.ts");
    await refused(["explore", none], `cannot read '${none}': no such file or directory`);
    const empty = write(d, "empty.ts", "");
    await refused(
      ["explore", empty],
      `'${empty}' exports no scenario (no default export): it must export default a scenario: { name: string, description: string, main?: function* () {...} }`,
    );
    const truncated = write(d, "truncated.ts", 'export default { name: "x", *main() { yield 1');
    await refused(["explore", truncated], `${truncated}:1:46: syntax error: Unexpected end of file`);
    const two = scenarioFile(
      d,
      "two.ts",
      'export default defineScenario({ name: "two", description: "", cpus: "two" as never });',
    );
    await refused(["explore", two], `'${two}': default export.cpus: expected an integer from 1 to 1024, got "two"`);
  });

  it("writes -o whole or not at all", async () => {
    const d = project();
    await refused(["run", "boot", "-o", d], `cannot write '${d}': is a directory`);
    const nowhere = join(d, "no", "trace.txt");
    await refused(
      ["run", "boot", "-o", nowhere],
      `cannot write '${nowhere}': no directory '${join(d, "no")}' (no such file or directory)`,
    );
    await refused(
      ["explore", "kthread-run", "--out", nowhere],
      `cannot write '${nowhere}': no directory '${join(d, "no")}' (no such file or directory)`,
    );
    expect(readdirSync(d)).toEqual(["package.json"]);
    clearOutput();
    expect(await main(["run", "boot", "-o", join(d, "trace.txt")])).toBe(0);
    expect(readdirSync(d).sort()).toEqual(["package.json", "trace.txt"]); // no temporary file left
  });
});

describe("replay files name their scenario file relative to themselves", () => {
  /** test/fixtures/lost-update.ts, importing tasklab by its absolute URL. */
  const lostUpdate = (dir: string) => {
    const text = readFileSync("test/fixtures/lost-update.ts", "utf8");
    const path = join(dir, "lost.ts");
    writeFileSync(path, text.replaceAll('"../../src/index.js"', `"${pathToFileURL(resolve("src/index.ts")).href}"`));
    return path;
  };

  it("refuses to write one that would have to leave its directory", async () => {
    const d = project();
    const file = lostUpdate(d);
    const elsewhere = join(project(), "lost.replay.json");
    await refused(
      ["explore", file, "--replay-file", elsewhere],
      `the replay file '${elsewhere}' cannot name the scenario file by '../p${n - 2}/lost.ts': a path with a '..', '.' or empty part is refused (it must stay within the replay file's directory); write it (--replay-file) in the scenario file's directory or a directory above it`,
    );
  });

  it("replays from another working directory after the two files moved together", async () => {
    const d = project();
    lostUpdate(d);
    const tasklab = resolve("bin/tasklab-src.js");
    const found = spawnSync("node", [tasklab, "explore", "lost.ts", "--preemptions", "1", "--no-progress"], {
      cwd: d,
      encoding: "utf8",
    });
    expect(found.stderr).toBe("");
    expect(found.status).toBe(1);
    expect(found.stdout).toContain("  replay: tasklab replay lost.replay.json\n");
    const moved = join(project(), "sub");
    mkdirSync(moved);
    for (const f of ["lost.ts", "lost.replay.json", "package.json"]) renameSync(join(d, f), join(moved, f));
    const again = spawnSync("node", [tasklab, "replay", join(moved, "lost.replay.json")], {
      cwd: root,
      encoding: "utf8",
    });
    expect(again.status).toBe(1);
    expect(again.stdout.split("\n")[0]).toBe(
      "# replay of lost.ts: tasklab: invariant count violated: count is 1, not 2",
    );
  });
});

describe("the watchdog", () => {
  it("ends explore and replay of a scenario that never yields, with exit 2", async () => {
    const d = project();
    const body = `
function* forever() {
  for (;;);
}
export default defineScenario({
  name: "hang",
  description: "a thread function that never yields",
  *main() {
    yield* kthread_run(forever, null, "forever");
    yield* msleep(10);
  },
});`;
    const file = scenarioFile(d, "hang.ts", body);
    const watchdog =
      "tasklab: watchdog: the scenario ran 1 s of wall time without returning to the engine (a JavaScript loop in scenario code that never yields?). Last seen: ";
    expect(await main(["explore", file, "--watchdog", "1", "--no-progress"])).toBe(2);
    expect(err.startsWith(watchdog)).toBe(true);
    const replay = write(d, "hang.replay.json", {
      ...replayFile,
      target: { scenario: "hang.ts", sha256: sha256(readFileSync(file, "utf8")), cpus: 2, seed: 1, mutant: null },
    });
    clearOutput();
    expect(await main(["replay", replay, "--watchdog", "1"])).toBe(2);
    expect(err.startsWith(watchdog)).toBe(true);
    expect(err.split("\n")).toHaveLength(2);
  });
});
