/**
 * State files for the CLI (`--save-state-at`, `--from-state`; docs/STATE-FORMAT.md): written
 * atomically, read and loaded with every failure a one-line usage error (exit 2).
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { stateTarget } from "../explore/from-state.js";
import type { Target } from "../explore/schedule.js";
import type { Machine } from "../machine.js";
import { SnapshotError } from "../snapshot.js";
import { loadState, StateError, saveState } from "../state/file.js";
import { readInput, sha256 } from "./files.js";
import { UsageError } from "./options.js";

/** Writes a machine's state into `file` atomically (a temporary file renamed): never half a file. */
export function writeStateFile(file: string, m: Machine): void {
  let text: string;
  try {
    text = saveState(m);
  } catch (e) {
    if (e instanceof SnapshotError) throw new UsageError(`--save-state-at: ${e.message}`);
    throw e;
  }
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UsageError(`--save-state-at: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** The text of a state file, and a loader of fresh machines from it (the first load checks it). */
export function openStateFile(file: string): { first: Machine; load: () => Machine } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`--from-state: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const load = () => {
    try {
      return loadState(text);
    } catch (e) {
      if (e instanceof StateError) throw new UsageError(`--from-state ${file}: ${e.message}`);
      throw e;
    }
  };
  return { first: load(), load };
}

/**
 * The explorer's target for `explore --from-state FILE`: the file read (at most `max` bytes),
 * loaded once to check it, named by its absolute path and sha256. One-line errors (exit 2).
 */
export function exploreStateTarget(file: string, max: number): Target {
  const bytes = readInput(file, max);
  return stateTarget(resolve(file), bytes.toString("utf8"), sha256(bytes));
}
