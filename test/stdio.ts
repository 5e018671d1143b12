/**
 * What the code under test writes to stdout and stderr, captured around every test of the
 * file that imports this (live bindings: `out` and `err` are always the current text).
 */
import { afterEach, beforeEach, vi } from "vitest";

export let out = "";
export let err = "";

/** Forgets what was written so far (between two commands of one test). */
export function clearOutput(): void {
  out = "";
  err = "";
}

beforeEach(() => {
  clearOutput();
  process.exitCode = undefined;
  vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
