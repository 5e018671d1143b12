/**
 * Golden files: `text` must equal the file line by line. UPDATE_GOLDEN=1 — exactly "1", no
 * other value — (re)writes a file that differs instead, and says which; a missing file is a
 * failure, not a new golden (a run must never bless itself).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export function expectGolden(file: URL, text: string, label = ""): void {
  const path = fileURLToPath(file);
  if (process.env.UPDATE_GOLDEN === "1" && !(existsSync(file) && readFileSync(file, "utf8") === text)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(file, text);
    console.log(`UPDATE_GOLDEN=1: rewrote ${path}`);
  }
  expect(existsSync(file), `no golden file ${path}: write it with UPDATE_GOLDEN=1`).toBe(true);
  const want = readFileSync(file, "utf8").split("\n");
  const got = text.split("\n");
  for (let i = 0; i < Math.max(want.length, got.length); i++) expect(got[i], `${label}line ${i + 1}`).toBe(want[i]);
}
