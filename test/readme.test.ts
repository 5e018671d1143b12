/** Every example in the README runs, and says what the README says. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.js";
import { codeBlocks, tasklabArgs, tasklabLines } from "./markdown.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The fenced code blocks of the README in language `lang` ("" for unlabeled ones). */
function blocks(lang: string): string[] {
  return codeBlocks(readme)
    .filter((b) => b.lang === lang)
    .map((b) => b.text);
}

/** The shard-and-merge example (it writes result files) and the output it shows. */
const all = codeBlocks(readme);
const shardAt = all.findIndex((b) => b.lang === "sh" && b.text.includes("explore merge"));

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe("README", () => {
  it("shows the example files verbatim", () => {
    const ts = blocks("ts");
    for (const file of ["examples/two-workers.ts", "examples/library.ts", "examples/fork-and-threads.ts"]) {
      expect(ts).toContain(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"));
    }
  });

  it("shows trace lines that `tasklab run kthread-run` really prints", () => {
    const excerpt = blocks("").find((b) => b.includes("sched_wakeup_new")) as string;
    const real = readFileSync(new URL("golden/kthread-run.2cpu.seed1.trace", import.meta.url), "utf8").split("\n");
    for (const line of excerpt.trimEnd().split("\n")) expect(real).toContain(line);
  });

  it("documents tasklab commands that all succeed", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const commands = blocks("sh")
      .filter((b) => b !== all[shardAt]?.text)
      .flatMap(tasklabLines);
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const c of commands) {
      const args = tasklabArgs(c).filter((a, i, all) => a !== "-o" && all[i - 1] !== "-o"); // no files written
      expect(await main(args), c).toBe(0);
    }
  });

  it("runs the shard-and-merge example as written (in a fresh directory) and prints what it shows", async () => {
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const shown = all[shardAt + 1];
    expect(shown?.lang).toBe("text");
    const home = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), "tasklab-readme-")));
    try {
      for (const c of tasklabLines(all[shardAt]?.text ?? "")) {
        out = "";
        expect(await main(tasklabArgs(c)), c).toBe(0);
      }
    } finally {
      process.chdir(home);
    }
    // The wall time varies: the rest of each line is what the README shows.
    const untimed = (t: string) => t.replace(/ in [\d.]+ s \([\d,]+\/s\)/, "");
    expect(untimed(out)).toBe(untimed(shown?.text ?? ""));
  }, 300_000);

  it("runs the library example", () => {
    const out = execFileSync("node", ["--import", "tsx", "examples/library.ts"], { encoding: "utf8" });
    expect(out).toMatch(/^\d+ trace lines, \d+ kernel threads, 0 problems\n$/);
  });
});
