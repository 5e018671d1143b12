/** Reading the code blocks of the project's Markdown and running its commands, for the tests that keep the docs true. */
import { vi } from "vitest";
import { main } from "../src/cli/main.js";

export interface Block {
  lang: string;
  text: string;
}

/** Every fenced code block of a Markdown text, in order. */
export function codeBlocks(markdown: string): Block[] {
  const out: Block[] = [];
  let current: string[] | null = null;
  let lang = "";
  for (const line of markdown.split("\n")) {
    if (current === null && line.startsWith("```")) {
      current = [];
      lang = line.slice(3).trim();
    } else if (current !== null && line === "```") {
      out.push({ lang, text: `${current.join("\n")}\n` });
      current = null;
    } else if (current !== null) {
      current.push(line);
    }
  }
  return out;
}

/** The arguments of a `npx tasklab ...` line, split as the shell would (double quotes kept together). */
export function tasklabArgs(line: string): string[] {
  return (line.slice("npx tasklab ".length).match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"(.*)"$/, "$1"));
}

/** The `npx tasklab` command lines of a shell block (comments dropped). */
export function tasklabLines(sh: string): string[] {
  return sh
    .split("\n")
    .map((l) => l.replace(/\s#.*$/, "").trim())
    .filter((l) => l.startsWith("npx tasklab "));
}

/** What `tasklab ARGS` prints (stdout and stderr, lines without trailing blanks) and its exit status. */
export async function capture(args: string[]): Promise<{ code: number; lines: string[] }> {
  let out = "";
  const grab = (s: string | Uint8Array) => {
    out += String(s);
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(grab);
  vi.spyOn(process.stderr, "write").mockImplementation(grab);
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, lines: out.split("\n").map((l) => l.trimEnd()) };
}
