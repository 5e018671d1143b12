/**
 * Golden files: `text` must equal the file line by line. UPDATE_GOLDEN=1 (re)writes the file
 * instead; a missing file is a failure, not a new golden (a run must never bless itself).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export function expectGolden(file: URL, text: string, label = ""): void {
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(fileURLToPath(file)), { recursive: true });
    writeFileSync(file, text);
  }
  expect(existsSync(file), `no golden file ${fileURLToPath(file)}: write it with UPDATE_GOLDEN=1`).toBe(true);
  const want = readFileSync(file, "utf8").split("\n");
  const got = text.split("\n");
  for (let i = 0; i < Math.max(want.length, got.length); i++) expect(got[i], `${label}line ${i + 1}`).toBe(want[i]);
}
