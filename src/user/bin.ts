/**
 * The executables every machine's file system has: /bin/true, /bin/false, and a /bin/sh
 * that understands `sh -c "prog args"` the way dash runs a simple command (vfork, execve,
 * wait, exit with the child's status).
 */

import { knownCode } from "../sim/code.js";
import type { UserMain } from "./user.js";

const bin_true: UserMain = function* bin_true() {
  return 0;
};

const bin_false: UserMain = function* bin_false() {
  return 1;
};

const bin_sh: UserMain = function* sh(u, argv) {
  if (argv[1] !== "-c" || argv[2] === undefined) return 2;
  const words = argv[2]
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  if (words.length === 0) return 0;
  const [cmd] = words as [string];
  const path = cmd.includes("/") ? cmd : `/bin/${cmd}`;
  const pid = yield* u.libc.vfork();
  if (pid === 0) {
    yield* u.sys.execve(path, words, []);
    yield* u.sys.exit_group(127);
  }
  if (pid < 0) return 2;
  const status = u.alloca(8);
  yield* u.libc.waitpid_retry(pid, status, 0);
  const s = (yield* u.load(status)) as number;
  return s & 0x7f ? 128 + (s & 0x7f) : (s >> 8) & 0xff;
};

/** The built-in file system: absolute path → program. */
export const BIN: Readonly<Record<string, UserMain>> = {
  "/bin/true": bin_true,
  "/bin/false": bin_false,
  "/bin/sh": bin_sh,
};

// Saved states name the built-in programs (src/sim/code.ts).
knownCode(...Object.values(BIN));
