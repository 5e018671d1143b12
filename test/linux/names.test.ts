/**
 * snake_case in src/linux/ means Linux has it: every snake_case function src/linux/ defines is
 * in test/linux/linux-symbols.txt (names checked in Linux trees, see its header), or an era
 * variant `<linux_name>_e<N>`, `<linux_name>_e<N>_e<M>`, `<linux_name>_<version>` of one. A
 * helper of tasklab's own gets a camelCase name (tools/rename-snake.mjs holds the renames).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
/** snake_case: lower case with an underscore, leading ones included (__schedule). */
const SNAKE = /^(?=.*_)_*[a-z][a-z0-9_]*$/;
const ERA_VARIANT = /^(.+?)_(e\d+(?:_e\d+)?|\d{2,3})$/;
const ID = "[A-Za-z_$][\\w$]*";

/** How src/linux/ defines a function, each capturing its name (in a line that is not a comment). */
const DEFINITIONS = [
  new RegExp(`\\bfunction\\s*\\*?\\s*(${ID})\\s*[<(]`, "g"), // function, function*, nested, a kfunc's inner name
  new RegExp(`\\b(?:const|let)\\s+(${ID})\\s*=\\s*(?:kfunc|kleaf|ksync|irqTimerFn)\\s*\\(`, "g"), // wrapper consts
  new RegExp(`\\b(?:const|let)\\s+(${ID})\\s*=\\s*(?:async\\s*)?(?:\\([^)]*\\)|${ID})\\s*(?::[^=;]+)?=>`, "g"), // arrows
];
/** `const a = b;` where b is a function: an alias is a definition too (__set_current_state). */
const ALIAS = new RegExp(`\\b(?:const|let)\\s+(${ID})\\s*=\\s*(${ID})\\s*;`, "g");

interface Definition {
  name: string;
  where: string;
}

/** The functions a source text defines, with their lines. */
function definitions(text: string, file: string): Definition[] {
  const found: Definition[] = [];
  const aliases: [string, string, string][] = [];
  text.split("\n").forEach((line, i) => {
    const t = line.trim();
    if (t.startsWith("//") || t.startsWith("*") || t.startsWith("/*")) return;
    const where = `${file}:${i + 1}`;
    for (const re of DEFINITIONS) for (const m of line.matchAll(re)) found.push({ name: m[1] as string, where });
    for (const m of line.matchAll(ALIAS)) aliases.push([m[1] as string, m[2] as string, where]);
  });
  const functions = new Set(found.map((d) => d.name));
  for (const [name, of, where] of aliases) if (functions.has(of)) found.push({ name, where });
  return found;
}

/** The .ts files under dir, sorted. */
function sources(dir: string): string[] {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  return files.sort().map((f) => join(dir, f));
}

/** The snake_case definitions that are neither a Linux name nor an era variant of one. */
function notLinux(defs: readonly Definition[], linux: ReadonlySet<string>): string[] {
  const defined = new Set(defs.map((d) => d.name));
  const isLinux = (name: string) => linux.has(name);
  const bad = defs.filter(({ name }) => {
    if (!SNAKE.test(name) || isLinux(name)) return false;
    const base = ERA_VARIANT.exec(name)?.[1];
    // The base of a variant is a Linux name, or a one-word Linux function the model defines (kthread).
    return !(base !== undefined && (isLinux(base) || (/^[a-z]+$/.test(base) && defined.has(base))));
  });
  return bad.map((d) => `${d.where}: ${d.name}`);
}

const linuxSymbols = new Set(
  readFileSync(join(ROOT, "test/linux/linux-symbols.txt"), "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#")),
);

describe("names in src/linux/", () => {
  const defs = sources(join(ROOT, "src/linux")).flatMap((f) => definitions(readFileSync(f, "utf8"), relative(ROOT, f)));

  it("every snake_case function is a Linux name (test/linux/linux-symbols.txt) or an era variant of one", () => {
    expect(notLinux(defs, linuxSymbols)).toEqual([]);
  });

  it("the scan sees the model's functions, its era variants and its camelCase helpers", () => {
    const names = new Set(defs.map((d) => d.name));
    for (const n of ["copy_process", "kthreadd", "kthread_e1", "wakeup_preempt_68", "__set_current_state", "forkBody"])
      expect(names.has(n), n).toBe(true);
    expect(defs.length).toBeGreaterThan(600);
  });

  it("the list is sorted, one name a line, each snake_case", () => {
    const list = [...linuxSymbols];
    expect(list).toEqual([...list].sort());
    expect(list.filter((n) => !SNAKE.test(n))).toEqual([]);
  });

  it("finds a tasklab name in each shape of definition, and lets era variants of Linux names through", () => {
    const src = [
      "function* fork_body(a) {}",
      "export function kthread_fields<T>(p: T) {}",
      "const daemon_thread = kfunc(function* daemonThread(d) {});",
      "const new_ns = (kind: Kind): ns | null => null;",
      "const wait_for = x => x;",
      "  function nested_helper() {}",
      "const timeout_irq = irqTimerFn(process_timeout);",
      "export const alias_of = fork_body;",
      "// function commented_out() {}",
      "const kthread_e1 = kfunc(function* kthread(c) {});",
      "const kthread_stop_e1 = 1; function* kthread_stop_e1f() {}",
      "const wakeup_preempt_68 = ksync(function wakeup_preempt(rq) {});",
      "function copy_process() {}",
    ].join("\n");
    expect(notLinux(definitions(src, "x.ts"), new Set(["copy_process", "wakeup_preempt", "kthread_stop"]))).toEqual([
      "x.ts:1: fork_body",
      "x.ts:2: kthread_fields",
      "x.ts:3: daemon_thread",
      "x.ts:4: new_ns",
      "x.ts:5: wait_for",
      "x.ts:6: nested_helper",
      "x.ts:7: timeout_irq",
      "x.ts:11: kthread_stop_e1f",
      "x.ts:8: alias_of",
    ]);
  });
});
