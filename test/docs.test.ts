/**
 * The walkthroughs in docs/walkthroughs/ stay true: every `npx tasklab` command in them
 * runs and succeeds and is followed by a `text` block, and every line of a `text` block is a
 * line of what the command before it printed (stdout and stderr).
 */
import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { capture, codeBlocks, tasklabArgs, tasklabLines } from "./markdown.js";

const dir = new URL("../docs/walkthroughs/", import.meta.url);
const docs = readdirSync(dir).filter((f) => f.endsWith(".md"));

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe.each(docs)("docs/walkthroughs/%s", (file) => {
  it("runs every command and shows what they print", async () => {
    const md = readFileSync(new URL(file, dir), "utf8");
    let last: string[] | null = null;
    /** The command whose output no text block has shown yet. */
    let unshown: string | null = null;
    let commands = 0;
    for (const b of codeBlocks(md)) {
      if (b.lang === "sh") {
        for (const line of tasklabLines(b.text)) {
          expect(unshown, "every command is followed by a text block of what it prints").toBeNull();
          const args = tasklabArgs(line).filter((a, i, all) => a !== "-o" && all[i - 1] !== "-o");
          const r = await capture(args);
          expect(r.code, line).toBe(0);
          last = r.lines;
          unshown = line;
          commands++;
        }
      } else if (b.lang === "text") {
        expect(last, "a text block follows a command").not.toBeNull();
        for (const l of b.text.trimEnd().split("\n")) expect(last, l).toContain(l.trimEnd());
        unshown = null;
      }
    }
    expect(unshown, "every command is followed by a text block of what it prints").toBeNull();
    expect(commands).toBeGreaterThan(0);
  });
});
