/**
 * A gdb-style debugger of a scenario: breakpoints on modeled kernel functions, stepping
 * from call to call, finish, watchpoints on a task's fields, backtraces, the task list,
 * print and list. What seed 003 does with gdb on a QEMU kernel (`break kthreadd`, `bt`), at
 * the model's granularity: a "line" is a call of a modeled function, and execution stops at
 * the entry of one, before its body runs. Pure: commands in, text out (the CLI adds the
 * terminal and the watchdog).
 */
import { PF_KTHREAD, TASK_DEAD, task_state_to_char } from "../linux/include/sched.js";
import type { task_struct } from "../linux/include/task_struct.js";
import type { Machine } from "../machine.js";
import { machineFor, problems, type RunOptions } from "../run.js";
import { endOfRunChecks, installInvariants } from "../scenarios/detectors.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { StopReason, Thread } from "../sim/engine.js";
import { canStopAt, findFunctionId, functionName, functionSource } from "../sim/functions.js";
import { copyMachineWith, SnapshotError } from "../snapshot.js";
import { Timeline, type Travel, whyNoTimeline } from "../timetravel.js";
import { type Anchor, anchorOf, isTask, keyOf, locate } from "./anchor.js";
import { type Candidate, Recorder, type Reverse } from "./reverse.js";

interface Breakpoint {
  num: number;
  fn: number;
  /** `break FN if COND`: stop only when it holds in the hitting task's new frame. */
  cond: Condition | null;
  temporary: boolean;
  hits: number;
  /** Hits still to pass over (continue N). */
  ignore: number;
}

interface Watchpoint {
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
interface Condition {
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
interface Checkpoint {
  num: number;
  steps: number;
  kept: Travel<DebugData>;
  /** The task selected then. */
  selected: Anchor | null;
  /** Where that task was (info checkpoints). */
  where: string;
}

type Stop =
  | { kind: "break"; bp: Breakpoint; t: Thread }
  | { kind: "step"; t: Thread }
  | { kind: "finish"; t: Thread; fn: number; ret: unknown; caller: number | undefined }
  | { kind: "watch"; wp: Watchpoint; old: string; now: string; t: Thread };

/** What the debugger's hooks do: stop where asked (live), record (a reverse search's replay) or nothing (a seek's replay). */
type Phase = "live" | "scan" | "replay";

/** What the run is asked to stop at besides breakpoints. */
type Mode =
  | { kind: "continue" }
  | { kind: "step"; t: Thread }
  | { kind: "next"; t: Thread; depth: number }
  | { kind: "finish"; t: Thread; depth: number; fn: number };

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

function seconds(ns: number): string {
  return `${Math.floor(ns / 1e9)}.${String(Math.floor((ns % 1e9) / 1e3)).padStart(6, "0")}`;
}

/** A value as gdb's print shows it: numbers, "strings", 0x0 for null, {a = 1, ...} one level deep. */
function formatValue(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return "0x0";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "bigint") return `0x${v.toString(16)}`;
  if (typeof v === "function") return `{<function ${v.name || "anonymous"}>}`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `{<${(v as { length: number }).length} elements>}`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (depth > 0) return "{...}";
    const owner = o as { comm?: unknown; pid?: unknown };
    if (typeof owner.comm === "string" && typeof owner.pid === "number" && depth === 0 && "__state" in o)
      return `{pid = ${owner.pid}, comm = ${JSON.stringify(owner.comm)}, ...}`;
    const parts = Object.entries(o)
      .filter(([k]) => k !== "__slab")
      .slice(0, 12)
      .map(([k, x]) => `${k} = ${formatValue(x, depth + 1)}`);
    return `{${parts.join(", ")}${Object.keys(o).length > 12 ? ", ..." : ""}}`;
  }
  return String(v);
}

/** Where a modeled function is written: its file (under src/linux/), first line, lines, parameters. */
export interface SourceOf {
  file: string;
  line: number;
  text: string[];
  params: string[];
}

/** The model's source by function name (the CLI scans src/; without it, the running code is shown). */
export type SourceIndex = ReadonlyMap<string, SourceOf>;

export class Debugger {
  private machine: Machine | null = null;
  private selected: task_struct | null = null;
  private readonly breakpoints: Breakpoint[] = [];
  private readonly watchpoints: Watchpoint[] = [];
  private nextNum = 1;
  private history = 0;
  private stop: Stop | null = null;
  private mode: Mode = { kind: "continue" };
  private lastHit: Breakpoint | null = null;
  private exited = false;
  private lastCommand = "";
  private data: DebugData = { frames: new Map() };
  /** The run's snapshots (reverse execution, checkpoints); null when the run cannot have any. */
  private timeline: Timeline<DebugData> | null = null;
  /** Why this run has no reverse execution (a host hook that cannot be copied). */
  private noHistory = "";
  private phase: Phase = "live";
  /** While a reverse search replays: what it looks for and has found. */
  private recorder: Recorder | null = null;
  private readonly checkpoints: Checkpoint[] = [];
  /** Where the run was when it last left checkpoint 0 ("the main process") for another. */
  private main: Checkpoint | null = null;
  /** The checkpoint the run is in (0: the main process), as gdb marks it. */
  private current = 0;
  private nextCheckpoint = 1;
  /** The selected frame of the selected task: 0 the innermost (frame, up, down). */
  private frameSel = 0;
  /** The addresses shown, by anchor (the same in every copy of the run), else by object. */
  private readonly pointers = new Map<unknown, number>();
  /** How many addresses the debugger made up (the trace counts them as if it had). */
  private shownPointers = 0;
  /** The step count at the end of the last pass that stepped a thread. */
  private lastSteps = 0;
  /** Set by `quit`. */
  done = false;

  constructor(
    private readonly scenario: Scenario,
    private readonly opts: RunOptions,
    private readonly sources: SourceIndex = new Map(),
  ) {}

  /** "kernel/kthread.ts:712", when the source index knows the function. */
  private location(fn: number): string | null {
    const s = this.sources.get(functionName(fn));
    return s === undefined ? null : `${s.file}:${s.line}`;
  }

  /** The parameter names of a modeled function (from the source index, else from its code). */
  private paramNames(fn: number): string[] {
    const s = this.sources.get(functionName(fn));
    if (s !== undefined) return s.params;
    const src = functionSource(fn);
    const m = src === null ? null : /^[^(]*\(([^)]*)\)/.exec(src);
    if (m === null) return [];
    return (m[1] as string)
      .split(",")
      .map((p) =>
        p
          .trim()
          .replace(/^\.\.\./, "")
          .replace(/\s*=.*$/, ""),
      )
      .filter((p) => p !== "");
  }

  /** Runs one command line; returns what gdb would print. An empty line repeats the last command. */
  execute(input: string): string {
    const line = input.trim() === "" ? this.lastCommand : input.trim();
    if (line === "") return "";
    this.lastCommand = line;
    const [word = "", ...rest] = line.split(/\s+/);
    const arg = rest.join(" ");
    switch (word) {
      case "r":
      case "run":
        return this.run();
      case "b":
      case "break":
      case "tbreak":
        return this.break(arg, word === "tbreak");
      case "d":
      case "delete":
        return rest[0] === "checkpoint" ? this.deleteCheckpoint(rest[1] ?? "") : this.delete(rest);
      case "c":
      case "continue":
        return this.cont(arg);
      case "s":
      case "step":
        return this.repeat(arg, () => this.resume({ kind: "step", t: this.thread() }));
      case "n":
      case "next":
        return this.repeat(arg, () => {
          const t = this.thread();
          return this.resume({ kind: "next", t, depth: t.fnStack.length });
        });
      case "fin":
      case "finish":
        return this.finish();
      case "bt":
      case "backtrace":
      case "where":
        return this.backtrace();
      case "i":
      case "info":
        return this.info(rest[0] ?? "");
      case "t":
      case "task":
      case "thread":
        return this.selectTask(arg);
      case "p":
      case "print":
        return this.print(arg);
      case "watch":
        return this.watch(arg);
      case "f":
      case "frame":
        return this.frame(arg === "" ? this.frameSel : Number(arg));
      case "up":
        return this.frame(this.frameSel + (arg === "" ? 1 : Number(arg)));
      case "down":
        return this.frame(this.frameSel - (arg === "" ? 1 : Number(arg)));
      case "l":
      case "list":
        return this.list(arg);
      case "rs":
      case "reverse-step":
        return this.repeat(arg, () => this.reverse({ kind: "step", t: this.thread(true) }));
      case "rn":
      case "reverse-next":
        return this.repeat(arg, () => {
          const t = this.thread(true);
          return this.reverse({ kind: "next", t, depth: t.fnStack.length });
        });
      case "rc":
      case "reverse-continue":
        return this.reverse({ kind: "continue" });
      case "reverse-finish":
        return this.reverseFinish();
      case "checkpoint":
        return this.checkpoint();
      case "restart":
        return this.restart(arg);
      case "h":
      case "help":
        return HELP;
      case "q":
      case "quit":
        this.done = true;
        return "";
      default:
        return `Undefined command: "${word}".  Try "help".`;
    }
  }

  /** How many times `run` started the scenario. */
  runs = 0;

  /** The machine of the current run (null before `run`): another one after going back in it. */
  machineNow(): Machine | null {
    return this.machine;
  }

  /** The run's snapshots (null before `run`, or when the run cannot go back): for the bench's choice of positions. */
  timelineNow(): Timeline<unknown> | null {
    return this.timeline as Timeline<unknown> | null;
  }

  private started(): Machine {
    if (this.machine === null || this.exited) throw new DebugError("The program is not being run.");
    return this.machine;
  }

  /** The selected task's thread; `ended`: also once the run has ended (going back from there). */
  private thread(ended = false): Thread {
    if (!ended || this.machine === null) this.started();
    if (this.selected === null) throw new DebugError("No task selected.");
    return this.selected.sim;
  }

  private run(): string {
    const restarted = this.machine !== null;
    this.runs++;
    const m = machineFor(this.scenario, { ...this.opts, checkLeaks: false });
    this.data = { frames: new Map() };
    const noHistory = whyNoTimeline(m);
    this.hook(m, this.data);
    this.machine = m;
    this.lastSteps = m.engine.steps;
    this.exited = false;
    this.selected = null;
    this.frameSel = 0;
    this.watchpoints.length = 0; // they watched tasks of the previous run
    this.checkpoints.length = 0;
    this.pointers.clear();
    this.shownPointers = 0;
    this.main = null;
    this.current = 0;
    this.nextCheckpoint = 1;
    this.timeline = null;
    this.noHistory = noHistory;
    if (this.noHistory === "") {
      try {
        this.timeline = new Timeline(m, this.data, (c, d) => this.install(c, d), { tidy: (_m, d) => forgetDead(d) });
      } catch (e) {
        if (!(e instanceof SnapshotError)) throw e;
        this.noHistory = e.message;
      }
    }
    const head = `${restarted ? "Restarting" : "Starting"} ${this.scenario.name} on ${m.kernel.nr_cpu_ids} CPUs`;
    return `${head}\n${this.resume({ kind: "continue" })}`;
  }

  private break(spec: string, temporary: boolean): string {
    const [name = "", condText] = spec.split(/\s+if\s+/, 2);
    if (name === "") return "Argument required (function name).";
    const fn = findFunctionId(name);
    if (fn === undefined) return `Function "${name}" not defined.`;
    let cond: Condition | null = null;
    if (condText !== undefined) {
      const m = /^(.+?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(condText.trim());
      if (m === null) return `Bad condition "${condText}": use EXPR OP VALUE (OP one of == != < <= > >=).`;
      const raw = (m[3] as string).trim();
      const rhs = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw === "0x0" || raw === "NULL" ? null : Number(raw);
      if (typeof rhs === "number" && Number.isNaN(rhs)) return `Bad value "${raw}": a number, "a string" or NULL.`;
      cond = { text: condText.trim(), lhs: (m[1] as string).trim(), op: m[2] as Condition["op"], rhs };
    }
    const bp: Breakpoint = { num: this.nextNum++, fn, cond, temporary, hits: 0, ignore: 0 };
    this.breakpoints.push(bp);
    const at = this.location(fn);
    return `${temporary ? "Temporary breakpoint" : "Breakpoint"} ${bp.num} at ${name}${at === null ? "" : `: file ${at.replace(/:(\d+)$/, ", line $1")}`}.`;
  }

  private delete(nums: string[]): string {
    if (nums.length === 0) {
      this.breakpoints.length = 0;
      this.watchpoints.length = 0;
      return "";
    }
    for (const n of nums) {
      const num = Number(n);
      const i = this.breakpoints.findIndex((b) => b.num === num);
      const j = this.watchpoints.findIndex((w) => w.num === num);
      if (i >= 0) this.breakpoints.splice(i, 1);
      else if (j >= 0) this.watchpoints.splice(j, 1);
      else return `No breakpoint number ${n}.`;
    }
    return "";
  }

  private cont(arg: string): string {
    this.started();
    if (arg !== "" && this.lastHit !== null) {
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1) return `Bad count "${arg}".`;
      this.lastHit.ignore = n - 1;
    }
    return this.resume({ kind: "continue" });
  }

  private repeat(arg: string, once: () => string): string {
    const n = arg === "" ? 1 : Number(arg);
    if (!Number.isInteger(n) || n < 1) return `Bad count "${arg}".`;
    const out: string[] = [];
    // The first goes ahead whatever the state (it says what is wrong, or goes back from the end).
    for (let i = 0; i < n && (i === 0 || !this.exited); i++) out.push(once());
    return out.join("\n");
  }

  private finish(): string {
    const t = this.thread();
    const fn = t.fnStack.at(-1);
    if (fn === undefined) return '"finish" not meaningful in the outermost frame.';
    return `Run till exit from #0  ${functionName(fn)} ()\n${this.resume({ kind: "finish", t, depth: t.fnStack.length, fn })}`;
  }

  /** The debugger's observers on `m` (the run's machine, or one restored from a snapshot), with its data. */
  private hook(m: Machine, data: DebugData): void {
    const e = m.engine;
    const prevEnter = e.onEnter;
    const prevExit = e.onExit;
    e.onEnter = (t, fn, args) => {
      prevEnter?.(t, fn, args);
      let frames = data.frames.get(t);
      if (frames === undefined) {
        frames = [];
        data.frames.set(t, frames);
      }
      // Deeper entries are frames that returned: dropped, not kept alive (and copied) with the data.
      frames.length = t.fnStack.length - 1;
      frames.push({ fn, args });
      if (m === this.machine) this.onEnter(t, fn);
    };
    e.onExit = (t, fn, ret) => {
      prevExit?.(t, fn, ret);
      if (m === this.machine) this.onExit(t, fn, ret);
    };
    e.afterStep = () => {
      if (m === this.machine) this.afterStep(m);
    };
  }

  private get until(): number {
    return this.opts.until ?? 10e9;
  }

  /** Runs the machine on (keeping snapshots on the way) until a hook stops it, the run ends or `steps` more steps. */
  private runOn(m: Machine, steps: number): StopReason {
    if (this.timeline === null) return m.run({ until: this.until, maxSteps: steps });
    return this.timeline.forward({ machine: m, data: this.data }, m.engine.steps + steps, this.until) ?? "steps";
  }

  /** Runs until something stops the machine; reports where. */
  private resume(mode: Mode): string {
    const m = this.started();
    this.mode = mode;
    this.stop = null;
    const why: StopReason = this.runOn(m, this.opts.maxSteps ?? 50_000_000);
    this.mode = { kind: "continue" };
    const stop = this.stop as Stop | null;
    this.stop = null;
    if (stop === null) return this.ended(why);
    this.selected = stop.t.owner as task_struct;
    this.frameSel = 0;
    const where = this.where(stop.t);
    switch (stop.kind) {
      case "break":
        this.lastHit = stop.bp;
        if (stop.bp.temporary) this.breakpoints.splice(this.breakpoints.indexOf(stop.bp), 1);
        return `\n${this.taskLabel(stop.t)} hit ${stop.bp.temporary ? "Temporary breakpoint" : "Breakpoint"} ${stop.bp.num}, ${
          canStopAt(stop.bp.fn)
            ? where
            : `${functionName(stop.bp.fn)} () ran atomically (in a critical section); stopped after it in ${where}`
        }`;
      case "step":
        return where;
      case "finish": {
        const t = stop.t;
        const depth = t.fnStack.lastIndexOf(stop.caller ?? -1);
        const caller = depth < 0 ? "?? ()" : this.frameText(t, depth);
        return `${caller}\nValue returned is $${++this.history} = ${formatValue(stop.ret)}`;
      }
      case "watch":
        return `\nHardware watchpoint ${stop.wp.num}: ${watchText(stop.wp)}\n\nOld value = ${stop.old}\nNew value = ${stop.now}\n${where}`;
    }
  }

  /** The observers of a machine restored from a snapshot: the scenario's invariants, the watchdog's, the debugger's. */
  private install(m: Machine, data: DebugData): void {
    installInvariants(m, this.scenario.invariants ?? []);
    m.engine.onProgress = this.opts.onProgress ?? null;
    this.hook(m, data);
  }

  /** The run's history, or the error saying there is none. */
  private timelineOf(): Timeline<DebugData> {
    if (this.machine === null) throw new DebugError("The program is not being run.");
    if (this.timeline === null)
      throw new DebugError(
        `Target native does not support this command.\n(This run cannot go back: ${this.noHistory}.)`,
      );
    return this.timeline;
  }

  /** Makes `t` the debugger's machine; the selected task and watchpoints are looked up in it. */
  private arrive(t: Travel<DebugData>, selected: Anchor | null): void {
    this.machine = t.machine;
    this.data = t.data;
    this.lastSteps = t.machine.engine.steps;
    this.exited = false;
    this.stop = null;
    const p = selected === null ? null : locate(t.machine, selected);
    this.selected = p === null ? null : (p as task_struct);
    this.frameSel = 0;
    for (const wp of this.watchpoints) wp.old = this.watchValue(wp);
  }

  /** To position `pos` of the run (restored from the nearest snapshot, replayed to it). */
  private goTo(pos: number, selected: Anchor | null): void {
    const tl = this.timelineOf();
    const t = tl.restoreAt(pos);
    this.machine = t.machine;
    this.data = t.data;
    this.phase = "replay";
    try {
      tl.forward(t, pos, this.until);
    } finally {
      this.phase = "live";
    }
    this.arrive(t, selected);
  }

  /**
   * reverse-step, -next, -continue, -finish: replays the stretches before here from their
   * snapshots, latest first, until one has a place where the command stops; goes there.
   */
  private reverse(r: Reverse, head = ""): string {
    const tl = this.timelineOf();
    const home: Travel<DebugData> = { machine: this.machine as Machine, data: this.data };
    const limit = home.machine.engine.steps;
    const who = this.selected === null ? null : anchorOf(this.selected);
    const mode = r;
    let found: Candidate | null = null;
    const olds = this.watchpoints.map((w) => w.old);
    try {
      for (let hi = limit; found === null && hi > tl.start; ) {
        const from = tl.snapshotAt(hi - 1);
        const t = tl.restoreAt(from);
        this.machine = t.machine;
        this.data = t.data;
        // The task may not exist yet where the stretch starts: it is recognized when it runs.
        this.recorder = new Recorder(mode, mode.kind === "continue" ? null : who, limit, from);
        for (const wp of this.watchpoints) wp.old = this.watchValue(wp);
        this.phase = "scan";
        tl.forward(t, hi, this.until);
        found = this.recorder.best;
        hi = from;
      }
    } finally {
      this.phase = "live";
      this.recorder = null;
      this.machine = home.machine;
      this.data = home.data;
      for (const [i, wp] of this.watchpoints.entries()) wp.old = olds[i];
    }
    if (found === null) {
      this.goTo(tl.start, who);
      const s = this.selected;
      return `${head}\nNo more reverse-execution history.${s === null ? "" : `\n${this.where(s.sim)}`}`;
    }
    this.goTo(found.pos, found.task ?? who);
    const s = this.selected;
    const where = s === null ? "" : this.where(s.sim);
    switch (found.what) {
      case "step":
        return `${head}${where}`;
      case "finish":
        return `${head}${where}`;
      case "break": {
        const bp = this.breakpoints.find((b) => b.num === found.num) as Breakpoint;
        bp.hits++;
        this.lastHit = bp;
        if (bp.temporary) this.breakpoints.splice(this.breakpoints.indexOf(bp), 1);
        const label = s === null ? "" : `${this.taskLabel(s.sim)} `;
        return `${head}\n${label}hit ${bp.temporary ? "Temporary breakpoint" : "Breakpoint"} ${bp.num}, ${
          canStopAt(bp.fn)
            ? where
            : `${functionName(bp.fn)} () ran atomically (in a critical section); stopped before it in ${where}`
        }`;
      }
      case "watch": {
        const wp = this.watchpoints.find((w) => w.num === found.num) as Watchpoint;
        wp.hits++;
        return `${head}\nHardware watchpoint ${wp.num}: ${watchText(wp)}\n\nOld value = ${found.later}\nNew value = ${this.show(wp.old)}\n${where}`;
      }
    }
  }

  /** Selects frame `n` of the selected task (0: the innermost), whose arguments print and watch then read. */
  private frame(n: number): string {
    const t = this.thread();
    if (t.fnStack.length === 0) return "No stack.";
    if (!Number.isInteger(n)) return "Invalid frame number.";
    if (n < 0) return "Bottom (innermost) frame selected; you cannot go down.";
    if (n >= t.fnStack.length) return "Initial frame selected; you cannot go up.";
    this.frameSel = n;
    return `#${n}  ${this.frameText(t, t.fnStack.length - 1 - n)}`;
  }

  private reverseFinish(): string {
    const t = this.thread(true);
    const fn = t.fnStack.at(-1);
    if (fn === undefined) return '"finish" not meaningful in the outermost frame.';
    const head = `Run back to call of #0  ${this.frameText(t, t.fnStack.length - 1)}\n`;
    return this.reverse({ kind: "finish", t, depth: t.fnStack.length, fn }, head);
  }

  /** Keeps the machine as it is now (a copy), as gdb's checkpoint forks the process. */
  private keepHere(num: number): Checkpoint {
    const m = this.machine as Machine;
    const [machine, data] = copyMachineWith(m, this.data, { hooks: "drop" });
    const s = this.selected;
    return {
      num,
      steps: m.engine.steps,
      kept: { machine, data },
      selected: s === null ? null : anchorOf(s),
      where: s === null ? `[${seconds(m.now)} s]` : `task ${s.pid}, ${this.where(s.sim)}`,
    };
  }

  private checkpoint(): string {
    this.timelineOf();
    const c = this.keepHere(this.nextCheckpoint++);
    this.checkpoints.push(c);
    return `checkpoint ${c.num}: step ${c.steps}, ${c.where}`;
  }

  private infoCheckpoints(): string {
    if (this.checkpoints.length === 0) return "No checkpoints.";
    const here = (this.machine as Machine).engine.steps;
    const main = this.main;
    const mark = (n: number) => (n === this.current ? "*" : " ");
    const rows = [`${mark(0)} 0 (main process) step ${main === null ? here : `${main.steps}, ${main.where}`}`];
    for (const c of this.checkpoints) rows.push(`${mark(c.num)} ${c.num} step ${c.steps}, ${c.where}`);
    return rows.join("\n");
  }

  private restart(arg: string): string {
    this.timelineOf();
    if (arg === "") return "Requires argument (checkpoint id to restart)";
    const n = Number(arg);
    const c = n === 0 ? this.main : this.checkpoints.find((x) => x.num === n);
    if (c === undefined || c === null) return `Not found: checkpoint id ${arg}`;
    if (this.current === 0) this.main = this.keepHere(0);
    this.current = c.num;
    const [machine, data] = copyMachineWith(c.kept.machine, c.kept.data);
    this.install(machine, data);
    this.arrive({ machine, data }, c.selected);
    const s = this.selected;
    return `Switching to checkpoint ${c.num} (step ${c.steps})${s === null ? "" : `\n#0  ${this.where(s.sim)}`}`;
  }

  private deleteCheckpoint(arg: string): string {
    const i = this.checkpoints.findIndex((c) => String(c.num) === arg);
    if (i < 0) return `Not found: checkpoint id ${arg}`;
    this.checkpoints.splice(i, 1);
    return "";
  }

  private ended(why: StopReason): string {
    const m = this.machine as Machine;
    if (why === "idle") {
      this.exited = true;
      endOfRunChecks(m, this.scenario, why);
      m.checkLeaks();
      const bad = problems(m.reports).length;
      return `[Inferior 1 (${this.scenario.name}) exited ${bad === 0 ? "normally" : `with ${bad} problem report(s)`}]`;
    }
    if (why === "panic") {
      this.exited = true;
      return `[Inferior 1 (${this.scenario.name}) panicked: ${m.reports.at(-1)?.title ?? ""}]`;
    }
    return `Stopped (${why}) at ${seconds(m.now)} s.`;
  }

  private taskLabel(t: Thread): string {
    const p = t.owner as task_struct;
    return `Task ${p.pid} "${p.comm}"`;
  }

  /** "fn () at 0.002412 s, CPU 1": the frame a task stopped in. */
  private where(t: Thread): string {
    const p = t.owner as task_struct;
    const m = this.machine as Machine;
    const frame = t.fnStack.length === 0 ? "?? ()" : this.frameText(t, t.fnStack.length - 1);
    return `${frame} [${seconds(m.engine.cpus[p.cpu]?.clock ?? m.now)} s, CPU ${p.cpu}]`;
  }

  private onEnter(t: Thread, fn: number): void {
    if (this.phase === "replay") return;
    if (this.phase === "scan") {
      this.scanEnter(t, fn);
      return;
    }
    if (this.stop !== null) return;
    for (const bp of this.breakpoints) {
      if (bp.fn !== fn) continue;
      if (bp.cond !== null && !this.holds(t, bp.cond)) continue;
      bp.hits++;
      if (bp.ignore > 0) {
        bp.ignore--;
        continue;
      }
      this.halt({ kind: "break", bp, t });
      return;
    }
    const mode = this.mode;
    if (!canStopAt(fn)) this.checkWatch(t);
    else if (mode.kind === "step" && mode.t === t) this.halt({ kind: "step", t });
    else if (mode.kind === "next" && mode.t === t && t.fnStack.length <= mode.depth) this.halt({ kind: "step", t });
    else this.checkWatch(t);
  }

  private onExit(t: Thread, fn: number, ret: unknown): void {
    if (this.phase === "scan") this.scanWatch(t, this.eventPos());
    if (this.stop !== null || this.phase !== "live") return;
    const mode = this.mode;
    if (mode.kind === "finish" && mode.t === t && fn === mode.fn && t.fnStack.length === mode.depth) {
      // The returning frame is popped right after this; the stop is reported in the caller.
      this.halt({ kind: "finish", t, fn, ret, caller: t.fnStack[t.fnStack.length - 2] });
      return;
    }
    if (mode.kind === "next" && mode.t === t && t.fnStack.length < mode.depth) this.halt({ kind: "step", t });
    else this.checkWatch(t);
  }

  /**
   * The position a stop at the current event would have (see reverse.ts): the step count
   * now, or the next one before this pass's thread step (the scheduler runs first); null in
   * an interrupt (the end of the next pass that steps a thread).
   */
  private eventPos(): number | null {
    const e = (this.machine as Machine).engine;
    if (e.runningCpu.inIrq + e.runningCpu.inSoftirq > 0) return null;
    return e.steps === this.lastSteps ? e.steps + 1 : e.steps;
  }

  /** A reverse search's replay: records where the run would have stopped. */
  private scanEnter(t: Thread, fn: number): void {
    const r = this.recorder as Recorder;
    const pos = this.eventPos();
    const task = anchorOf(t.owner as object);
    for (const bp of this.breakpoints) {
      if (bp.fn !== fn || (bp.cond !== null && !this.holds(t, bp.cond))) continue;
      r.event({ what: "break", num: bp.num, task, later: "" }, pos);
      break;
    }
    const mode = r.mode;
    if (mode.kind !== "continue" && r.isTask(t, task) && pos !== null) {
      if (mode.kind === "finish") {
        // Back to before the call: the step before the one that made it.
        if (fn === mode.fn && t.fnStack.length === mode.depth)
          r.event({ what: "finish", num: 0, task, later: "" }, pos - 1);
      } else if (canStopAt(fn) && (mode.kind === "step" || t.fnStack.length <= mode.depth)) {
        r.event({ what: "step", num: 0, task, later: "" }, pos);
      }
    }
    this.scanWatch(t, pos);
  }

  /**
   * After each pass of the run loop: a pass that stepped a thread is a position, where
   * watchpoints are checked and a stop asked for in an interrupt takes effect.
   */
  private afterStep(m: Machine): void {
    const e = m.engine;
    const stepped = e.steps !== this.lastSteps;
    this.lastSteps = e.steps;
    if (this.phase === "replay" || !stepped) return;
    if (this.phase === "scan") {
      this.scanWatch(e.running, e.steps);
      (this.recorder as Recorder).passed(e.steps);
      return;
    }
    if (this.stop !== null) e.stop("stopped");
    else this.checkWatch(e.running);
  }

  private checkWatch(t: Thread): void {
    for (const wp of this.watchpoints) {
      const now = this.watchValue(wp);
      if (Object.is(now, wp.old)) continue;
      // The path went through a pointer that is gone (a freed mm, say): as gdb does when a
      // watched expression leaves its scope, the watchpoint is deleted and the run stops.
      if (now instanceof Unreadable && wp.path === null) this.watchpoints.splice(this.watchpoints.indexOf(wp), 1);
      const old = this.show(wp.old);
      wp.old = now;
      wp.hits++;
      this.halt({ kind: "watch", wp, old, now: this.show(now), t });
      return;
    }
  }

  /**
   * A reverse search's watchpoint check at position `pos` (null: in an interrupt, left to
   * the next position): a change goes back to the last position checked before this one.
   */
  private scanWatch(t: Thread, pos: number | null): void {
    const r = this.recorder as Recorder;
    if (pos === null || this.watchpoints.length === 0) return;
    const before = r.checked(pos);
    for (const wp of this.watchpoints) {
      const now = this.watchValue(wp);
      if (Object.is(now, wp.old)) continue;
      r.event({ what: "watch", num: wp.num, task: anchorOf(t.owner as object), later: this.show(now) }, before);
      wp.old = now;
    }
  }

  /** A watchpoint's value now: a member's value, or an Unreadable. */
  private watchValue(wp: Watchpoint): unknown {
    const o = locate(this.machine as Machine, wp.anchor);
    if (o === null) return unreadable("not allocated yet");
    if (wp.path === null) {
      try {
        const expr = wp.expr;
        return expr.startsWith("*") ? this.evaluate(o as task_struct, expr) : this.resolve(o as task_struct, expr);
      } catch (e) {
        if (e instanceof DebugError) return unreadable(e.message);
        throw e;
      }
    }
    return readPath(o, wp.path);
  }

  /** A value as print shows it. */
  private show(v: unknown): string {
    if (v instanceof Unreadable) return `<${v.why}>`;
    return v !== null && typeof v === "object" && !isTask(v) ? this.pointerish(v) : formatValue(v);
  }

  private halt(s: Stop): void {
    this.stop = s;
    const e = (this.machine as Machine).engine;
    // In an interrupt (the tick, a timer) the stop waits for the end of the next pass that
    // steps a thread (afterStep): a position (see reverse.ts).
    if (e.runningCpu.inIrq + e.runningCpu.inSoftirq === 0) e.stop("stopped");
  }

  /** The arguments of the frame at `depth` of t, when the debugger saw it entered. */
  private frameArgs(t: Thread, depth: number): FrameArgs | null {
    const f = this.data.frames.get(t)?.[depth];
    return f !== undefined && f.fn === t.fnStack[depth] ? f : null;
  }

  /** "kthreadd (unused=0x0) at kernel/kthread.ts:712": a frame as bt shows it. */
  private frameText(t: Thread, depth: number): string {
    const fn = t.fnStack[depth] as number;
    const f = this.frameArgs(t, depth);
    const names = this.paramNames(fn);
    // An argument with no name across the run's copies (a struct on the stack) is named by its frame.
    const owner = anchorOf(t.owner as object);
    const frame = owner === null ? null : `${keyOf(owner)}#${depth}:${fn}@${t.entryStack[depth]}`;
    const args =
      f === null
        ? ""
        : f.args
            .map((a, i) => `${names[i] ?? `arg${i}`}=${this.pointerish(a, frame === null ? null : `${frame}.${i}`)}`)
            .join(", ");
    const at = this.location(fn);
    return `${functionName(fn)} (${args})${at === null ? "" : ` at ${at}`}`;
  }

  /** An argument as gdb shows one: numbers and strings as they are, objects as kernel pointers. */
  private pointerish(v: unknown, where: string | null = null): string {
    if (v !== null && typeof v === "object")
      return `0xffff8880${this.pointerOf(v, where).toString(16).padStart(8, "0")}`;
    if (typeof v === "function") return `<${v.name || "anonymous"}>`;
    return formatValue(v, 1);
  }

  /**
   * The hashed address shown for `o`: the one the trace gave it, else the one the trace
   * would give it next (counting the debugger's own), without writing it into the machine:
   * looking does not change the state, so going back and forth in the run finds the same
   * one. An object keeps the address it was first shown with, in every copy of the run.
   */
  private pointerOf(o: object, where: string | null): number {
    const a = anchorOf(o);
    const key = a !== null ? keyOf(a) : o;
    let h = this.pointers.get(key) ?? (where === null ? undefined : this.pointers.get(where));
    if (h !== undefined) {
      this.pointers.set(key, h);
      return h;
    }
    const trace = (this.machine as Machine).kernel.trace;
    const inside = trace as unknown as { pointers: Map<object, number>; pointerCount: number };
    h = inside.pointers.get(o);
    if (h === undefined) {
      const count = inside.pointerCount;
      inside.pointerCount += this.shownPointers;
      try {
        h = trace.hashedPointer(o);
      } finally {
        inside.pointers.delete(o);
        inside.pointerCount = count;
      }
      this.shownPointers++;
    }
    this.pointers.set(key, h);
    if (where !== null) this.pointers.set(where, h);
    return h;
  }

  private backtrace(): string {
    const t = this.thread();
    const n = t.fnStack.length;
    if (n === 0) return "No stack.";
    const out: string[] = [];
    for (let d = n - 1; d >= 0; d--) out.push(`#${n - 1 - d}  ${this.frameText(t, d)}`);
    return out.join("\n");
  }

  private tasks(): task_struct[] {
    const m = this.started();
    const out: task_struct[] = [];
    for (const pid of m.kernel.init_pid_ns.pids.values()) if (pid.task !== null) out.push(pid.task);
    out.sort((a, b) => a.pid - b.pid);
    return out;
  }

  private info(what: string): string {
    if (what === "b" || what === "break" || what === "breakpoints" || what === "watchpoints") {
      if (this.breakpoints.length + this.watchpoints.length === 0) return "No breakpoints or watchpoints.";
      const rows = [
        ...this.breakpoints.map((b) => ({
          num: b.num,
          line: `${b.temporary ? "del " : "keep"} y   ${functionName(b.fn)}`,
          type: "breakpoint",
          hits: b.hits,
        })),
        ...this.watchpoints.map((w) => ({
          num: w.num,
          line: `keep y   ${w.path === null ? `${w.expr} (task ${w.pid})` : `-location ${w.expr}`}`,
          type: "hw watchpoint",
          hits: w.hits,
        })),
      ].sort((a, b) => a.num - b.num);
      return [
        "Num     Type           Disp Enb What",
        ...rows.flatMap((r) => [
          `${String(r.num).padEnd(7)} ${r.type.padEnd(14)} ${r.line}`,
          ...(r.hits > 0 ? [`\tbreakpoint already hit ${r.hits} time${r.hits === 1 ? "" : "s"}`] : []),
        ]),
      ].join("\n");
    }
    if (what === "checkpoints") return this.infoCheckpoints();
    if (what === "tasks" || what === "threads") {
      const lines = ["  Id    Name             State CPU Frame"];
      for (const p of this.tasks()) {
        const mark = p === this.selected ? "*" : " ";
        const fn = p.sim.fnStack.at(-1);
        const name = p.flags & PF_KTHREAD ? `[${p.comm}]` : p.comm;
        lines.push(
          `${mark} ${String(p.pid).padEnd(5)} ${name.padEnd(16)} ${task_state_to_char(p).padEnd(5)} ${String(p.cpu).padEnd(3)} ${fn === undefined ? "" : `${functionName(fn)} ()`}`,
        );
      }
      return lines.join("\n");
    }
    return `Undefined info command: "${what}".  Try "help".`;
  }

  private selectTask(arg: string): string {
    const pid = Number(arg);
    const p = this.tasks().find((t) => t.pid === pid);
    if (p === undefined) return `Invalid task ID: ${arg}`;
    this.selected = p;
    this.frameSel = 0;
    const fn = p.sim.fnStack.at(-1);
    return `[Switching to task ${p.pid} (${p.comm})]\n#0  ${fn === undefined ? "??" : functionName(fn)} ()`;
  }

  /** The value of EXPR for task p: a $variable, an argument of its current frame, or a field path. */
  private resolve(p: task_struct, expr: string): unknown {
    const m = this.machine as Machine;
    switch (expr) {
      case "$pid":
        return p.pid;
      case "$comm":
        return p.comm;
      case "$time":
        return seconds(m.now);
      case "$cpu":
        return p.cpu;
      case "$state":
        return task_state_to_char(p);
    }
    const path = expr.split(/->|\./).filter((s) => s !== "");
    let v: unknown = p;
    const head = path[0];
    const t = p.sim;
    const depth = t.fnStack.length - 1 - Math.min(this.frameSel, t.fnStack.length - 1);
    const f = depth >= 0 ? this.frameArgs(t, depth) : null;
    const arg = f === null || head === undefined ? -1 : this.paramNames(f.fn).indexOf(head);
    if (arg >= 0 && f !== null) {
      v = f.args[arg];
      path.shift();
    } else if (head === "p" || head === "current" || head === "task" || head === "$task") path.shift();
    for (const key of path) {
      if (v === null || v === undefined) throw new DebugError("Cannot access memory at address 0x0");
      if (typeof v !== "object" || !(key in (v as object))) {
        throw new DebugError(`There is no member named ${key}.`);
      }
      v = (v as Record<string, unknown>)[key];
    }
    return v;
  }

  /** EXPR printed: `*EXPR` shows the object's fields, EXPR alone a pointer for an object. */
  private evaluate(p: task_struct, expr: string): string {
    const deref = expr.startsWith("*");
    const v = this.resolve(p, deref ? expr.slice(1) : expr);
    if (deref) {
      if (v === null || v === undefined) throw new DebugError("Cannot access memory at address 0x0");
      return formatValue(v);
    }
    return v !== null && typeof v === "object" && !isTask(v) ? this.pointerish(v) : formatValue(v);
  }

  private holds(t: Thread, c: Condition): boolean {
    let v: unknown;
    try {
      v = this.resolve(t.owner as task_struct, c.lhs);
    } catch {
      return false;
    }
    const a = v === undefined ? null : v;
    const b = c.rhs;
    switch (c.op) {
      case "==":
        return a === b;
      case "!=":
        return a !== b;
      default: {
        if (typeof a !== "number" || typeof b !== "number") return false;
        return c.op === "<" ? a < b : c.op === "<=" ? a <= b : c.op === ">" ? a > b : a >= b;
      }
    }
  }

  private print(expr: string): string {
    if (expr === "") return "Argument required (expression to print).";
    this.started();
    const p = this.selected;
    if (p === null) return "No task selected.";
    return `$${++this.history} = ${this.evaluate(p, expr)}`;
  }

  private watch(arg: string): string {
    const loc = /^(-l|-location)(\s+|$)/.exec(arg);
    const expr = loc === null ? arg : arg.slice(loc[0].length).trim();
    if (expr === "") return "Argument required (expression to watch).";
    this.started();
    const p = this.selected;
    if (p === null) return "No task selected.";
    const num = this.nextNum;
    let wp: Watchpoint;
    if (loc === null) {
      this.evaluate(p, expr); // says now what is wrong with it
      wp = { num, expr, anchor: anchorOf(p) as Anchor, path: null, pid: p.pid, old: null, hits: 0 };
    } else {
      // The object the expression reaches last that has a name across the run, and the members from it.
      const path = expr.split(/->|\./).filter((x) => x !== "");
      const key = path.pop();
      if (key === undefined) return `Cannot watch "${expr}": name a member (create->done).`;
      let base: unknown = this.resolve(p, path.join("->"));
      const rest = [key];
      while (typeof base !== "object" || base === null || anchorOf(base) === null) {
        const k = path.pop();
        if (k === undefined) return `Cannot watch -location ${expr}: no task or slab object on the way to it.`;
        rest.unshift(k);
        base = path.length === 0 ? p : this.resolve(p, path.join("->"));
      }
      wp = { num, expr, anchor: anchorOf(base) as Anchor, path: rest, pid: p.pid, old: null, hits: 0 };
    }
    this.nextNum++;
    wp.old = this.watchValue(wp);
    this.watchpoints.push(wp);
    return `Hardware watchpoint ${wp.num}: ${loc === null ? expr : `-location ${expr}`}${loc === null ? ` (task ${p.pid})` : ""}`;
  }

  private list(name: string): string {
    let fn: number | undefined;
    if (name !== "") {
      fn = findFunctionId(name);
      if (fn === undefined) return `Function "${name}" not defined.`;
    } else {
      fn = this.thread().fnStack.at(-1);
      if (fn === undefined) return "No function to list.";
    }
    const known = this.sources.get(functionName(fn));
    if (known !== undefined) {
      return [`${known.file}:`, ...known.text.map((l, i) => `${String(known.line + i).padEnd(6)}${l}`)].join("\n");
    }
    const src = functionSource(fn);
    if (src === null) return `No source for ${functionName(fn)}.`;
    return src
      .split("\n")
      .map((l, i) => `${String(i + 1).padEnd(6)}${l}`)
      .join("\n");
  }
}

/** Drops the frames of threads whose task is dead (it never runs again; nothing shows its stack). */
function forgetDead(d: DebugData): void {
  for (const t of d.frames.keys()) if ((t.owner as task_struct).__state === TASK_DEAD) d.frames.delete(t);
}

/** A watchpoint's expression as gdb shows it. */
function watchText(wp: Watchpoint): string {
  return wp.path === null ? wp.expr : `-location ${wp.expr}`;
}

/** A watched value that cannot be read (the message says why): one object per message, so equal reads are the same. */
class Unreadable {
  constructor(readonly why: string) {}
}

const unreadables = new Map<string, Unreadable>();

function unreadable(why: string): Unreadable {
  let u = unreadables.get(why);
  if (u === undefined) unreadables.set(why, (u = new Unreadable(why)));
  return u;
}

/** `o`'s member at `path` (as print reads it), or an Unreadable. */
function readPath(o: object, path: readonly string[]): unknown {
  let v: unknown = o;
  for (const key of path) {
    if (v === null || v === undefined) return unreadable("Cannot access memory at address 0x0");
    if (typeof v !== "object" || !(key in (v as object))) return unreadable(`There is no member named ${key}.`);
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A command that cannot be done now; its message is gdb's. */
export class DebugError extends Error {}

/** execute() with DebugError turned into its message, as gdb prints errors. */
export function debugCommand(d: Debugger, line: string): string {
  try {
    return d.execute(line);
  } catch (e) {
    if (e instanceof DebugError) return e.message;
    throw e;
  }
}
