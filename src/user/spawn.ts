/**
 * How a scenario starts a user program: as init starts one, a child of the calling kernel
 * task (pid 1, where a scenario's main runs) that execs the file. The kernel side is
 * user_mode_thread (before 6.1: kernel_thread) + kernel_execve, as the kernel's own
 * user-mode helpers do.
 */

import { runUser } from "../linux/arch/x86/entry/user_mode.js";
import { kernel_execve } from "../linux/fs/exec.js";
import { current } from "../linux/include/current.js";
import { SIGCHLD } from "../linux/include/signal.js";
import { do_exit } from "../linux/kernel/exit.js";
import { kernel_wait } from "../linux/kernel/exit_wait.js";
import { userThread } from "../linux/kernel/fork.js";
import type { KGen } from "../sim/engine.js";
import { kfunc } from "../sim/functions.js";

interface ExecRequest {
  path: string;
  argv: string[];
}

/** The new task's kernel half: exec the program, then return to user mode in it. */
const call_usermodehelper_exec_async = kfunc(function* call_usermodehelper_exec_async(req: ExecRequest) {
  const err = yield* kernel_execve(req.path, req.argv);
  if (err < 0) yield* do_exit((-err & 0xff) << 8);
  return yield* runUser(current());
});

/** Starts `path` with `argv` (default: just the path) as a child process; returns its pid or a negative errno. */
export function* spawn_program(path: string, argv: readonly string[] = [path]): KGen<number> {
  return yield* userThread(
    call_usermodehelper_exec_async as (arg: unknown) => KGen<number>,
    { path, argv: [...argv] },
    SIGCHLD,
  );
}

/** Waits for child `pid` to exit and reaps it; returns its wait status, or a negative errno. */
export function* wait_program(pid: number): KGen<number> {
  const r = yield* kernel_wait(pid);
  return r.pid < 0 ? r.pid : r.status;
}
