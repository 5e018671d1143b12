/** Every example in the README runs, and says what the README says. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.js";
import { capture, codeBlocks, tasklabArgs, tasklabLines } from "./markdown.js";

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
  }, 300_000); // some 40 commands, each a worker: minutes on a loaded machine

  it("shows a --kill that lands where it says: after kthreadd took the request", async () => {
    const command = blocks("sh")
      .flatMap(tasklabLines)
      .find((c) => c.includes("--kill creator@kthreadd:create_kthread")) as string;
    const shown = (blocks("text").find((b) => b.includes("creator: kthread_create returned")) as string)
      .trimEnd()
      .split("\n");
    const lines = async (args: string[]) => {
      const r = await capture(args);
      expect(r.code, args.join(" ")).toBe(0);
      return r.lines;
    };
    const args = tasklabArgs(command);
    const killed = await lines(args);
    // In this order: the wakeup by kthreadd's kill, kthreadd's fork, the creator's -EINTR.
    const at = shown.map((l) => killed.indexOf(l));
    expect(
      at.every((i, k) => i >= 0 && (k === 0 || i > (at[k - 1] as number))),
      `${at}`,
    ).toBe(true);
    // Without the option, the same scenario sends no kill and the creator gets its thread.
    const plain = await lines(args.filter((a, i) => a !== "--kill" && args[i - 1] !== "--kill"));
    expect(plain).toContain("[    0.003003] creator: kthread_create returned task 40");
    expect(plain).not.toContain(shown.at(-1));
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
