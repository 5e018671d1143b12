/**
 * The engine: CPUs with virtual clocks, threads whose code is generators, timers, the
 * run loop and its limits. Mechanism only: which thread a CPU runs, when a tick preempts
 * and what an interrupt does are decided by the model through `EngineHooks`. The engine
 * never imports the model, and uses no Node-only API.
 *
 * Time: each CPU has a clock in ns. The run loop steps the CPU whose next event is
 * earliest (ties: lowest id), so effects happen in global time order; clocks only advance
 * when a thread yields a cost, never inside a step. A chooser that orders CPUs (the
 * explorer) may pick a later CPU instead: the earlier ones are delayed to its time, so the
 * order stays a global time order.
 *
 * Size: over 400 lines because the run loop and the step are one hot path: the CPU heap, the
 * step, the fast advance and the limits are kept together so V8 inlines across them.
 */
import { type ChoiceKind, type Chooser, TasklabError } from "./chooser.js";
import { cacheFields } from "./classes.js";
import { knownCode, stateClass } from "./code.js";
import { IndexedHeap } from "./heap.js";
import { functionCount, functionName } from "./registry.js";
import { InputError, shownValue } from "./suggest.js";

/** Yielded by a thread that has just handed its CPU to another (`Engine.setCurr`). */
export const SWITCH = -1;
/** Yielded by an idle thread with nothing to do: the CPU sleeps until kicked or a timer. */
export const HALT = -2;

/** What a thread yields: a cost in ns (a preemption point), SWITCH or HALT. */
export type Step = number;
export type KGen<R = void> = Generator<Step, R, unknown>;

export class Thread {
  /** Ids of the modeled functions on this thread's stack, outermost first. */
  readonly fnStack: number[] = [];
  /** Virtual time at which each of those was entered. */
  readonly entryStack: number[] = [];
  constructor(
    readonly id: number,
    public gen: KGen<unknown>,
    /** The model's object for this thread (a task_struct). */
    readonly owner: unknown,
    /** Idle threads get no ticks (NO_HZ idle) and halt. */
    readonly idle: boolean,
  ) {}

  /** The names of the modeled calls on the stack, innermost first (like `bt`). */
  backtrace(): string[] {
    const out: string[] = [];
    for (let i = this.fnStack.length - 1; i >= 0; i--) out.push(functionName(this.fnStack[i] as number));
    return out;
  }
}

export class Cpu {
  clock = 0;
  /** When this CPU next has something to do: its clock, or for a halted CPU its first timer. */
  key = 0;
  curr: Thread | null = null;
  halted = false;
  /** Interrupts masked (local_irq_disable depth): no timer or tick is taken meanwhile. */
  irqsOff = 0;
  /** Nonzero while the tick (a hard interrupt) runs on this CPU. */
  inIrq = 0;
  /** Nonzero while timer callbacks (softirq context) run on this CPU. */
  inSoftirq = 0;
  /** Set by the model (TIF_NEED_RESCHED of the running task); checked at each yield. */
  needResched = false;
  nextTick = 0;
  /** Resumes of the current thread since the CPU last switched threads. */
  stepsSinceSwitch = 0;
  heapIndex = -1;
  readonly timers = new IndexedHeap<Timer>(timerBefore);
  constructor(readonly id: number) {}
}

/**
 * A timer's callback runs in softirq context on its argument and returns the time it took
 * (ns). A module-level function, never a closure over a machine's objects: the timer keeps
 * `{fn, arg}` as the kernel's timer_list does, so a machine's timers are data (a snapshot
 * copies `arg` and shares `fn`).
 */
// biome-ignore lint/suspicious/noExplicitAny: each timer's fn takes the type of its own arg
export type TimerFn<A = any> = (arg: A) => number;

export class Timer {
  heapIndex = -1;
  constructor(
    /** The CPU it fires on (changes if that CPU goes offline). */
    public cpu: number,
    readonly expires: number,
    readonly seq: number,
    readonly fn: TimerFn,
    /** What `fn` is called with. */
    readonly arg: unknown,
  ) {}
}

/** The ready CPUs' order: by clock, then by id. */
function cpuBefore(a: Cpu, b: Cpu): boolean {
  return a.key < b.key || (a.key === b.key && a.id < b.id);
}

function timerBefore(a: Timer, b: Timer): boolean {
  return a.expires < b.expires || (a.expires === b.expires && a.seq < b.seq);
}

/** A problem found while running: an oops, a stall, a detector's finding. */
export interface Report {
  kind: string;
  /** The first line, in the kernel's style. */
  title: string;
  /** Further lines (call stacks, details). */
  lines: string[];
  cpu: number;
  time: number;
  /** The engine step during which it was made. */
  step?: number;
}

export interface EngineHooks {
  /** A scheduler tick on a busy CPU (irq context, synchronous); returns its cost in ns. */
  tick(cpu: Cpu): number;
  /** At a preemption point with `cpu.needResched` set: the model may switch threads. */
  preempt(cpu: Cpu): void;
  /** The thread's code threw: returns the code that finishes the task (an oops). */
  oops(thread: Thread, error: unknown): KGen<unknown>;
  /** "comm/pid" of a thread's task, for reports. */
  describe(thread: Thread): string;
}

export interface EngineOptions {
  cpus: number;
  hz: number;
  chooser: Chooser;
  /** ns per modeled function, by name; functions not listed cost `defaultCost`. */
  costs: Readonly<Record<string, number>>;
  defaultCost: number;
  /** A thread resumed this many times in a row without its CPU switching is a stall. */
  maxStepsWithoutSwitch?: number;
  /** Synchronous kernel helpers called this many times within one step is a stall. */
  maxOpsPerStep?: number;
}

export interface RunLimits {
  /** Stop before any event later than this virtual time (ns). */
  until?: number;
  /** Stop after this many steps. */
  maxSteps?: number;
}

export type StopReason = "idle" | "until" | "steps" | "stopped" | "stall" | "panic";

/** Thrown out of a thread's code when it runs away without yielding. */
export class EngineStall extends Error {}

/** A thread's code yielded what is no step (not a cost, SWITCH or HALT): a mistake in the scenario's code. */
export class YieldError extends InputError {}

const costTables = new WeakMap<object, Map<number, number[]>>();

function costTable(costs: Readonly<Record<string, number>>, defaultCost: number): number[] {
  let byDefault = costTables.get(costs);
  if (byDefault === undefined) {
    byDefault = new Map();
    costTables.set(costs, byDefault);
  }
  let t = byDefault.get(defaultCost);
  if (t === undefined) {
    t = [];
    byDefault.set(defaultCost, t);
  }
  return t;
}

/** The most CPUs a machine has (NR_CPUS of a big distribution kernel). */
export const MAX_CPUS = 1024;

/** A preempting CPU runs alone for at most this many steps. */
const FAVOR_STEPS = 256;

let active: Engine | null = null;

/** The engine currently running (model code runs only inside `Engine.run`). */
export function activeEngine(): Engine {
  return active as Engine;
}

export class Engine {
  readonly cpus: Cpu[];
  readonly reports: Report[] = [];
  /** The thread being stepped and its CPU (for `current` and for kfunc frames). */
  running!: Thread;
  runningCpu!: Cpu;
  /** Total steps taken. */
  steps = 0;
  readonly tickPeriod: number;
  /** Called every 4096 passes of the run loop (a host-side watchdog listens). */
  onProgress: ((e: Engine) => void) | null = null;
  /** Observers of modeled function entry and exit (tracers, fault injection); null: none. */
  onEnter: ((t: Thread, fn: number, args: readonly unknown[]) => void) | null = null;
  /** Called as a modeled function returns, with its return value. */
  onExit: ((t: Thread, fn: number, ret: unknown) => void) | null = null;
  /**
   * Shared-state tracking (the explorer's reduction), or null: off. By function id, true for
   * the modeled functions whose code touches no shared state; a step that runs code of any
   * other function, takes an interrupt or calls `shared()` touched shared state.
   */
  localFns: readonly boolean[] | null = null;
  /** Whether the current (or last) step touched shared state (only while tracking). */
  stepShared = false;
  /** Called after each step (while tracking). */
  afterStep: ((cpu: Cpu) => void) | null = null;
  /** The candidates of the current "cpu_order" choice (reused). */
  private readonly readyCpus: Cpu[] = [];
  /** The CPU a preemption chose (it runs alone meanwhile), and the step count when it was chosen. */
  private favored: Cpu | null = null;
  private favoredSince = 0;
  /** What a "signal" choice is about (the task that would get the signal), while it is asked. */
  choiceSubject: unknown = null;
  /** The CPUs a "cpu_order" choice is between, earliest first (while it is asked). */
  candidates: readonly Cpu[] = [];
  /** Called with each thread made (fault injection keeps the tasks a spec may name). */
  onSpawn: ((t: Thread) => void) | null = null;
  /** Called before each step of a CPU's thread, as it is about to resume (injection points). */
  beforeStep: ((cpu: Cpu) => void) | null = null;
  private readonly ready = new IndexedHeap<Cpu>(cpuBefore);
  /** Cost by function id: one table per cost table and default, shared by the engines using them. */
  private readonly costById: number[];
  /** Costs of named steps (costOfName), looked up once each. */
  private readonly costByName = new Map<string, number>();
  private nextThreadId = 0;
  private timerSeq = 0;
  private ops = 0;
  private stopReason: StopReason | null = null;
  private panicked = false;
  private until = Number.POSITIVE_INFINITY;
  private budget = Number.POSITIVE_INFINITY;
  private readonly maxStepsWithoutSwitch: number;
  private readonly maxOpsPerStep: number;

  constructor(
    private readonly opts: EngineOptions,
    private readonly hooks: EngineHooks,
  ) {
    if (!Number.isInteger(opts.cpus) || opts.cpus < 1 || opts.cpus > MAX_CPUS) {
      throw new RangeError(`cpus must be an integer from 1 to ${MAX_CPUS}, got ${opts.cpus}`);
    }
    this.cpus = Array.from({ length: opts.cpus }, (_, i) => new Cpu(i));
    this.costById = costTable(opts.costs, opts.defaultCost);
    this.tickPeriod = Math.round(1e9 / opts.hz);
    this.maxStepsWithoutSwitch = opts.maxStepsWithoutSwitch ?? 5_000_000;
    this.maxOpsPerStep = opts.maxOpsPerStep ?? 10_000_000;
  }

  get chooser(): Chooser {
    return this.opts.chooser;
  }

  /** Another chooser from now on (the explorer's, on a machine loaded from a saved state). */
  set chooser(c: Chooser) {
    this.opts.chooser = c;
  }

  choose(kind: ChoiceKind, n: number): number {
    return n < 2 ? 0 : this.opts.chooser.choose(kind, n);
  }

  /** The cost in ns of one call of modeled function `id`. */
  costOf(id: number): number {
    const c = this.costById[id];
    if (c !== undefined) return c;
    for (let i = this.costById.length; i < functionCount(); i++) {
      this.costById[i] = this.opts.costs[functionName(i)] ?? this.opts.defaultCost;
    }
    return this.costById[id] ?? this.opts.defaultCost;
  }

  /** The cost in ns of a named step that is not a modeled function (an IPI, a tick). */
  costOfName(name: string): number {
    let c = this.costByName.get(name);
    if (c === undefined) {
      c = this.opts.costs[name] ?? this.opts.defaultCost;
      this.costByName.set(name, c);
    }
    return c;
  }

  /** "comm/pid" of a thread's task (for messages about it). */
  describe(t: Thread): string {
    return this.hooks.describe(t);
  }

  /** Makes a thread for a task; it runs when the model switches a CPU to it. */
  spawn(owner: unknown, gen: KGen<unknown>, idle = false): Thread {
    const t = new Thread(this.nextThreadId++, gen, owner, idle);
    this.onSpawn?.(t);
    return t;
  }

  /** Makes `t` the thread running on `cpu` (the running thread then yields SWITCH). */
  setCurr(cpu: Cpu, t: Thread): void {
    cpu.curr = t;
    cpu.stepsSinceSwitch = 0;
  }

  /** Wakes a halted CPU (an IPI), no earlier than `at`. */
  kick(cpu: Cpu, at: number): void {
    if (!cpu.halted) return;
    cpu.halted = false;
    if (cpu.clock < at) cpu.clock = at;
    cpu.nextTick = this.nextTickAfter(cpu.clock);
    cpu.key = cpu.clock;
    this.ready.update(cpu);
  }

  /** Arms a one-shot timer on `cpu`; `fn(arg)` runs in that CPU's irq context. */
  addTimer<A>(cpu: Cpu, expires: number, fn: TimerFn<A>, arg: A): Timer {
    const t = new Timer(cpu.id, expires, this.timerSeq++, fn, arg);
    cpu.timers.push(t);
    if (cpu.halted) this.rekeyHalted(cpu);
    return t;
  }

  delTimer(t: Timer): void {
    const cpu = this.cpus[t.cpu] as Cpu;
    cpu.timers.remove(t);
    if (cpu.halted) this.rekeyHalted(cpu);
  }

  /** Model code at a plain access to shared state (what KCSAN would instrument): marks the step. */
  shared(): void {
    this.stepShared = true;
  }

  /** Counts one synchronous kernel helper call; a runaway loop of them is a stall. */
  touch(): void {
    if (++this.ops > this.maxOpsPerStep) {
      throw new EngineStall(`${this.maxOpsPerStep} kernel helper calls without yielding`);
    }
  }

  report(r: Omit<Report, "cpu" | "time"> & Partial<Pick<Report, "cpu" | "time">>): void {
    this.reports.push({ cpu: this.runningCpu?.id ?? 0, time: this.runningCpu?.clock ?? 0, step: this.steps, ...r });
  }

  /** Asks the run loop to stop after the current step. */
  stop(reason: StopReason = "stopped"): void {
    this.stopReason = reason;
  }

  /** The machine is dead (a kernel panic): reports it, and no run goes on from here. */
  panic(title: string, lines: string[]): void {
    this.report({ kind: "panic", title, lines });
    this.panicked = true;
    this.stop("panic");
  }

  /** Brings a CPU online at time `at`, running `idle` (its idle thread) first. */
  online(cpu: Cpu, t: Thread, at: number): void {
    cpu.curr = t;
    cpu.halted = false;
    cpu.clock = Math.max(cpu.clock, at);
    cpu.key = cpu.clock;
    cpu.nextTick = this.nextTickAfter(cpu.clock);
    this.ready.update(cpu);
  }

  /**
   * Takes a CPU offline: it stops (its current thread, the idle one, stays where it halted)
   * and its pending timers move to `to`, as timers_dead_cpu migrates them.
   */
  offline(cpu: Cpu, to: Cpu): void {
    for (let t = cpu.timers.pop(); t !== undefined; t = cpu.timers.pop()) {
      t.cpu = to.id;
      to.timers.push(t);
    }
    if (to.halted) this.rekeyHalted(to);
    cpu.halted = true;
    cpu.needResched = false;
    this.ready.remove(cpu);
  }

  /** The earliest virtual time at which something can still happen, or Infinity. */
  nextEventTime(): number {
    return this.ready.peek()?.key ?? Number.POSITIVE_INFINITY;
  }

  /** The latest CPU clock: "now" as seen from outside the run. */
  now(): number {
    let t = 0;
    for (const c of this.cpus) if (c.clock > t) t = c.clock;
    return t;
  }

  run(limits: RunLimits = {}): StopReason {
    const prev = active;
    active = this;
    try {
      return this.loop(limits.until ?? Number.POSITIVE_INFINITY, limits.maxSteps ?? Number.POSITIVE_INFINITY);
    } finally {
      active = prev;
    }
  }

  /** Why a run would stop before its next step, whatever its limits: "panic", "idle", or null (it would step). */
  ended(): "panic" | "idle" | null {
    if (this.panicked) return "panic";
    return this.ready.peek() === undefined ? "idle" : null;
  }

  private loop(until: number, maxSteps: number): StopReason {
    if (this.panicked) return "panic";
    this.stopReason = null;
    this.until = until;
    this.budget = maxSteps;
    for (let n = 1; ; n++) {
      if ((n & 0xfff) === 0) this.onProgress?.(this);
      // The limits first: picking a CPU may be a recorded choice, which a run that then
      // stopped here would make twice (once now, again when it goes on).
      const first = this.ready.peek();
      if (first === undefined) return "idle";
      if (first.key > until) return "until";
      if (this.budget-- <= 0) return "steps";
      const cpu = this.pickCpu() as Cpu;
      this.step(cpu);
      this.afterStep?.(cpu);
      if (this.stopReason !== null) return this.stopReason;
    }
  }

  /**
   * Spends `cost` ns on the running CPU without a round trip through the run loop, when
   * the loop would resume this same thread next anyway: no other CPU has anything to do
   * before the new time, no timer or tick falls due, no reschedule is pending, no limit is
   * reached. Returns false (nothing done) otherwise; the caller then yields the cost.
   * Either way the run is the same: this only saves the generator switches.
   */
  advance(cost: number): boolean {
    if (!(cost >= 0 && cost < Number.POSITIVE_INFINITY)) return false; // yielded, and refused there
    const cpu = this.runningCpu;
    if (cpu.inIrq + cpu.inSoftirq > 0) return false; // interrupt work is charged after it
    if (this.beforeStep !== null || (this.opts.chooser.ordersCpus && this.otherBusy(cpu))) return false; // a choice point
    const to = cpu.clock + cost;
    const first = this.ready.peek();
    const other = first === cpu ? this.ready.peekSecond() : first;
    if (other !== undefined && !(to < other.key)) return false;
    if (to >= cpu.nextTick && !(cpu.curr as Thread).idle) return false;
    const timer = cpu.timers.peek();
    if (
      (timer !== undefined && timer.expires <= to) ||
      cpu.needResched ||
      to > this.until ||
      this.budget <= 0 ||
      this.stopReason !== null
    )
      return false;
    if (++cpu.stepsSinceSwitch > this.maxStepsWithoutSwitch) return false;
    this.budget--;
    this.steps++;
    this.ops = 0;
    cpu.clock = to;
    cpu.key = to;
    return true;
  }

  /** Whether a CPU other than `cpu` has a thread to run (it is in the ready heap, not halted). */
  private otherBusy(cpu: Cpu): boolean {
    for (const c of this.cpus) if (c !== cpu && !c.halted && c.heapIndex >= 0) return true;
    return false;
  }

  private pickCpu(): Cpu | undefined {
    const first = this.ready.peek();
    if (first === undefined || !this.opts.chooser.ordersCpus || first.halted) return first;
    // Every CPU with a thread to run is a candidate, earliest first, but none whose step
    // would come after a halted CPU's timer (that wakeup is due first, whatever the order).
    let timer = Number.POSITIVE_INFINITY;
    let busy = 0;
    for (const c of this.cpus) {
      if (c.heapIndex < 0) continue;
      if (!c.halted) busy++;
      else if (c.key < timer) timer = c.key;
    }
    if (busy < 2) {
      // No choice; the favored CPU, if it is the one running, goes on counting its steps.
      const fav = this.favored;
      if (
        fav !== null &&
        (fav.heapIndex < 0 ||
          fav.halted ||
          !(fav.key < timer || fav === first) ||
          this.steps - this.favoredSince > FAVOR_STEPS)
      )
        this.favored = null;
      return first;
    }
    // Filled in place: emptying the array (length 0) would free its storage at every choice.
    const ready = this.readyCpus;
    let n = 0;
    for (const c of this.cpus) {
      if (c.heapIndex < 0 || c.halted || !(c.key < timer || c === first)) continue;
      // Insertion in order: the favored CPU first, then by clock, then by id.
      let i = n++;
      while (i > 0 && this.before(c, ready[i - 1] as Cpu)) {
        ready[i] = ready[i - 1] as Cpu;
        i--;
      }
      ready[i] = c;
    }
    if (ready.length !== n) ready.length = n;
    const fav = this.favored;
    if (fav !== null && (!ready.includes(fav) || this.steps - this.favoredSince > FAVOR_STEPS)) {
      this.favored = null;
      ready.sort((a, b) => a.key - b.key || a.id - b.id);
    }
    if (ready.length < 2) return first;
    this.candidates = ready;
    const i = this.choose("cpu_order", ready.length);
    const pick = ready[i] as Cpu;
    if (i !== 0) {
      // A preemption: the chosen CPU runs alone from here (the others stall) until it
      // goes idle, or the next preemption.
      this.favored = pick;
      this.favoredSince = this.steps;
    }
    for (const c of ready) {
      if (c.key >= pick.key) continue;
      c.clock = pick.key; // delayed: its pending step ends later
      c.key = pick.key;
      this.ready.update(c);
    }
    return pick;
  }

  /** The order of candidates: the favored CPU first, then by clock, then by id. */
  private before(a: Cpu, b: Cpu): boolean {
    if (a === this.favored) return true;
    if (b === this.favored) return false;
    return a.key < b.key || (a.key === b.key && a.id < b.id);
  }

  private step(cpu: Cpu): void {
    this.runningCpu = cpu;
    if (this.beforeStep !== null) {
      this.running = cpu.curr as Thread; // what an interrupt arriving now interrupts
      this.beforeStep(cpu);
    }
    if (cpu.halted) {
      // Woken from idle by a due timer.
      cpu.halted = false;
      cpu.clock = cpu.key;
      cpu.nextTick = this.nextTickAfter(cpu.clock);
    }
    const irqCost = cpu.irqsOff > 0 ? 0 : this.runIrqWork(cpu);
    if (this.localFns !== null) this.stepShared = irqCost > 0;
    if (irqCost > 0) {
      // The interrupt took the CPU for a while; the thread resumes in a later step.
      cpu.clock += irqCost;
      cpu.key = cpu.clock;
      this.ready.update(cpu);
      return;
    }
    if (cpu.needResched && cpu.irqsOff === 0) {
      this.running = cpu.curr as Thread;
      this.hooks.preempt(cpu);
      this.stepShared = true; // the scheduler ran
    }
    const t = cpu.curr as Thread;
    this.running = t;
    this.ops = 0;
    this.steps++;
    if (this.localFns !== null) {
      const top = t.fnStack[t.fnStack.length - 1];
      if (top === undefined || this.localFns[top] !== true) this.stepShared = true;
    }
    let r: IteratorResult<Step, unknown>;
    try {
      r = t.gen.next();
    } catch (err) {
      this.fail(cpu, t, err);
      return;
    }
    if (r.done) {
      this.fatal(cpu, `task ${this.hooks.describe(t)} returned from its top-level function`);
      return;
    }
    const v = r.value;
    // The one place a thread's code moves the clock: anything but a finite cost >= 0 (or
    // SWITCH, HALT) would make it a non-number, or go back in time.
    if (typeof v !== "number" || !(v >= 0 ? v < Number.POSITIVE_INFINITY : v === SWITCH || v === HALT)) {
      throw new YieldError(
        `${this.hooks.describe(t)} yielded ${shownValue(v)} in ${t.backtrace().join(" <- ") || "its code"}: ` +
          "a thread's code yields the ns its work costs, a finite number >= 0 (yield* the kernel's functions)",
      );
    }
    if (v >= 0) {
      cpu.clock += v;
      cpu.key = cpu.clock;
      if (++cpu.stepsSinceSwitch > this.maxStepsWithoutSwitch) {
        this.stall(cpu, t, `${this.maxStepsWithoutSwitch} steps without a context switch`);
        return;
      }
    } else if (v === HALT) {
      cpu.halted = true;
      this.rekeyHalted(cpu);
      return;
    }
    this.ready.update(cpu);
  }

  /** Runs the timers due on this CPU, then the tick; returns the time they took. */
  private runIrqWork(cpu: Cpu): number {
    let cost = 0;
    let timer = cpu.timers.peek();
    if (timer !== undefined && timer.expires <= cpu.clock) {
      this.running = cpu.curr as Thread;
      cpu.inSoftirq++;
      while (timer !== undefined && timer.expires <= cpu.clock) {
        cpu.timers.remove(timer);
        try {
          cost += timer.fn(timer.arg);
        } catch (err) {
          if (!(err instanceof EngineStall)) throw err;
          cpu.inSoftirq--;
          this.stall(cpu, cpu.curr as Thread, err.message);
          return 0;
        }
        timer = cpu.timers.peek();
      }
      cpu.inSoftirq--;
    }
    if (cpu.clock >= cpu.nextTick) {
      cpu.nextTick = this.nextTickAfter(cpu.clock);
      if (!(cpu.curr as Thread).idle) {
        this.running = cpu.curr as Thread;
        cpu.inIrq++;
        cost += this.hooks.tick(cpu);
        cpu.inIrq--;
      }
    }
    return cost;
  }

  private nextTickAfter(t: number): number {
    return (Math.floor(t / this.tickPeriod) + 1) * this.tickPeriod;
  }

  /** A halted CPU waits for its earliest timer, or is out of the ready heap. */
  private rekeyHalted(cpu: Cpu): void {
    const t = cpu.timers.peek();
    if (t === undefined) {
      this.ready.remove(cpu);
      return;
    }
    // Keyed by when it will wake; its clock catches up only when it does, so an
    // earlier kick still lands at the kicker's time.
    cpu.key = Math.max(cpu.clock, t.expires);
    this.ready.update(cpu);
  }

  private fail(cpu: Cpu, t: Thread, err: unknown): void {
    if (err instanceof EngineStall) {
      this.stall(cpu, t, err.message);
      return;
    }
    if (err instanceof TasklabError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    this.report({
      kind: "oops",
      title: `BUG: unhandled exception in ${this.hooks.describe(t)}: ${msg}`,
      lines: ["Call Trace:", ...t.backtrace().map((f) => ` ${f}`)],
    });
    t.fnStack.length = 0;
    t.entryStack.length = 0;
    try {
      t.gen = this.hooks.oops(t, err);
    } catch (e) {
      this.fatal(cpu, `oops handling failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.ready.update(cpu);
  }

  private stall(cpu: Cpu, t: Thread, why: string): void {
    this.report({
      kind: "stall",
      title: `watchdog: BUG: soft lockup - CPU#${cpu.id} stuck: ${this.hooks.describe(t)} ran ${why}`,
      lines: ["Call Trace:", ...t.backtrace().map((f) => ` ${f}`)],
    });
    this.stop("stall");
    this.ready.update(cpu);
  }

  private fatal(_cpu: Cpu, msg: string): void {
    this.panic(`Kernel panic - not syncing: ${msg}`, []);
  }
}

// The cost tables are caches (costById is shared by every engine of the same costs),
// readyCpus a scratch array and onProgress the host's watchdog (a snapshot does not take it
// along); the limits and stop request of a run are set again when the next run starts (a run
// stopped and continued ends with other figures than one run through): none is part of a
// machine's state.
cacheFields(Engine, "costById", "costByName", "readyCpus", "candidates", "onProgress", "until", "budget", "stopReason");

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("Engine", Engine);
stateClass("Cpu", Cpu);
stateClass("Thread", Thread);
stateClass("Timer", Timer);
knownCode(cpuBefore, timerBefore);
