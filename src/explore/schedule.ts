/**
 * One schedule: a run of a scenario in which every choice point (which CPU steps next,
 * which task a CPU picks, whether an injected signal is sent now, …) is answered by a
 * script, recorded with where it was asked, and the run's terminal state and first
 * violation summed up. Everything the strategies do is built from this.
 */

import { task_state_to_char } from "../linux/include/sched.js";
import { K } from "../linux/kernel.js";
import { FAIL_DUMP } from "../linux/lib/fault-inject.js";
import { type RunOptions, type RunResult, runMachine, runScenario } from "../run.js";
import { findScenario } from "../scenarios/index.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { ChoiceKind, Chooser } from "../sim/chooser.js";
import { activeEngine, type Cpu, type Engine, type Report } from "../sim/engine.js";
import { functionName } from "../sim/functions.js";
import { bootSnapshot, resume } from "./checkpoint.js";
import { stateStart } from "./from-state.js";
import { stepWoke, trackShared } from "./reduce.js";

/** What is explored: a scenario on a machine (minimal boot, see MachineOptions.boot). */
export interface Target {
  /** A built-in scenario's name, or the absolute path of a scenario file (registerScenario). */
  scenario: string;
  cpus: number;
  seed: number;
  /** A broken protocol variant (linux/kernel/mutants.ts), or null. */
  mutant: string | null;
  /** The release to model (linux/eras/profiles.ts); absent: the default, 6.19. */
  kernel?: string;
  /**
   * Explore from this saved state (from-state.ts) instead of the scenario's start: the file's
   * path (absolute; in a replay or result file, relative to that file) and its bytes' sha256.
   * The other fields are then the state's.
   */
  state?: { path: string; sha256: string };
}

/** A choice point as the run met it. */
export interface Choice {
  kind: ChoiceKind;
  n: number;
  pick: number;
  /** Where: the kind and the modeled function each alternative is in (for coverage). */
  site: string;
  /**
   * Whether the step that alternative 0 led to touched no shared state (see reduce.ts);
   * only for choices made before a step (which CPU steps, whether a signal is sent now).
   */
  local: boolean;
}

export interface Violation {
  kind: string;
  title: string;
  /** The engine step at which it was found. */
  step: number;
}

export interface Outcome {
  choices: Choice[];
  /** Engine steps the run took. */
  steps: number;
  /** A hash of the terminal state (see terminalState). */
  state: string;
  violation: Violation | null;
}

/**
 * One pass of the run loop as DPOR sees it (dpor.ts): the CPU that stepped, whether the step
 * touched shared state, the tasks that ran code in it and the tasks it woke, and its
 * choices (log indices [first, end): the CPU pick and signal choices before it, the rest in it).
 */
export interface StepEvent {
  cpu: number;
  shared: boolean;
  ran: unknown[];
  woke: unknown[];
  first: number;
  end: number;
}

/** What DPOR records of a run: its steps, and for each choice index the CPU ids a cpu_order offered or the task a signal was for. */
export interface StepLog {
  steps: StepEvent[];
  cands: (readonly number[] | undefined)[];
  subjects: unknown[];
}

/** Decides choice point number `index` (0-based, in the order the run meets them). */
export type Script = (index: number, kind: ChoiceKind, n: number) => number;

/** Report kinds that are findings, not violations. */
const BENIGN = new Set(["printk", "info"]);

/** Scenarios loaded from files (`tasklab explore my.ts`), by the path the target names. */
const loaded = new Map<string, Scenario>();

/** Makes a scenario loaded from a file known to targets that name its path. */
export function registerScenario(path: string, s: Scenario): void {
  loaded.set(path, s);
}

export function targetScenario(t: Target): Scenario {
  const s = findScenario(t.scenario) ?? loaded.get(t.scenario);
  if (s === undefined) throw new RangeError(`no scenario named '${t.scenario}'`);
  return s;
}

/** The id of the function the thread on `cpu` is in (its innermost modeled call), or -1. */
function where(cpu: Cpu): number {
  const st = cpu.curr?.fnStack;
  return st === undefined || st.length === 0 ? -1 : (st[st.length - 1] as number);
}

const KINDS: readonly ChoiceKind[] = ["cpu_order", "signal", "fault", "pick_next_task", "tick_preempt", "wake_cpu"];
/**
 * Site texts, made once each (a run meets the same few hundred sites again and again): by
 * kind, then the first function's id + 1, then the second's + 1 (0 when there is only one).
 */
const sites: (string | undefined)[][][] = KINDS.map(() => []);

function siteText(kind: ChoiceKind, fns: readonly number[]): string {
  return `${kind}:${fns.map((f) => (f < 0 ? "-" : functionName(f))).join("|")}`;
}

/** "kind:function" (for cpu_order, each candidate's function, "|" between). */
function site(kind: ChoiceKind): string {
  const e = activeEngine();
  const cands = e.candidates;
  if (kind === "cpu_order" && cands.length > 2) return siteText(kind, cands.map(where));
  // One function, or a cpu_order's two (it is only asked with two or more candidates).
  const f0 = where(kind === "cpu_order" ? (cands[0] as Cpu) : e.runningCpu);
  const f1 = kind === "cpu_order" ? where(cands[1] as Cpu) : -1;
  const byKind = sites[KINDS.indexOf(kind)] as (string | undefined)[][];
  const byFirst = (byKind[f0 + 1] ??= []);
  let text = byFirst[f1 + 1];
  if (text === undefined) {
    text = siteText(kind, kind === "cpu_order" ? [f0, f1] : [f0]);
    byFirst[f1 + 1] = text;
  }
  return text;
}

/**
 * A chooser that asks `script` and records each choice into `log`; with an engine's
 * shared-state tracking on (`track`), it also records whether the step after a choice was
 * local. A class with its state in fields: a snapshot of the machine copies it, and the
 * explorer points the copy's `script` and `log` at the run that goes on from there.
 */
export class ScriptedChooser implements Chooser {
  readonly ordersCpus = true;
  // The choices made just before the step under way (which CPU steps, whether a signal is
  // sent now): their `local` is that step's. For a signal choice, the task it would go to.
  // Reused from step to step: `waiting` of them are current (none between steps).
  private readonly before: Choice[] = [];
  private readonly subjects: unknown[] = [];
  private waiting = 0;
  /** DPOR's record of the run's steps (null: not recorded), and the log's length at the last step's end. */
  steps: StepLog | null = null;
  private mark = 0;

  constructor(
    public script: Script,
    public log: Choice[],
  ) {}

  choose(kind: ChoiceKind, n: number): number {
    if (K.system_state !== "running") return 0; // boot is not explored: it is the same in every run
    const log = this.log;
    const raw = this.script(log.length, kind, n);
    const pick = raw >= 0 && raw < n ? raw : 0;
    const c: Choice = { kind, n, pick, site: site(kind), local: false };
    log.push(c);
    if (kind === "cpu_order" || kind === "signal") {
      this.before[this.waiting] = c;
      this.subjects[this.waiting++] = kind === "signal" ? activeEngine().choiceSubject : null;
    }
    const rec = this.steps;
    if (rec !== null) {
      if (kind === "cpu_order") rec.cands[log.length - 1] = activeEngine().candidates.map((cpu) => cpu.id);
      else if (kind === "signal") rec.subjects[log.length - 1] = activeEngine().choiceSubject;
    }
    return pick;
  }

  /** Turns on `engine`'s shared-state tracking, and records each choice's `local` after its step. */
  track(engine: Engine): void {
    trackShared(engine);
    engine.afterStep = (cpu) => this.afterStep(engine, cpu);
  }

  private afterStep(engine: Engine, cpu: Cpu): void {
    const waiting = this.waiting;
    if (waiting > 0) {
      const runner = cpu.curr?.owner;
      for (let i = 0; i < waiting; i++) {
        const subject = this.subjects[i];
        // A signal to `subject` commutes with any step `subject` does not run and that does not wake it.
        (this.before[i] as Choice).local =
          subject !== null ? runner !== subject && !stepWoke.has(subject) : !engine.stepShared;
      }
      this.waiting = 0;
    }
    const rec = this.steps;
    if (rec !== null && K.system_state === "running") {
      const end = this.log.length;
      const ran = [engine.running.owner, cpu.curr?.owner];
      rec.steps.push({ cpu: cpu.id, shared: engine.stepShared, ran, woke: [...stepWoke], first: this.mark, end });
      this.mark = end;
    }
    if (stepWoke.size > 0) stepWoke.clear(); // clear() makes a new table even when empty
  }
}

/** A chooser that asks `script` and records each choice (see ScriptedChooser). */
export function scriptedChooser(script: Script, log: Choice[]): ScriptedChooser {
  return new ScriptedChooser(script, log);
}

/**
 * The terminal state, as text: what the scenario printed (sorted: the order of lines from
 * different tasks is history, not state), every task left with its state, the findings,
 * and the live slab objects by cache. Clocks are not part of it.
 */
export function terminalState(r: RunResult): string {
  const lines: string[] = [];
  // The kernel log, but for the injected failures' records: they are the schedule's input.
  for (const rep of r.reports) if (rep.kind === "printk" && rep.title !== FAIL_DUMP) lines.push(`printk ${rep.title}`);
  lines.sort();
  for (const p of r.machine.tasks()) lines.push(`task ${p.pid} ${p.comm} ${task_state_to_char(p)}`);
  for (const rep of r.reports) if (!BENIGN.has(rep.kind)) lines.push(`report ${rep.kind}`);
  const caches = new Map<string, number>();
  for (const rec of r.machine.kernel.slab.live.values()) caches.set(rec.cache, (caches.get(rec.cache) ?? 0) + 1);
  // By cache name (as "name,count" texts sort: no cache name has a character below ',').
  for (const c of [...caches.keys()].sort()) lines.push(`slab ${c} ${caches.get(c)}`);
  return lines.join("\n");
}

/** A 64-bit hash of a string (two 32-bit FNV-1a lanes with different offsets), as 16 hex digits. */
export function hash64(s: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

export function firstViolation(reports: readonly Report[]): Violation | null {
  for (const r of reports) if (!BENIGN.has(r.kind)) return { kind: r.kind, title: r.title, step: r.step ?? 0 };
  return null;
}

/** Called by each run's engine now and then, and after each run: a host-side watchdog listens. */
let watcher: ((e: Engine) => void) | undefined;

/** The function schedule runs report their progress to, if any. */
export function progressWatcher(): ((e: Engine) => void) | undefined {
  return watcher;
}

/** Tells the watcher (if any) that `e`'s machine made progress (the stateful search, after each transition). */
export function reportProgress(e: Engine): void {
  watcher?.(e);
}

/** Sets (or with undefined, clears) the function every schedule run reports its progress to. */
export function watchSchedules(f: ((e: Engine) => void) | undefined): void {
  watcher = f;
}

/**
 * The machine a schedule runs on: the target's, booted minimally, its choices answered by
 * `script` and recorded into `choices`; `events` records the trace (off when exploring).
 */
export function scheduleOptions(t: Target, script: Script, choices: Choice[], events: boolean): RunOptions {
  const chooser = scriptedChooser(script, choices);
  return {
    cpus: t.cpus,
    seed: t.seed,
    boot: "minimal",
    leakScope: "scenario",
    // A schedule's own injection (a kill, a failed fork) may keep a task a spec names from
    // ever being made: that is an outcome to explore, not a mistake in the spec.
    checkSpecs: false,
    ...(t.mutant === null ? {} : { mutant: t.mutant }),
    ...(t.kernel === undefined ? {} : { kernel: t.kernel }),
    ...(events ? {} : { events: [] }),
    chooser,
    prepare: (m) => chooser.track(m.engine),
    ...(watcher === undefined ? {} : { onProgress: watcher }),
  };
}

/**
 * Runs the target once under `script`: from its booted snapshot (checkpoint.ts) when it has
 * one and the trace is off (the snapshot's trace starts empty), else from power-on; a
 * target from a saved state from that state (from-state.ts), its trace as saved when on.
 */
export function runSchedule(t: Target, script: Script, events = false): { outcome: Outcome; result: RunResult } {
  const choices: Choice[] = [];
  const s = targetScenario(t);
  const opts = scheduleOptions(t, script, choices, events);
  const snap = t.state !== undefined ? stateStart(t, events) : events ? null : bootSnapshot(t);
  const result = snap === null ? runScenario(s, opts) : runMachine(s, resume(snap, s, script, choices, watcher), opts);
  return { outcome: outcomeOf(result, choices), result };
}

/** A finished run's outcome, its choices recorded in `choices`. */
export function outcomeOf(result: RunResult, choices: Choice[]): Outcome {
  watcher?.(result.machine.engine);
  return {
    choices,
    steps: result.machine.engine.steps,
    state: hash64(terminalState(result)),
    violation: firstViolation(result.reports),
  };
}

/** A script that follows `picks` (choice index → alternative) and takes 0 elsewhere. */
export function picksScript(picks: ReadonlyMap<number, number>): Script {
  return (i) => picks.get(i) ?? 0;
}

/** The non-default picks of a run, by choice index. */
export function deviations(choices: readonly Choice[]): Map<number, number> {
  const m = new Map<number, number>();
  choices.forEach((c, i) => {
    if (c.pick !== 0) m.set(i, c.pick);
  });
  return m;
}

/** Choices that count against the preemption bound: the ones that overrule the kernel's policy or time order. */
export function isPreemption(kind: ChoiceKind): boolean {
  return kind === "cpu_order" || kind === "pick_next_task" || kind === "tick_preempt";
}

export function preemptions(choices: readonly Choice[]): number {
  let n = 0;
  for (const c of choices) if (c.pick !== 0 && isPreemption(c.kind)) n++;
  return n;
}
