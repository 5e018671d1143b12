/**
 * The files the CLI reads from and writes to for the user: read with a bound on their size
 * and one line saying why not; written whole or not at all (a temporary file in the same
 * directory, then renamed over the target).
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { SchemaError } from "../schema.js";
import { UsageError } from "./options.js";

const WHY: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "name too long",
};

/** The reason a file operation failed, in a few words. */
export function why(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code !== undefined && WHY[code] !== undefined) return WHY[code];
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] as string;
}

/** A file's bytes, at most `max` of them (a larger file is refused unread). */
export function readInput(path: string, max: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${why(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`cannot read '${path}': is a directory`);
    if (st.size > max) throw new UsageError(`'${path}' is ${st.size} bytes: more than such a file can be (${max})`);
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < buf.length) {
      const k = readSync(fd, buf, n, buf.length - n, n);
      if (k === 0) break;
      n += k;
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read '${path}': ${why(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** Reads and checks a tasklab JSON file: `parse` throws SchemaError, which becomes "FILE: what is wrong". */
export function readChecked<T>(path: string, max: number, parse: (text: string) => T): T {
  const text = readInput(path, max).toString("utf8");
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof SchemaError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Refuses, before any work is done, an output path that cannot be written: a directory, or one in no directory. */
export function checkOutput(path: string): void {
  const fail = (reason: string) => {
    throw new UsageError(`cannot write '${path}': ${reason}`);
  };
  try {
    if (statSync(path).isDirectory()) fail("is a directory");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as { code?: string }).code !== "ENOENT") fail(why(e));
  }
  try {
    if (!statSync(dirname(path)).isDirectory()) fail("its directory is not a directory");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    fail(`no directory '${dirname(path)}' (${why(e)})`);
  }
}

/** Writes `text` to `path` whole, or leaves `path` as it was and says why (UsageError). */
export function writeOutput(path: string, text: string): void {
  checkOutput(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // not created
    }
    throw new UsageError(`cannot write '${path}': ${why(e)}`);
  }
}
