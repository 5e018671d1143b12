/**
 * Dynamic partial-order reduction (`--dpor`): source-set DPOR (Abdulla, Aronis, Jonsson and
 * Sagonas, POPL 2014) over the explorer's schedule tree.
 *
 * The threads of DPOR are the CPUs (a `cpu_order` choice picks which CPU steps next; a CPU's
 * next step is a function of the state, as a thread's is) and one injector per task an
 * `@any` signal is for (its one event: the signal sent, at a `signal` choice). Each run
 * records its steps (ScriptedChooser.steps); two events are dependent when:
 *
 * - two CPU steps: both touched shared state (reduce.ts: any code outside the short list of
 *   functions that build a new task out of sight, any interrupt, any reschedule). Nothing
 *   finer is observed, so any two shared steps are dependent;
 * - a CPU step and a signal to T: the step ran T or woke T (the sleep-set rule of reduce.ts);
 * - two signals: always.
 *
 * For each event of a run, its race is the latest dependent event of another thread that
 * does not happen before the event's thread (vector clocks); the state before the race's
 * first event gets a source-set entry: unless an initial of the reversed order (what
 * follows the first event and does not depend on it, then the second) is already explored
 * or pending there, the first initial, or every candidate there when that one is not. A state is a choice index of the run, owned by the tree node whose region it is
 * in (dfs.ts: a node's children deviate after its last deviation), so an entry is a child of
 * that node, run when the walk comes back to it. An injector whose signal is still pending
 * gets an entry before every step that ran or woke its task (it is enabled in every state,
 * so every such step races with it). Choices that are not about order (which task a CPU
 * picks, a tick's preemption, where a wakeup lands, whether an allocation fails) are a
 * thread's own nondeterminism: every alternative is a child, as in dfs.
 *
 * With a preemption bound, DPOR alone is not complete (Coons, Musuvathi and McKinley, OOPSLA
 * 2013: a reversal that costs a preemption too many may be reachable at an earlier point
 * for less); an entry for CPU q is then also added at every choice between q's previous step
 * and the race where q was a candidate. An entry that needs more preemptions than the bound
 * is dropped, as dfs would never run it.
 */

import { runMachine, runScenario } from "../run.js";
import { bootSnapshot, resume } from "./checkpoint.js";
import { type DfsBounds, ROOT, type SubtreeControl, type TreeNode } from "./dfs.js";
import {
  type Choice,
  isPreemption,
  type Outcome,
  outcomeOf,
  picksScript,
  progressWatcher,
  type ScriptedChooser,
  type StepEvent,
  type StepLog,
  scheduleOptions,
  type Target,
  targetScenario,
} from "./schedule.js";
import { addOutcome, type Stats } from "./stats.js";

/** Runs `picks` from the booted snapshot (or power-on), recording its steps. */
function runRecorded(t: Target, picks: readonly [number, number][]): { outcome: Outcome; log: StepLog } {
  const log: StepLog = { steps: [], cands: [], subjects: [] };
  const choices: Choice[] = [];
  const script = picksScript(new Map(picks));
  const s = targetScenario(t);
  const opts = scheduleOptions(t, script, choices, false);
  const snap = bootSnapshot(t);
  const m = snap === null ? null : resume(snap, s, script, choices, progressWatcher());
  (m === null ? (opts.chooser as ScriptedChooser) : (m.engine.chooser as ScriptedChooser)).steps = log;
  const result = m === null ? runScenario(s, opts) : runMachine(s, m, opts);
  return { outcome: outcomeOf(result, choices), log };
}

/** A node of the walk with the children still to run (choice index, alternative, preemptions it costs). */
export interface Frame {
  node: TreeNode;
  pending: [number, number, number][];
  /** Children added (run or pending), by choiceIndex * ALTS + alternative. */
  added: Set<number>;
}

const ALTS = 4096;

/** An event of a run: a CPU's step, or a signal sent just before a step (`subject` set). */
interface Ev {
  th: number;
  step: StepEvent;
  subject: unknown;
  isSignal: boolean;
  vc: Int32Array;
  /** Its index in the run's events (set when it is added). */
  at: number;
}

/** One step's choices before it: the CPU pick (-1: none asked) and the signal choices. */
function stepChoices(x: StepEvent, choices: readonly Choice[]): { cpu: number; signals: number[] } {
  let cpu = -1;
  const signals: number[] = [];
  for (let c = x.first; c < x.end; c++) {
    const k = (choices[c] as Choice).kind;
    if (k === "cpu_order") cpu = c;
    else if (k === "signal") signals.push(c);
  }
  return { cpu, signals };
}

function touches(x: StepEvent, task: unknown): boolean {
  return x.ran.includes(task) || x.woke.includes(task);
}

function dependent(a: Ev, b: Ev): boolean {
  if (a.isSignal && b.isSignal) return true;
  if (a.isSignal) return touches(b.step, a.subject);
  if (b.isSignal) return touches(a.step, b.subject);
  return a.step.shared && b.step.shared;
}

function hb(a: Ev, b: Ev): boolean {
  return (a.vc[a.th] as number) <= (b.vc[a.th] as number);
}

/** The analysis of one run: its races become children of the nodes on the walk's stack. */
class Analysis {
  readonly evs: Ev[] = [];
  private readonly injectors = new Map<unknown, number>();
  private readonly ncpu: number;

  constructor(
    private readonly frames: Frame[],
    private readonly choices: readonly Choice[],
    private readonly log: StepLog,
    private readonly b: DfsBounds,
  ) {
    let ncpu = 0;
    for (const x of log.steps) ncpu = Math.max(ncpu, x.cpu + 1);
    this.ncpu = ncpu;
    for (const s of log.subjects)
      if (s !== undefined && !this.injectors.has(s)) this.injectors.set(s, this.injectors.size);
  }

  /** Adds alternative `alt` of choice `c` as a child of the node that owns `c`. */
  add(c: number, alt: number): void {
    const ch = this.choices[c];
    if (alt === 0 || ch === undefined || alt >= ch.n || c >= this.b.depth) return;
    let f = this.frames[0] as Frame;
    for (let k = this.frames.length - 1; k >= 0; k--) {
      if ((this.frames[k] as Frame).node.last < c) {
        f = this.frames[k] as Frame;
        break;
      }
    }
    const key = c * ALTS + alt;
    if (f.added.has(key)) return;
    const cost = isPreemption(ch.kind) ? 1 : 0;
    if (f.node.used + cost > this.b.preemptions) return;
    f.added.add(key);
    f.pending.push([c, alt, cost]);
  }

  /** Whether thread `th` is explored or pending before the step `x` (its alternative there). */
  private has(x: StepEvent, th: number): boolean {
    const { cpu, signals } = stepChoices(x, this.choices);
    if (th < this.ncpu) {
      if (th === x.cpu) return true;
      const alt = cpu < 0 ? -1 : (this.log.cands[cpu] ?? []).indexOf(th);
      return alt > 0 && this.ownerAdded(cpu, alt);
    }
    const c = signals.find((s) => this.injectorOf(this.log.subjects[s]) === th);
    return c !== undefined && ((this.choices[c] as Choice).pick === 1 || this.ownerAdded(c, 1));
  }

  private ownerAdded(c: number, alt: number): boolean {
    if ((this.choices[c] as Choice).pick === alt) return true;
    for (const f of this.frames) if (f.added.has(c * ALTS + alt)) return true;
    return false;
  }

  private injectorOf(subject: unknown): number {
    return this.ncpu + (this.injectors.get(subject) ?? -1);
  }

  /** Schedules thread `th` before the step `x` if it can go there, else every thread that can. */
  private schedule(x: StepEvent, th: number): void {
    const { cpu, signals } = stepChoices(x, this.choices);
    const cands = cpu < 0 ? [] : (this.log.cands[cpu] ?? []);
    if (th < this.ncpu) {
      const alt = cands.indexOf(th);
      if (th === x.cpu || alt > 0) {
        if (alt > 0) this.add(cpu, alt);
        return;
      }
    } else {
      const c = signals.find((s) => this.injectorOf(this.log.subjects[s]) === th);
      if (c !== undefined) {
        this.add(c, 1);
        return;
      }
    }
    for (let alt = 1; alt < cands.length; alt++) this.add(cpu, alt);
    for (const c of signals) this.add(c, 1);
  }

  run(): void {
    const { choices, log } = this;
    const nth = this.ncpu + this.injectors.size;
    const last: (Ev | undefined)[] = [];
    let lastShared: Ev | undefined;
    const sent: Ev[] = [];
    const sentBy = new Set<unknown>();
    const evs = this.evs;
    for (const x of log.steps) {
      const { signals } = stepChoices(x, choices);
      // Every injector still pending is enabled: a step that ran or woke its task races with it.
      for (const [subject, k] of this.injectors) {
        if (!sentBy.has(subject) && touches(x, subject)) this.schedule(x, this.ncpu + k);
      }
      const here: Ev[] = [];
      for (const c of signals) {
        if ((choices[c] as Choice).pick !== 1) continue;
        const subject = log.subjects[c];
        sentBy.add(subject);
        here.push({ th: this.injectorOf(subject), step: x, subject, isSignal: true, vc: new Int32Array(nth), at: -1 });
      }
      here.push({ th: x.cpu, step: x, subject: undefined, isSignal: false, vc: new Int32Array(nth), at: -1 });
      for (const e of here) {
        const prev = last[e.th];
        if (prev !== undefined) e.vc.set(prev.vc);
        // Races: the latest dependent event of another thread that does not happen before e's thread.
        let racer: Ev | undefined;
        const consider = (i: Ev) => {
          if (i.th === e.th || !dependent(i, e)) return;
          if (prev !== undefined && (i.vc[i.th] as number) <= (prev.vc[i.th] as number)) return;
          if (racer === undefined || i.at > racer.at) racer = i;
        };
        if (e.isSignal) {
          for (let k = evs.length - 1; k >= 0; k--) {
            const i = evs[k] as Ev;
            if (i.isSignal || touches(i.step, e.subject)) {
              consider(i);
              break;
            }
          }
        } else if (lastShared !== undefined && e.step.shared) consider(lastShared);
        for (const y of sent) consider(y);
        if (racer !== undefined) this.reverse(racer, e);
        // e's clock: its thread's, joined with every dependent event before it.
        const join = (i: Ev) => {
          for (let k = 0; k < nth; k++) if ((i.vc[k] as number) > (e.vc[k] as number)) e.vc[k] = i.vc[k] as number;
        };
        if (e.isSignal) {
          for (const i of evs) if (!i.isSignal && touches(i.step, e.subject)) join(i);
        } else if (e.step.shared && lastShared !== undefined) join(lastShared);
        for (const y of sent) if (dependent(y, e)) join(y);
        e.vc[e.th] = (e.vc[e.th] as number) + 1;
        e.at = evs.length;
        evs.push(e);
        last[e.th] = e;
        if (e.isSignal) sent.push(e);
        else if (e.step.shared) lastShared = e;
      }
    }
  }

  /** The race i → e: schedule, before i, an initial of what follows i and does not depend on it, then e. */
  private reverse(i: Ev, e: Ev): void {
    const evs = this.evs;
    const from = i.at;
    const v: Ev[] = [];
    for (let k = from + 1; k < evs.length; k++) if (!hb(i, evs[k] as Ev)) v.push(evs[k] as Ev);
    v.push(e);
    // Initials: events of v with no event before them in v that happens before them (e's
    // clock is still its thread's: the events it depends on directly are checked apart).
    const initials: number[] = [];
    for (let k = 0; k < v.length; k++) {
      const w = v[k] as Ev;
      if (initials.includes(w.th)) continue;
      let first = true;
      for (let m = 0; m < k && first; m++) {
        const u = v[m] as Ev;
        if (hb(u, w) || (w === e && dependent(u, e))) first = false;
      }
      if (first) initials.push(w.th);
    }
    const q = initials[0] as number;
    if (!initials.some((th) => this.has(i.step, th))) this.schedule(i.step, q);
    if (Number.isFinite(this.b.preemptions) && e.th < this.ncpu) this.window(from, e.th);
  }

  /** Under a bound: CPU `q` also at every choice back to its previous step where it was a candidate. */
  private window(from: number, q: number): void {
    for (let k = from - 1; k >= 0; k--) {
      const x = (this.evs[k] as Ev).step;
      if (x.cpu === q && !(this.evs[k] as Ev).isSignal) return;
      const { cpu } = stepChoices(x, this.choices);
      const alt = cpu < 0 ? -1 : (this.log.cands[cpu] ?? []).indexOf(q);
      // With the reduction, not where the step taken touched no shared state (dfs's sleep-set rule).
      if (alt > 0 && !(this.b.reduce && (this.choices[cpu] as Choice).local)) this.add(cpu, alt);
    }
  }

  /** The thread's own nondeterminism after the node's last deviation: every alternative. */
  branchLocal(after: number): void {
    for (let c = after + 1; c < this.choices.length; c++) {
      const ch = this.choices[c] as Choice;
      if (ch.kind === "cpu_order" || ch.kind === "signal") continue;
      for (let alt = 1; alt < ch.n; alt++) this.add(c, alt);
    }
  }
}

/**
 * Adds the children the run of the last of `frames` (the walk's stack, root first) calls
 * for: its own nondeterminism after its last deviation, and its races, to whichever node
 * of the stack owns the choice before the race.
 */
export function analyzeRun(frames: Frame[], choices: readonly Choice[], log: StepLog, b: DfsBounds): void {
  const a = new Analysis(frames, choices, log, b);
  a.branchLocal((frames[frames.length - 1] as Frame).node.last);
  a.run();
}

/** The DPOR walk of the whole tree (one thread: its entries go to nodes anywhere on the stack). */
export function exploreDpor(t: Target, b: DfsBounds, stats: Stats, ctl: SubtreeControl): void {
  const frames: Frame[] = [];
  let seq = 0;
  const visit = (node: TreeNode): boolean => {
    const { outcome, log } = runRecorded(t, node.picks);
    addOutcome(stats, outcome, node.last);
    if (outcome.violation !== null && stats.counterexample === null)
      stats.counterexample = { picks: node.picks, violation: outcome.violation, order: [seq] };
    seq++;
    ctl.onSchedule?.(stats, node);
    if (outcome.violation !== null) return !ctl.stopOnViolation;
    frames.push({ node, pending: [], added: new Set() });
    analyzeRun(frames, outcome.choices, log, b);
    return true;
  };
  if (!visit(ROOT)) return;
  while (frames.length > 0) {
    if (ctl.keepGoing !== undefined && !ctl.keepGoing()) return;
    const top = frames[frames.length - 1] as Frame;
    const next = top.pending.shift();
    if (next === undefined) {
      frames.pop();
      continue;
    }
    const [c, alt, cost] = next;
    if (!visit({ picks: [...top.node.picks, [c, alt]], last: c, used: top.node.used + cost })) return;
  }
}
