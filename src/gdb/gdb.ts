/**
 * A gdb-style debugger of a scenario: breakpoints on modeled kernel functions, stepping
 * from call to call, finish, watchpoints on a task's fields, backtraces, the task list,
 * print and list. What seed 003 does with gdb on a QEMU kernel (`break kthreadd`, `bt`), at
 * the model's granularity: a "line" is a call of a modeled function, and execution stops at
 * the entry of one, before its body runs. Pure: commands in, text out (the CLI adds the
 * terminal and the watchdog).
 *
 * This file reads the command line and dispatches it; the commands are in inspect.ts
 * (bt, frame, print, list, info tasks), points.ts (break, watch, delete, info breakpoints),
 * stepping.ts (run, continue, step, next, finish), history.ts (the reverse commands and
 * checkpoints); hooks.ts watches the run for them, session.ts holds what they share.
 */

import type { Machine } from "../machine.js";
import type { RunOptions } from "../run.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { Timeline } from "../timetravel.js";
import { checkpoint, deleteCheckpoint, infoCheckpoints, restart, reverse, reverseFinish } from "./history.js";
import { backtrace, frame, infoTasks, list, print, selectTask } from "./inspect.js";
import { breakAt, deletePoints, infoBreakpoints, watch } from "./points.js";
import { DebugError, Session, type SourceIndex } from "./session.js";
import { cont, finish, repeat, resume, run } from "./stepping.js";

const HELP = `Commands (abbreviations as in gdb):
  run                      start the scenario (again) from boot
  break FN, tbreak FN      stop when a task enters the modeled function FN (tbreak: once)
  delete [N...]            delete breakpoints (all without N)
  info breakpoints         list breakpoints and watchpoints
  continue [N]             go on (ignoring the breakpoint just hit N-1 more times)
  step [N]                 stop at the next modeled call of this task, into callees
  next [N]                 stop at the next call of this function level, over callees
  finish                   run until the current function returns; print its value
  bt                       the selected task's modeled call stack
  frame N, up, down        select a frame of it (print and watch read its arguments)
  info tasks               every task: pid, name, state, CPU, current function
  task PID                 select a task
  print EXPR               a field of the selected task (comm, se.vruntime, signal->nr_threads,
                           p->mm->mm_users ...) or $pid $comm $time $cpu $state
  watch EXPR               stop when that field of the selected task changes
  watch -l EXPR            stop when that member of that object changes (create->done: that
                           request's, wherever the task is then)
  reverse-step, rs         back to the previous modeled call of this task
  reverse-next, rn         back to the previous call at this function level, over callees
  reverse-continue, rc     back to the previous breakpoint hit or watchpoint change
  reverse-finish           back to where the current function was called
  checkpoint               keep this point of the run; info checkpoints lists them
  restart N                back (or on) to checkpoint N (0: where the first restart left)
  list [FN]                the source of FN (default: the selected task's current function)
  quit`;

export class Debugger {
  private readonly s: Session;
  private lastCommand = "";

  constructor(scenario: Scenario, opts: RunOptions, sources: SourceIndex = new Map()) {
    this.s = new Session(scenario, opts, sources);
  }

  /** Set by `quit`. */
  get done(): boolean {
    return this.s.done;
  }

  /** How many times `run` started the scenario. */
  get runs(): number {
    return this.s.runs;
  }

  /** The machine of the current run (null before `run`): another one after going back in it. */
  machineNow(): Machine | null {
    return this.s.machine;
  }

  /** The run's snapshots (null before `run`, or when the run cannot go back): for the bench's choice of positions. */
  timelineNow(): Timeline<unknown> | null {
    return this.s.timeline as Timeline<unknown> | null;
  }

  /** Runs one command line; returns what gdb would print. An empty line repeats the last command. */
  execute(input: string): string {
    const line = input.trim() === "" ? this.lastCommand : input.trim();
    if (line === "") return "";
    this.lastCommand = line;
    const [word = "", ...rest] = line.split(/\s+/);
    const arg = rest.join(" ");
    const s = this.s;
    switch (word) {
      case "r":
      case "run":
        return run(s);
      case "b":
      case "break":
      case "tbreak":
        return breakAt(s, arg, word === "tbreak");
      case "d":
      case "delete":
        return rest[0] === "checkpoint" ? deleteCheckpoint(s, rest[1] ?? "") : deletePoints(s, rest);
      case "c":
      case "continue":
        return cont(s, arg);
      case "s":
      case "step":
        return repeat(s, arg, () => resume(s, { kind: "step", t: s.thread() }));
      case "n":
      case "next":
        return repeat(s, arg, () => {
          const t = s.thread();
          return resume(s, { kind: "next", t, depth: t.fnStack.length });
        });
      case "fin":
      case "finish":
        return finish(s);
      case "bt":
      case "backtrace":
      case "where":
        return backtrace(s);
      case "i":
      case "info":
        return info(s, rest[0] ?? "");
      case "t":
      case "task":
      case "thread":
        return selectTask(s, arg);
      case "p":
      case "print":
        return print(s, arg);
      case "watch":
        return watch(s, arg);
      case "f":
      case "frame":
        return frame(s, arg === "" ? s.frameSel : Number(arg));
      case "up":
        return frame(s, s.frameSel + (arg === "" ? 1 : Number(arg)));
      case "down":
        return frame(s, s.frameSel - (arg === "" ? 1 : Number(arg)));
      case "l":
      case "list":
        return list(s, arg);
      case "rs":
      case "reverse-step":
        return repeat(s, arg, () => reverse(s, { kind: "step", t: s.thread(true) }));
      case "rn":
      case "reverse-next":
        return repeat(s, arg, () => {
          const t = s.thread(true);
          return reverse(s, { kind: "next", t, depth: t.fnStack.length });
        });
      case "rc":
      case "reverse-continue":
        return reverse(s, { kind: "continue" });
      case "reverse-finish":
        return reverseFinish(s);
      case "checkpoint":
        return checkpoint(s);
      case "restart":
        return restart(s, arg);
      case "h":
      case "help":
        return HELP;
      case "q":
      case "quit":
        s.done = true;
        return "";
      default:
        return `Undefined command: "${word}".  Try "help".`;
    }
  }
}

function info(s: Session, what: string): string {
  if (what === "b" || what === "break" || what === "breakpoints" || what === "watchpoints") return infoBreakpoints(s);
  if (what === "checkpoints") return infoCheckpoints(s);
  if (what === "tasks" || what === "threads") return infoTasks(s);
  return `Undefined info command: "${what}".  Try "help".`;
}

/** execute() with DebugError turned into its message, as gdb prints errors. */
export function debugCommand(d: Debugger, line: string): string {
  try {
    return d.execute(line);
  } catch (e) {
    if (e instanceof DebugError) return e.message;
    throw e;
  }
}
