/** Every example in the README runs, and says what the README says. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The fenced code blocks of the README in language `lang` ("" for unlabeled ones). */
function blocks(lang: string): string[] {
  const out: string[] = [];
  let current: string[] | null = null;
  let currentLang = "";
  for (const line of readme.split("\n")) {
    if (current === null && line.startsWith("```")) {
      current = [];
      currentLang = line.slice(3).trim();
    } else if (current !== null && line === "```") {
      if (currentLang === lang) out.push(`${current.join("\n")}\n`);
      current = null;
    } else if (current !== null) {
      current.push(line);
    }
  }
  return out;
}

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
      .flatMap((b) => b.split("\n"))
      .map((l) => l.replace(/#.*$/, "").trim())
      .filter((l) => l.startsWith("npx tasklab "));
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const c of commands) {
      const args = (c.slice("npx tasklab ".length).match(/"[^"]*"|\S+/g) ?? [])
        .filter((a, i, all) => a !== "-o" && all[i - 1] !== "-o") // no files written by the test
        .map((a) => a.replace(/^"(.*)"$/, "$1")); // the shell's quotes
      expect(await main(args), c).toBe(0);
    }
  });

  it("runs the library example", () => {
    const out = execFileSync("node", ["--import", "tsx", "examples/library.ts"], { encoding: "utf8" });
    expect(out).toMatch(/^\d+ trace lines, \d+ kernel threads, 0 problems\n$/);
  });
});
