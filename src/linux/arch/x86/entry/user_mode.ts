/**
 * User mode: how the CPU runs a task's user program. A user program is a generator function;
 * it does nothing to the machine itself, it yields requests (a system call, a load or
 * store of user memory, a stretch of computation) and the CPU, here, carries them out:
 * system calls through do_syscall_64, memory accesses through the page tables (with
 * page faults), and on every return from the kernel the exit-to-user work (reschedule,
 * signals, restarting an interrupted call).
 *
 * fork() copies a running program. Under the frame runtime the program is a chain of frames
 * and the child gets a copy of it (the user layer's copy: src/user/program_copy.ts). A JS
 * generator cannot be copied (a program the frames transform never saw, or the generator
 * runtime): that child is rebuilt by replay: every request's result is logged, and the child
 * runs the parent's program from its start, fed the logged results without carrying the
 * requests out, up to the fork, which returns 0 to it. Locals are thus the child's own copy
 * (its stack), as in C; what tasks share lives in user memory. Programs must be deterministic
 * (the model is) and keep their state in locals and user memory, not in outer variables.
 * A thread started by the C library (pthread_create, posix_spawn's child) begins at its
 * start routine on its own stack, with nothing to replay.
 *
 * What this file needs of user space (a thread's context, the copy of a program) the user
 * layer installs: UserAbi.
 * Size: just over 400 lines: the request loop, exit_to_user_mode and the replay log it feeds are one mechanism.
 */

import { stateClass } from "../../../../sim/code.js";
import { activeEngine, type KGen } from "../../../../sim/engine.js";
import { shownValue } from "../../../../sim/suggest.js";
import {
  EINTR,
  EINVAL,
  ERESTART_RESTARTBLOCK,
  ERESTARTNOHAND,
  ERESTARTNOINTR,
  ERESTARTSYS,
} from "../../../include/errno.js";
import { TIF_NEED_RESCHED, TIF_SIGPENDING } from "../../../include/sched.js";
import { SA_RESTART, SIG_DFL, SIG_IGN, SIGKILL, SIGNAL_UNKILLABLE, SIGSEGV } from "../../../include/signal.js";
import type { task_struct } from "../../../include/task_struct.js";
import { do_group_exit } from "../../../kernel/exit.js";
import { task_active_pid_ns, task_pid_nr_ns } from "../../../kernel/pid.js";
import { schedule } from "../../../kernel/sched/core.js";
import { get_signal, send_signal, sighandActionMut } from "../../../kernel/signal.js";
import { set_current_blocked } from "../../../kernel/signal_mask.js";
import { do_signal_stop, getSignalJobctl } from "../../../kernel/signal_stop.js";
import { put_user, readUser, spend, writeUser } from "../../../mm/memory.js";
import { __NR, do_syscall_64 } from "./syscall_64.js";

/** What a user program asks of the CPU. */
export type UserOp =
  | { op: "syscall"; nr: number; args: readonly unknown[]; entry?: Entry }
  | { op: "load"; addr: number }
  | { op: "store"; addr: number; val: number | string }
  | { op: "compute"; ns: number };

export type UGen<R = unknown> = Generator<UserOp, R, unknown>;

/**
 * Where a task's user code starts: a function and its argument. The function is handed the
 * thread's context (the user layer's User: its libc, errno and stack) and the argument.
 */
export interface Entry {
  fn: (u: never, arg: never) => UGen<unknown>;
  arg: unknown;
  /** The top of the stack it runs on (where its locals, u.alloca, go). */
  stack_top: number;
  /** The thread pointer (TLS): the C library's struct pthread of this thread. */
  tp: number;
}

/** The logged results of a program's requests, sharing the prefix it was forked from. */
class ReplayLog {
  private readonly own: unknown[] = [];
  private readonly kinds: number[] = [];
  constructor(
    private readonly base: ReplayLog | null,
    private readonly baseLen: number,
  ) {}

  get length(): number {
    return this.baseLen + this.own.length;
  }

  push(kind: number, v: unknown): void {
    this.own.push(v);
    this.kinds.push(kind);
  }

  value(i: number): unknown {
    return i < this.baseLen ? (this.base as ReplayLog).value(i) : this.own[i - this.baseLen];
  }

  kind(i: number): number {
    return i < this.baseLen ? (this.base as ReplayLog).kind(i) : (this.kinds[i - this.baseLen] as number);
  }
}

/** A task's user-mode state: its program, where it is, and what is left to replay. */
export interface UserState {
  entry: Entry;
  log: ReplayLog;
  /** Requests answered from the log before the program runs live. */
  replay: number;
  gen: UGen<unknown> | null;
  /** What the program was handed (its libc, errno, stack: see UserAbi.context), once it runs. */
  user: object | null;
  /** The next result to feed the program. */
  input: unknown;
  /** Set for the duration of a clone made by the C library's stub: where the child starts. */
  childEntry: Entry | null;
  /** The kind of the request being carried out (the clone a child is forked at). */
  kind: number;
}

/**
 * What the CPU needs of the user layer, which installs it at load (registerUserAbi), as a
 * binary format registers itself with exec: the kernel side never imports user space.
 */
export interface UserAbi {
  /** The context a thread's entry is handed, for a thread with this stack top and thread pointer. */
  context(stack_top: number, tp: number): object;
  /**
   * A fork child's copy of a suspended program and of its context; null for a program the
   * frames transform never saw; else why a compiled program cannot be copied (then it is replayed).
   */
  copy(gen: UGen<unknown>, ctx: object): { gen: UGen<unknown>; user: object } | string | null;
}

let abi: UserAbi | null = null;

/**
 * tasklab's own: installs the user layer's ABI (src/user/abi.ts); code, not machine state: one
 * for every machine.
 */
export function registerUserAbi(a: UserAbi): void {
  abi = a;
}

/** tasklab's own: the installed user layer ABI. */
function userAbi(): UserAbi {
  if (abi === null) throw new Error("no user ABI registered (import src/user/abi.ts)");
  return abi;
}

/**
 * An executable as exec loads it: its entry point (the C library's start-up in every binary
 * of the model) and the program that entry runs, handed to it with argv.
 */
export interface UserBinary {
  entry: (u: never, arg: { main: never; argv: string[] }) => UGen<unknown>;
  main: unknown;
}

function kindOf(op: UserOp): number {
  switch (op.op) {
    case "syscall":
      return op.nr;
    case "load":
      return -1;
    case "store":
      return -2;
    case "compute":
      return -3;
  }
}

function newState(entry: Entry, log: ReplayLog, replay: number): UserState {
  return { entry, log, replay, gen: null, user: null, input: undefined, childEntry: null, kind: 0 };
}

/**
 * copy_thread's user half: the child of a clone from user mode (task p's) starts where the C
 * library's stub said, or else continues a copy of the parent's program, or, when that cannot
 * be copied, the parent's program replayed up to the clone (which returns 0 to it). The log
 * goes on either way: a later fork of a program that can no longer be copied replays it.
 */
export function forkUserState(p: task_struct, parent: UserState): UserState {
  if (parent.childEntry !== null) return newState(parent.childEntry, new ReplayLog(null, 0), 0);
  const at = parent.log.length;
  const log = new ReplayLog(parent.log, at);
  log.push(parent.kind, 0);
  const copy = parent.gen === null || parent.user === null ? null : userAbi().copy(parent.gen, parent.user);
  if (copy !== null && typeof copy !== "string") {
    const st = newState(parent.entry, log, 0);
    st.gen = copy.gen;
    st.user = copy.user;
    st.input = 0;
    return st;
  }
  // A compiled program that cannot be copied is worth a word: its forks cost its whole past.
  if (typeof copy === "string")
    activeEngine().report({ kind: "note", title: `${p.comm}[${p.pid}]: fork replays the program: ${copy}`, lines: [] });
  return newState(parent.entry, log, at + 1);
}

/**
 * start_thread: the new program of an execve starts at its entry point, on a fresh stack,
 * with nothing to replay.
 */
export function start_thread(tsk: task_struct, entry: Entry): void {
  tsk.user = newState(entry, new ReplayLog(null, 0), 0);
}

// The user-side cost of the code between two requests, and how long a compute runs before
// the CPU checks for interrupts.
const USER_STEP = "user_step";
const COMPUTE_SLICE = 100_000;

/** tasklab's own: runs user code for `ns`: preemptible at every tick, as user mode is. */
function* userTime(p: task_struct, ns: number): KGen<void> {
  let left = ns;
  while (left > 0) {
    const slice = left > COMPUTE_SLICE ? COMPUTE_SLICE : left;
    p.thread.user_mode = true;
    yield* spend(slice);
    p.thread.user_mode = false;
    left -= slice;
    // The return from an interrupt: a signal (a fatal one ends the task here) or a reschedule.
    if (left > 0 && p.ti_flags & (TIF_SIGPENDING | TIF_NEED_RESCHED)) yield* exit_to_user_mode(p, 0);
  }
}

/**
 * exit_to_user_mode: on the way out of the kernel, reschedule if asked, then take
 * pending signals (a fatal one ends the group here; a stop signal stops the group until
 * SIGCONT; a caught one interrupts the call). After a stop, get_signal starts over
 * (relock) whether or not a signal is pending: the parent is told of the continue.
 * Returns the call's final result, or RESTART when it is to be made again.
 */
const RESTART = Symbol("restart");
/** Made again as restart_syscall(), which resumes from the task's restart_block. */
const RESTART_BLOCK = Symbol("restart_syscall");
const RESTART_SYSCALL: UserOp = { op: "syscall", nr: __NR.restart_syscall, args: [] };
function* exit_to_user_mode(p: task_struct, res: unknown): KGen<unknown> {
  let handled = false;
  /** The handler that ran was installed with SA_RESTART: an -ERESTARTSYS call is made again. */
  let restart = false;
  let relock = false;
  for (;;) {
    if (p.ti_flags & TIF_NEED_RESCHED) {
      yield* schedule();
      continue;
    }
    if (relock || p.ti_flags & TIF_SIGPENDING) {
      relock = yield* getSignalJobctl(p);
      if (relock) continue;
      const a = get_signal(p);
      if (a.kind === "fatal") yield* do_group_exit(a.code);
      if (a.kind === "stop") relock = yield* do_signal_stop(a.sig);
      if (a.kind === "handled") {
        handled = true;
        restart = ((p.sighand?.sa_flags[a.sig - 1] ?? 0) & SA_RESTART) !== 0;
      }
      continue;
    }
    if (p.saved_sigmask !== null) {
      // restore_saved_sigmask: back to the mask the interrupted call replaced; a signal it
      // unblocks is then taken on this same way out.
      const saved = p.saved_sigmask;
      p.saved_sigmask = null;
      yield* set_current_blocked(p, saved);
      continue;
    }
    break;
  }
  if (res === -ERESTARTNOINTR) return RESTART;
  if (res === -ERESTARTSYS) return handled && !restart ? -EINTR : RESTART;
  if (res === -ERESTARTNOHAND) return handled ? -EINTR : RESTART;
  if (res === -ERESTART_RESTARTBLOCK) return handled ? -EINTR : RESTART_BLOCK;
  return res;
}

/** force_sig: a fault the program caused; an ignored signal is made deadly again. */
function* force_sig(p: task_struct, sig: number): KGen<void> {
  if (p.sighand !== null && p.sighand.action[sig - 1] === SIG_IGN) sighandActionMut(p.sighand)[sig - 1] = SIG_DFL;
  // force_sig_info_to_task: a namespace init gets no protection from its own faults.
  if (p.sighand?.action[sig - 1] === SIG_DFL) p.signal.flags &= ~SIGNAL_UNKILLABLE;
  yield* send_signal(sig, p, false, true);
}

/** Carries out one request. */
function* perform(p: task_struct, st: UserState, op: UserOp): KGen<unknown> {
  switch (op.op) {
    case "syscall": {
      st.childEntry = op.entry ?? null;
      const r = yield* do_syscall_64(op.nr, op.args);
      st.childEntry = null;
      return r;
    }
    case "load": {
      const v = p.mm === null ? null : readUser(p.mm, op.addr);
      if (v === null) {
        segfault(p, op.addr, "read");
        yield* force_sig(p, SIGSEGV);
        return 0;
      }
      return v;
    }
    case "store": {
      const r = p.mm === null ? "segv" : yield* writeUser(p.mm, op.addr, op.val);
      if (r === "segv") {
        segfault(p, op.addr, "write");
        yield* force_sig(p, SIGSEGV);
      } else if (r === "oom") {
        yield* force_sig(p, SIGKILL);
      }
      return undefined;
    }
    case "compute":
      // A time that is no time is refused as a system call refuses a bad argument.
      if (typeof op.ns !== "number" || !(op.ns >= 0 && op.ns < Number.POSITIVE_INFINITY)) return -EINVAL;
      yield* userTime(p, op.ns);
      return 0;
  }
}

/** show_signal_msg: the line the kernel logs for a user segfault. */
function segfault(p: task_struct, addr: number, access: string): void {
  activeEngine().report({
    kind: "segfault",
    title: `${p.comm}[${p.pid}]: segfault at ${Number.isSafeInteger(addr) ? addr.toString(16) : String(addr)} (${access})`,
    lines: [],
  });
}

const OPS = new Set(["syscall", "load", "store", "compute"]);

/** Whether a program yielded a request (one of UserOp's), as u.sys, u.libc and u.load/store/compute make them. */
function isRequest(op: unknown): op is UserOp {
  return typeof op === "object" && op !== null && OPS.has((op as { op?: unknown }).op as string);
}

/**
 * tasklab's own: a program that breaks the model's rules (throws, or differs on replay) gets a
 * report and a SIGSEGV.
 */
function* programBug(p: task_struct, why: string): KGen<never> {
  activeEngine().report({ kind: "segfault", title: `${p.comm}[${p.pid}]: ${why}`, lines: [] });
  // force_fatal_sig: the program cannot go on (its generator is finished or lost), whatever
  // handler SIGSEGV has.
  yield* do_group_exit(SIGSEGV);
  throw new Error("do_group_exit returned");
}

/** tasklab's own: runs the program up to its next request: what it yielded or returned, or why it threw. */
function programNext(gen: UGen<unknown>, input: unknown): IteratorResult<UserOp, unknown> | string {
  try {
    return gen.next(input);
  } catch (err) {
    return `program threw: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * tasklab's own: the CPU in user mode for task p: runs the program between requests, carries each
 * request out (or answers it from the replay log), and goes through exit_to_user_mode
 * after each. Never returns: the program leaves through exit or exit_group.
 */
export function* runUser(p: task_struct): KGen<never> {
  for (;;) {
    const st = p.user as UserState;
    if (st.gen === null) {
      st.user = userAbi().context(st.entry.stack_top, st.entry.tp);
      st.gen = st.entry.fn(st.user as never, st.entry.arg as never);
    }
    const live = st.replay === 0;
    if (live) yield* userTime(p, activeEngine().costOfName(USER_STEP));
    const r = programNext(st.gen, st.input);
    if (typeof r === "string") {
      yield* programBug(p, r);
      continue;
    }
    if (r.done) {
      yield* programBug(p, "returned from its entry function without exiting");
      continue;
    }
    const op = r.value;
    if (!isRequest(op)) {
      yield* programBug(
        p,
        `program yielded ${shownValue(op)}, which is no request (yield* the u.sys, u.libc or u calls)`,
      );
      continue;
    }
    if (!live) {
      const i = st.log.length - st.replay;
      if (st.log.kind(i) !== kindOf(op)) {
        yield* programBug(p, "replay of the forked program diverged (it is not deterministic)");
        continue;
      }
      st.input = st.log.value(i);
      st.replay--;
      continue;
    }
    st.kind = kindOf(op);
    let res: unknown;
    let call = op;
    for (;;) {
      res = yield* perform(p, st, call);
      if (p.user !== st) break; // execve: a new program, nothing to log
      res = yield* exit_to_user_mode(p, res);
      if (res === RESTART_BLOCK) call = RESTART_SYSCALL;
      else if (res !== RESTART) break;
    }
    if (p.user !== st) continue;
    st.log.push(kindOf(op), res);
    st.input = res;
  }
}

/**
 * schedule_tail's user half, then user mode: a forked task first writes its own tid
 * where CLONE_CHILD_SETTID asked, then returns to its program with the result 0.
 */
export function* scheduleTailUser(p: task_struct): KGen<never> {
  if (p.set_child_tid !== 0) {
    const ns = task_active_pid_ns(p);
    yield* put_user(ns === null ? p.pid : task_pid_nr_ns(p, ns), p.mm, p.set_child_tid);
  }
  yield* exit_to_user_mode(p, 0);
  return yield* runUser(p);
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("ReplayLog", ReplayLog);
