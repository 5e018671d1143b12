/**
 * What a debugging session knows, shared by the debugger's parts (gdb.ts reads the command
 * line; inspect.ts, points.ts, stepping.ts, hooks.ts and history.ts do the commands): the
 * run's machine, the selected task and frame, the breakpoints and watchpoints, where the
 * last command stopped, the run's history.
 */
import type { task_struct } from "../linux/include/task_struct.js";
import type { Machine } from "../machine.js";
import type { RunOptions } from "../run.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { Thread } from "../sim/engine.js";
import type { Timeline, Travel } from "../timetravel.js";
import type { Anchor } from "./anchor.js";
import type { Recorder } from "./reverse.js";

export interface Breakpoint {
  num: number;
  fn: number;
  /** `break FN if COND`: stop only when it holds in the hitting task's new frame. */
  cond: Condition | null;
  temporary: boolean;
  hits: number;
  /** Hits still to pass over (continue N). */
  ignore: number;
}

export interface Watchpoint {
  num: number;
  expr: string;
  /** The task (`watch EXPR`) or object (`watch -l EXPR`) the expression starts from. */
  anchor: Anchor;
  /** -location: the members to read from the anchor object; null: EXPR of the task, as print reads it. */
  path: string[] | null;
  /** The pid of the task it was set in (for info breakpoints). */
  pid: number;
  /** The value at the last check (compared by identity: a change of object is a change). */
  old: unknown;
  hits: number;
}

/** A condition: an expression compared with a literal (number, "string" or 0x0). */
export interface Condition {
  text: string;
  lhs: string;
  op: "==" | "!=" | "<" | "<=" | ">" | ">=";
  rhs: number | string | null;
}

/** The arguments a frame was called with, by stack depth (a mirror of the thread's fnStack). */
export interface FrameArgs {
  fn: number;
  args: readonly unknown[];
}

/** The debugger's own data about a machine, kept with it in each snapshot (it points into it). */
export interface DebugData {
  /** Each thread's frames' arguments, as seen entered. */
  frames: Map<Thread, FrameArgs[]>;
}

/** A checkpoint: the machine kept at a position (restart N goes back to it). */
export interface Checkpoint {
  num: number;
  steps: number;
  kept: Travel<DebugData>;
  /** The task selected then. */
  selected: Anchor | null;
  /** Where that task was (info checkpoints). */
  where: string;
}

export type Stop =
  | { kind: "break"; bp: Breakpoint; t: Thread }
  | { kind: "step"; t: Thread }
  | { kind: "finish"; t: Thread; fn: number; ret: unknown; caller: number | undefined }
  | { kind: "watch"; wp: Watchpoint; old: string; now: string; t: Thread };

/** What the debugger's hooks do: stop where asked (live), record (a reverse search's replay) or nothing (a seek's replay). */
export type Phase = "live" | "scan" | "replay";

/** What the run is asked to stop at besides breakpoints. */
export type Mode =
  | { kind: "continue" }
  | { kind: "step"; t: Thread }
  | { kind: "next"; t: Thread; depth: number }
  | { kind: "finish"; t: Thread; depth: number; fn: number };

/** Where a modeled function is written: its file (under src/linux/), first line, lines, parameters. */
export interface SourceOf {
  file: string;
  line: number;
  text: string[];
  params: string[];
}

/** The model's source by function name (the CLI scans src/; without it, the running code is shown). */
export type SourceIndex = ReadonlyMap<string, SourceOf>;

/** A command that cannot be done now; its message is gdb's. */
export class DebugError extends Error {}

/** A virtual time as the trace shows it: seconds with six decimals. */
export function seconds(ns: number): string {
  return `${Math.floor(ns / 1e9)}.${String(Math.floor((ns % 1e9) / 1e3)).padStart(6, "0")}`;
}

export class Session {
  machine: Machine | null = null;
  selected: task_struct | null = null;
  readonly breakpoints: Breakpoint[] = [];
  readonly watchpoints: Watchpoint[] = [];
  nextNum = 1;
  /** The last value history number ($N) print and finish gave. */
  history = 0;
  stop: Stop | null = null;
  mode: Mode = { kind: "continue" };
  lastHit: Breakpoint | null = null;
  exited = false;
  data: DebugData = { frames: new Map() };
  /** The run's snapshots (reverse execution, checkpoints); null when the run cannot have any. */
  timeline: Timeline<DebugData> | null = null;
  /** Why this run has no reverse execution (a host hook that cannot be copied). */
  noHistory = "";
  phase: Phase = "live";
  /** While a reverse search replays: what it looks for and has found. */
  recorder: Recorder | null = null;
  readonly checkpoints: Checkpoint[] = [];
  /** Where the run was when it last left checkpoint 0 ("the main process") for another. */
  main: Checkpoint | null = null;
  /** The checkpoint the run is in (0: the main process), as gdb marks it. */
  current = 0;
  nextCheckpoint = 1;
  /** The selected frame of the selected task: 0 the innermost (frame, up, down). */
  frameSel = 0;
  /** The addresses shown, by anchor (the same in every copy of the run), else by object. */
  readonly pointers = new Map<unknown, number>();
  /** How many addresses the debugger made up (the trace counts them as if it had). */
  shownPointers = 0;
  /** The step count at the end of the last pass that stepped a thread. */
  lastSteps = 0;
  /** How many times `run` started the scenario. */
  runs = 0;
  /** Set by `quit`. */
  done = false;

  constructor(
    readonly scenario: Scenario,
    readonly opts: RunOptions,
    readonly sources: SourceIndex,
  ) {}

  started(): Machine {
    if (this.machine === null || this.exited) throw new DebugError("The program is not being run.");
    return this.machine;
  }

  /** The selected task's thread; `ended`: also once the run has ended (going back from there). */
  thread(ended = false): Thread {
    if (!ended || this.machine === null) this.started();
    if (this.selected === null) throw new DebugError("No task selected.");
    return this.selected.sim;
  }

  get until(): number {
    return this.opts.until ?? 10e9;
  }

  /** Asks the run to stop for `s`. */
  halt(s: Stop): void {
    this.stop = s;
    const e = (this.machine as Machine).engine;
    // In an interrupt (the tick, a timer) the stop waits for the end of the next pass that
    // steps a thread (afterStep): a position (see reverse.ts).
    if (e.runningCpu.inIrq + e.runningCpu.inSoftirq === 0) e.stop("stopped");
  }
}
