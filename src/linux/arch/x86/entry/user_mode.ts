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
 * Size: about 520 lines: the request loop, exit_to_user_mode with the signal handlers it
 * starts and returns from, and the fork replay log they feed are one mechanism; the signal
 * frame itself is arch/x86/kernel/signal.ts.
 */

import { knownTable, stateClass } from "../../../../sim/code.js";
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
import { get_signal, handlerCode, send_signal, sighandActionMut } from "../../../kernel/signal.js";
import { set_current_blocked } from "../../../kernel/signal_mask.js";
import { do_signal_stop, getSignalJobctl } from "../../../kernel/signal_stop.js";
import { put_user, readUser, spend, writeUser } from "../../../mm/memory.js";
import { handle_signal, rt_sigreturn, type SigFrame, type SignalHandler } from "../kernel/signal.js";
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
  /** The kind of the program's request being carried out (the clone a child is forked at); null once its result is logged. */
  kind: number | null;
  /** The frames of the signal handlers running, innermost last (arch/x86/kernel/signal.ts). */
  frames: SigFrame[];
}

/**
 * What the CPU needs of the user layer, which installs it at load (registerUserAbi), as a
 * binary format registers itself with exec: the kernel side never imports user space.
 */
export interface UserAbi {
  /** The context a thread's entry is handed, for a thread with this stack top and thread pointer. */
  context(stack_top: number, tp: number): object;
  /**
   * A fork child's copy of a suspended program (with the handlers it is running: their
   * generators, in one copy; null entries stay null) and of its context; null for a program
   * the frames transform never saw; else why a compiled program cannot be copied (then it is replayed).
   */
  copy(gens: (UGen<unknown> | null)[], ctx: object): { gens: (UGen<unknown> | null)[]; user: object } | string | null;
  /** The thread's stack pointer (where a signal frame goes below). */
  sp(ctx: object): number;
  set_sp(ctx: object, sp: number): void;
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
  return { entry, log, replay, gen: null, user: null, input: undefined, childEntry: null, kind: null, frames: [] };
}

/** A fork made inside a signal handler of a program that cannot be copied: it cannot be replayed either. */
const UNREPLAYABLE = -1;

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
  // A fork inside a handler is no request of the program's (the replay log is the program's).
  const inHandler = parent.frames.length > 0;
  if (!inHandler) log.push(parent.kind as number, 0);
  const gens = [parent.gen, ...parent.frames.map((f) => f.gen)];
  const copy = parent.gen === null || parent.user === null ? null : userAbi().copy(gens, parent.user);
  if (copy !== null && typeof copy !== "string") {
    const st = newState(parent.entry, log, 0);
    st.gen = copy.gens[0] as UGen<unknown>;
    st.frames = parent.frames.map((f, i) => ({ ...f, gen: copy.gens[i + 1] as UGen<unknown> | null }));
    st.user = copy.user;
    st.input = 0;
    return st;
  }
  if (inHandler) return newState(parent.entry, log, UNREPLAYABLE);
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

/**
 * A marker among results (the call is to be made again, a handler runs first...): a frozen
 * object no request returns, named for saved states (a kernel frame may hold one across a
 * switch), where a symbol could not be saved.
 */
function sentinel(name: string): object {
  const o = Object.freeze({ sentinel: name });
  knownTable(`user_mode:${name}`, o);
  return o;
}

/** userTime's input for a compute request: what a handler interrupts is the rest of the compute. */
const COMPUTE = sentinel("compute");

/**
 * tasklab's own: runs user code for `ns`: preemptible at every tick, as user mode is. A handler set up on
 * the way back from an interrupt runs first (HANDLER): after it, the rest of a compute is
 * made again, or the program (between two requests) gets `input` as it would have.
 */
function* userTime(p: task_struct, ns: number, input: unknown = COMPUTE): KGen<unknown> {
  let left = ns;
  while (left > 0) {
    const slice = left > COMPUTE_SLICE ? COMPUTE_SLICE : left;
    p.thread.user_mode = true;
    yield* spend(slice);
    p.thread.user_mode = false;
    left -= slice;
    // The return from an interrupt: a signal (a fatal one ends the task here) or a reschedule.
    if (left > 0 && p.ti_flags & (TIF_SIGPENDING | TIF_NEED_RESCHED)) {
      const r =
        input === COMPUTE
          ? yield* exit_to_user_mode(p, -ERESTARTNOINTR, { op: "compute", ns: left })
          : yield* exit_to_user_mode(p, input, null);
      if (r === HANDLER) return HANDLER;
    }
  }
  return undefined;
}

/**
 * exit_to_user_mode: on the way out of the kernel, reschedule if asked, then take
 * pending signals (a fatal one ends the group here; a stop signal stops the group until
 * SIGCONT; a caught one with code sets up its handler's frame, the call it interrupted
 * settled first; one whose handler has no code interrupts the call). After a stop,
 * get_signal starts over (relock) whether or not a signal is pending: the parent is told
 * of the continue. Returns the call's final result, RESTART when it is to be made again,
 * or HANDLER when a handler is to run first (its frame has the rest).
 */
const RESTART = sentinel("restart");
/** Made again as restart_syscall(), which resumes from the task's restart_block. */
const RESTART_BLOCK = sentinel("restart_syscall");
/** A handler is to run now (the program's generator is its, st.input its first). */
const HANDLER = sentinel("handler");
const RESTART_SYSCALL: UserOp = { op: "syscall", nr: __NR.restart_syscall, args: [] };

/**
 * handle_signal's fix-up of the interrupted call, for the first handler: -EINTR, or the
 * call made again after the handler (-ERESTARTNOINTR; -ERESTARTSYS with SA_RESTART).
 * Under a handler already set up, what the new one resumes is that handler's start.
 */
function settle(res: unknown, flags: number, call: UserOp | null): SigFrame["resume"] {
  if (res === HANDLER) return { value: undefined };
  if (call !== null) {
    if (res === -ERESTARTNOINTR || (res === -ERESTARTSYS && flags & SA_RESTART)) return { call };
    if (res === -ERESTARTSYS || res === -ERESTARTNOHAND || res === -ERESTART_RESTARTBLOCK) return { value: -EINTR };
  }
  return { value: res };
}

function* exit_to_user_mode(p: task_struct, res: unknown, call: UserOp | null): KGen<unknown> {
  let out = res;
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
        const fn = p.sighand === null ? null : handlerCode(p.sighand, a.ka.handler);
        if (typeof fn === "function") {
          const st = p.user as UserState;
          const resume = settle(out, a.ka.flags, call);
          if (yield* handle_signal(p, st, userAbi(), a.sig, a.info, a.ka, fn as SignalHandler, resume)) out = HANDLER;
          else yield* force_sigsegv(p, a.sig);
        } else {
          handled = true;
          restart = (a.ka.flags & SA_RESTART) !== 0;
        }
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
  if (out === HANDLER) return HANDLER;
  if (res === -ERESTARTNOINTR) return RESTART;
  if (res === -ERESTARTSYS) return handled && !restart ? -EINTR : RESTART;
  if (res === -ERESTARTNOHAND) return handled ? -EINTR : RESTART;
  if (res === -ERESTART_RESTARTBLOCK) return handled ? -EINTR : RESTART_BLOCK;
  return res;
}

/** force_sigsegv: a handler's frame could not be written; SIGSEGV is forced (with its default action if it was the signal). */
function* force_sigsegv(p: task_struct, sig: number): KGen<void> {
  if (sig === SIGSEGV && p.sighand !== null) sighandActionMut(p.sighand)[SIGSEGV - 1] = SIG_DFL;
  segfault(p, (p.user?.user ?? null) === null ? 0 : userAbi().sp(p.user?.user as object), "signal frame");
  yield* force_sig(p, SIGSEGV);
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
      return (yield* userTime(p, op.ns)) === HANDLER ? HANDLER : 0;
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

/** request's answer when the call was an execve that succeeded: a new program, nothing to log. */
const EXECED = sentinel("execed");

/** Carries out `call` and the exit work after it, made again as long as it is restarted; its result, HANDLER or EXECED. */
function* request(p: task_struct, st: UserState, call: UserOp): KGen<unknown> {
  for (;;) {
    let res = yield* perform(p, st, call);
    if (p.user !== st) return EXECED;
    res = yield* exit_to_user_mode(p, res, call);
    if (res === RESTART_BLOCK) call = RESTART_SYSCALL;
    else if (res !== RESTART) return res;
  }
}

/** The program (or handler) gets `res` for its request: logged for replay if it is the program's own. */
function answer(st: UserState, res: unknown): void {
  if (res === EXECED || res === HANDLER) return;
  if (st.frames.length === 0 && st.kind !== null) st.log.push(st.kind, res);
  st.kind = null;
  st.input = res;
}

/** The handler returned (to glibc's __restore_rt): rt_sigreturn, and what it interrupted goes on. */
function* sigreturn(p: task_struct, st: UserState): KGen<void> {
  const f = yield* rt_sigreturn(p, st, userAbi());
  if (f === null) {
    segfault(p, 0, "rt_sigreturn");
    yield* force_sig(p, SIGSEGV);
    answer(st, yield* exit_to_user_mode(p, undefined, null));
    return;
  }
  if ("call" in f.resume) answer(st, yield* request(p, st, f.resume.call));
  else answer(st, yield* exit_to_user_mode(p, f.resume.value, null));
}

/**
 * tasklab's own: the CPU in user mode for task p: runs the program (or the handler it is in) between
 * requests, carries each request out (or answers it from the replay log), and goes through
 * exit_to_user_mode after each. Never returns: the program leaves through exit or exit_group.
 */
export function* runUser(p: task_struct): KGen<never> {
  for (;;) {
    const st = p.user as UserState;
    if (st.replay === UNREPLAYABLE)
      yield* programBug(p, "forked in a signal handler, and the program cannot be copied");
    if (st.gen === null) {
      st.user ??= userAbi().context(st.entry.stack_top, st.entry.tp);
      st.gen = st.entry.fn(st.user as never, st.entry.arg as never);
    }
    const live = st.replay === 0 || st.frames.length > 0;
    if (live && (yield* userTime(p, activeEngine().costOfName(USER_STEP), st.input)) === HANDLER) continue;
    const r = programNext(st.gen as UGen<unknown>, st.input);
    if (typeof r === "string") {
      yield* programBug(p, r);
      continue;
    }
    if (r.done) {
      if (st.frames.length > 0) yield* sigreturn(p, st);
      else yield* programBug(p, "returned from its entry function without exiting");
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
    answer(st, yield* request(p, st, op));
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
  // A handler set up here runs before the program; it then gets its 0 (or starts) as it would have.
  const st = p.user as UserState;
  const input = st.input;
  if ((yield* exit_to_user_mode(p, 0, null)) !== HANDLER) st.input = input;
  return yield* runUser(p);
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("ReplayLog", ReplayLog);
