/** Every example in the README runs, and says what the README says. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
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
    const commands = blocks("sh").flatMap(tasklabLines);
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const c of commands) {
      const args = tasklabArgs(c).filter((a, i, all) => a !== "-o" && all[i - 1] !== "-o"); // no files written
      expect(await main(args), c).toBe(0);
    }
  });

  it("shows errors as tasklab prints them, with their exit status 2", async () => {
    let err = "";
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation((t) => {
      err += String(t);
      return true;
    });
    const sessions = blocks("console");
    expect(sessions.length).toBeGreaterThanOrEqual(1);
    for (const text of sessions) {
      const [command = "", ...printed] = text.trimEnd().split("\n");
      err = "";
      // A long watchdog: the wall time of a run on a busy machine is no part of what is shown.
      const args = [...tasklabArgs(command.replace(/^\$ /, "")), "--watchdog", "600"];
      expect(await main(args), command).toBe(2);
      expect(err, command).toBe(`${printed.join("\n")}\n`);
    }
  });

  it("runs the library example", () => {
    const out = execFileSync("node", ["--import", "tsx", "examples/library.ts"], { encoding: "utf8" });
    expect(out).toMatch(/^\d+ trace lines, \d+ kernel threads, 0 problems\n$/);
  });
});
