/**
 * A modeled machine: the engine, the kernel state, and the boot. Build one, run it, read
 * its trace, its task list and its reports. Each run of the same options and seed is
 * identical to the byte.
 */

import { registerUserAbi, type UserBinary } from "./linux/arch/x86/entry/user_mode.js";
import { COSTS, DEFAULT_COST } from "./linux/costs.js";
import { DEFAULT_ERA, era } from "./linux/eras/profiles.js";
import { SIGSEGV } from "./linux/include/signal.js";
import type { task_struct } from "./linux/include/task_struct.js";
import { ALL_EVENTS, type EventType } from "./linux/include/trace/events/records.js";
import { createKernel } from "./linux/init/init_task.js";
import { type BootHooks, type InitMain, start_kernel } from "./linux/init/main.js";
import { make_task_dead } from "./linux/kernel/exit.js";
import { type HotplugSpec, parseHotplug, withHotplug } from "./linux/kernel/hotplug_inject.js";
import { DEFAULT_HUNG_TASK_TIMEOUT } from "./linux/kernel/hung_task.js";
import { isMutant, MUTANTS } from "./linux/kernel/mutants.js";
import { PID_MAX_DEFAULT } from "./linux/kernel/pid.js";
import { init_idle, sched_tick, schedPreemptHook } from "./linux/kernel/sched/core.js";
import { TraceBuffer } from "./linux/kernel/trace/buffer.js";
import { K, type Kernel, type KernelConfig, setKernel } from "./linux/kernel.js";
import {
  checkInjectedNames,
  type FaultSpec,
  installInjection,
  parseFault,
  parseSignal,
  type SignalSpec,
} from "./linux/lib/inject.js";
import { createSlabState, findLeaks, formatLeak, useSlab } from "./linux/mm/slab.js";
import { type Chooser, defaultChooser } from "./sim/chooser.js";
import { timeFields } from "./sim/classes.js";
import { knownCode, stateClass } from "./sim/code.js";
import { Engine, type KGen, type Report, type RunLimits, type StopReason, type Thread } from "./sim/engine.js";
import { copyMachine, type HashMachineOptions, hashMachine } from "./snapshot.js";
import { installFunctionTracer, type TracerOptions } from "./trace/function-tracer.js";
import { USER_ABI } from "./user/abi.js";
import { BIN } from "./user/bin.js";
import { libc_start_main } from "./user/libc.js";
import type { UserMain } from "./user/user.js";

export interface MachineOptions {
  cpus?: number;
  seed?: number;
  hz?: number;
  pid_max?: number;
  /**
   * kernel.threads-max: how many tasks may exist at once (fork fails -EAGAIN beyond). The
   * default is what the measured 6.18 machine of shared/reference had (its memory's worth).
   */
  threads_max?: number;
  preempt?: KernelConfig["preempt"];
  /** Events to record (default: all). */
  events?: readonly EventType[];
  /** Record from the first instruction of boot rather than from when the scenario starts. */
  traceBoot?: boolean;
  /** Ring buffer size in events. */
  bufferSize?: number;
  chooser?: Chooser;
  costs?: Readonly<Record<string, number>>;
  /** What pid 1 runs after boot. */
  init?: InitMain;
  /** Failures to inject (`--fail` syntax, or parsed specs): see linux/lib/inject.ts. */
  faults?: readonly (FaultSpec | string)[];
  /** Signals to deliver (`--signal` syntax, or parsed specs): see linux/lib/inject.ts. */
  signals?: readonly (SignalSpec | string)[];
  /** The tracer and its filters (default nop: events only). */
  tracer?: TracerOptions;
  /** CPUs to take offline or bring online at given times (`--hotplug` syntax, or parsed): see linux/kernel/hotplug_inject.ts. */
  hotplug?: readonly (HotplugSpec | string)[];
  /** A deliberately broken variant of the kthread protocol (see linux/kernel/mutants.ts). */
  mutant?: string;
  /** The kernel release to model (`--kernel`; see linux/eras/profiles.ts): default 6.19. */
  kernel?: string;
  /** "minimal": boot only pid 1, kthreadd and the CPUs, no boot kthreads (default "full"). */
  boot?: "full" | "minimal";
  /** Executables to add to the file system (absolute path → program), besides /bin/true, /bin/sh, … */
  programs?: Readonly<Record<string, UserMain>>;
  /** Which detectors run (each is on by default). */
  detectors?: DetectorOptions;
}

/** The detectors and their switches (see scenarios/detectors.ts). */
export interface DetectorOptions {
  /** Lock-order validation of spinlocks (linux/kernel/locking/lockdep.ts). */
  lockdep?: boolean;
  /** hung_task_timeout_secs: report a task in D longer than this (default 120); 0 or false: off. */
  hungTask?: number | false;
  /** Report a run that went idle with a task blocked for good, or pid 1 still in the scenario. */
  deadlock?: boolean;
  /** Check the scenario's invariants. */
  invariants?: boolean;
}

/** A task as slab records name it, "comm/pid": one string per task and name, not per allocation. */
function slabTaskName(p: task_struct): string {
  const l = p.slab_label;
  if (l !== null && l.comm === p.comm && l.pid === p.pid) return l.name;
  const name = `${p.comm}/${p.pid}`;
  p.slab_label = { comm: p.comm, pid: p.pid, name };
  return name;
}

/** The task slab records name as allocating or freeing: the running thread's, of the machine being run. */
function slabCurrentTask(): string {
  const p = K.engine.running?.owner as task_struct | undefined;
  return p ? slabTaskName(p) : "?";
}

/** The options each machine was built with (a saved state records them: src/state/). */
const machineOptions = new WeakMap<Machine, MachineOptions>();

/** The options `m` was built with. */
export function optionsOf(m: Machine): MachineOptions {
  return machineOptions.get(m) ?? {};
}

/** Records the options a machine was made from (a loaded state's: those it was saved with). */
export function setOptionsOf(m: Machine, opts: MachineOptions): void {
  machineOptions.set(m, opts);
}

/** What runs in a thread whose code threw: the oops path's end, the task dies with SIGSEGV. */
function machineOops(): KGen<unknown> {
  return make_task_dead(SIGSEGV);
}

/** A thread as the engine's messages name it: comm/pid. */
function describeThread(t: Thread): string {
  const p = t.owner as task_struct;
  return `${p.comm}/${p.pid}`;
}

/** What the leak scan looks at: every live object, or those allocated after boot. */
export type LeakScope = "all" | "scenario";

/** kernel.threads-max of the 6.18 machine in shared/reference/real-linux-observations.md. */
const MAX_THREADS_DEFAULT = 192730;

// User mode runs programs through the user layer (src/user/abi.ts): installed once, for every machine.
registerUserAbi(USER_ABI);

export const DEFAULTS = { cpus: 2, seed: 1, hz: 250, bufferSize: 1 << 20 } as const;

/** An executable linked with the C library: its entry point is libc's start-up, which runs main. Frozen: shared by copies. */
function linked(main: UserMain): UserBinary {
  return Object.freeze({ entry: libc_start_main, main });
}

/** The built-in executables, in the order the file system lists them (read-only, made once). */
const BIN_ENTRIES: readonly (readonly [string, UserBinary])[] = Object.entries(BIN).map(([path, main]) => [
  path,
  linked(main),
]);

/** The machine's executables: the built-in ones, then `programs` (which may replace them). */
function binariesWith(programs: Readonly<Record<string, UserMain>> | undefined): Map<string, UserBinary> {
  const m = new Map<string, UserBinary>(BIN_ENTRIES);
  if (programs !== undefined) for (const path of Object.keys(programs)) m.set(path, linked(programs[path] as UserMain));
  return m;
}

/**
 * Spec texts parsed once each (the explorer builds a machine from the same specs for every
 * schedule). The parsed specs are frozen: every machine shares them and none may change them.
 * A text that does not parse is not kept: it throws again each time.
 */
const parsedFaults = new Map<string, FaultSpec>();
const parsedSignals = new Map<string, SignalSpec>();
/** More distinct texts than any scenario or command line has: the caches start over past it. */
const PARSED_MAX = 1024;

function parsedOnce<T extends object>(cache: Map<string, T>, text: string, parse: (text: string) => T): T {
  let spec = cache.get(text);
  if (spec === undefined) {
    spec = Object.freeze(parse(text));
    if (cache.size >= PARSED_MAX) cache.clear();
    cache.set(text, spec);
  }
  return spec;
}

export class Machine {
  readonly kernel: Kernel;
  readonly engine: Engine;
  readonly detectors: DetectorOptions;
  private leakReportsDone = false;
  /** Throws a SpecError when an injection spec named a task, kmalloc type or cache the run never had. */
  /**
   * When the run has ended: a SpecError for an injection spec that named a task, kmalloc type
   * or cache the run never had.
   */
  checkSpecs(): void {
    checkInjectedNames(this.kernel);
  }
  /** When boot ended and the scenario started (virtual ns). */
  bootedAt = Number.POSITIVE_INFINITY;
  /** The scenario invariants already reported (each is reported once: scenarios/detectors.ts). */
  readonly reportedInvariants = new Set<string>();
  /** Whether the function tracer records (tracing_on): from boot, or from the scenario's start. */
  private tracingOn: boolean;
  /** The events recorded once the scenario starts (when not from boot). */
  private scenarioEvents: readonly EventType[] | null;

  constructor(opts: MachineOptions = {}) {
    machineOptions.set(this, opts);
    const cpus = opts.cpus ?? DEFAULTS.cpus;
    const hung = opts.detectors?.hungTask ?? DEFAULT_HUNG_TASK_TIMEOUT;
    const cfg: KernelConfig = {
      cpus,
      hz: opts.hz ?? DEFAULTS.hz,
      seed: opts.seed ?? DEFAULTS.seed,
      pid_max: opts.pid_max ?? PID_MAX_DEFAULT,
      preempt: opts.preempt ?? "none",
      softlockup_thresh: 20e9,
      rcu_gp_delay: 10e6,
      mutant: opts.mutant ?? null,
      hung_task_timeout_secs: hung === false ? 0 : hung,
    };
    if (!(cfg.hung_task_timeout_secs >= 0 && cfg.hung_task_timeout_secs < Number.POSITIVE_INFINITY))
      throw new RangeError(`the hung task timeout must be a number of seconds >= 0, got ${hung}`);
    this.detectors = opts.detectors ?? {};
    if (cfg.mutant !== null && !isMutant(cfg.mutant))
      throw new RangeError(`unknown mutant '${cfg.mutant}': ${Object.keys(MUTANTS).join(", ")}`);
    if (!Number.isInteger(cfg.hz) || cfg.hz < 24 || cfg.hz > 10000)
      throw new RangeError(`hz must be an integer from 24 to 10000, got ${cfg.hz}`);
    const threads_max = opts.threads_max ?? MAX_THREADS_DEFAULT;
    // The sysctl's bounds: MIN_THREADS and MAX_THREADS (FUTEX_TID_MASK).
    if (!Number.isInteger(threads_max) || threads_max < 20 || threads_max > 0x3fffffff)
      throw new RangeError(`threads_max must be an integer from 20 to ${0x3fffffff}, got ${threads_max}`);
    this.engine = new Engine(
      {
        cpus,
        hz: cfg.hz,
        chooser: opts.chooser ?? defaultChooser(cfg.seed),
        costs: opts.costs ?? COSTS,
        defaultCost: DEFAULT_COST,
      },
      {
        tick: sched_tick,
        preempt: schedPreemptHook,
        oops: machineOops,
        describe: describeThread,
      },
    );
    const tracer = opts.tracer ?? { tracer: "nop" };
    // With a function tracer the events are off unless asked for, as in ftrace.
    const events = opts.events ?? (tracer.tracer === "nop" ? ALL_EVENTS : []);
    this.tracingOn = opts.traceBoot === true;
    this.scenarioEvents = opts.traceBoot ? null : events;
    const kernelEra = era(opts.kernel ?? DEFAULT_ERA);
    this.kernel = createKernel({
      cfg,
      era: kernelEra,
      engine: this.engine,
      trace: new TraceBuffer(opts.bufferSize ?? DEFAULTS.bufferSize, opts.traceBoot ? events : [], kernelEra),
      binaries: binariesWith(opts.programs),
      max_threads: threads_max,
      slab: createSlabState(slabCurrentTask),
      lockdep: opts.detectors?.lockdep !== false,
    });
    const { init_task, trace } = this.kernel;
    this.activate();
    installInjection(
      this.kernel,
      this.engine,
      cfg.seed,
      (opts.faults ?? []).map((f) => (typeof f === "string" ? parsedOnce(parsedFaults, f, parseFault) : f)),
      (opts.signals ?? []).map((s) => (typeof s === "string" ? parsedOnce(parsedSignals, s, parseSignal) : s)),
    );
    installFunctionTracer(this.engine, trace, tracer, () => this.tracingOn);
    init_idle(init_task, 0);
    const hooks: BootHooks = {
      init_main: withHotplug(
        (opts.hotplug ?? []).map((h) => (typeof h === "string" ? parseHotplug(h) : h)),
        opts.init ?? null,
      ),
      minimal: opts.boot === "minimal",
      on_booted: this,
    };
    init_task.sim = this.engine.spawn(init_task, start_kernel(hooks), true);
    this.engine.online(this.engine.cpus[0] as (typeof this.engine.cpus)[0], init_task.sim, 0);
  }

  /** Told by pid 1 when boot is over and the scenario starts: tracing starts (unless it ran from boot). */
  booted(): void {
    this.bootedAt = this.engine.runningCpu.clock;
    this.tracingOn = true;
    if (this.scenarioEvents !== null) this.kernel.trace.enable(this.scenarioEvents);
  }

  /**
   * Tracing off for good: the records held dropped, no event recorded from now on (nor when
   * the scenario starts). The explorer's runs from a saved state: their trace is not read.
   */
  traceOff(): void {
    this.scenarioEvents = [];
    this.kernel.trace.clear();
  }

  /** Points the model's globals at this machine. */
  private activate(): void {
    setKernel(this.kernel);
    useSlab(this.kernel.slab);
  }

  /** Runs until nothing is left to do, or a limit. */
  run(limits: RunLimits = {}): StopReason {
    this.activate();
    return this.engine.run(limits);
  }

  /** Problems found so far (oopses, KASAN and lockup reports, …). */
  get reports(): readonly Report[] {
    return this.engine.reports;
  }

  /**
   * The kmemleak-style scan: live slab objects that nothing in the kernel references.
   * Adds a report per leak (once) and returns them. Scope "scenario": only objects the
   * scenario allocated (boot is the same in every run; the explorer checks it once).
   */
  checkLeaks(scope: LeakScope = "all"): Report[] {
    this.activate();
    const k = this.kernel;
    const roots: unknown[] = [
      k.init_task,
      k.idle_tasks,
      k.runqueues,
      k.kthread_create_list,
      k.init_pid_ns,
      k.hotplug_threads,
    ];
    // The machine itself (which pid 1's boot hooks name) is the host's, not kernel memory.
    const leaks = findLeaks(roots, scope === "scenario" ? this.bootedAt : 0, [this]).map((rec) => ({
      kind: "kmemleak",
      title: `kmemleak: unreferenced object (cache ${rec.cache}, size ${rec.size})`,
      lines: formatLeak(rec),
      cpu: rec.allocCpu,
      time: rec.allocTime,
    }));
    if (!this.leakReportsDone) {
      this.engine.reports.push(...leaks);
      this.leakReportsDone = true;
    }
    return leaks;
  }

  /** Every task on the task list, parents before children (for_each_process order). */
  tasks(): task_struct[] {
    const out: task_struct[] = [];
    for (const t of this.kernel.init_task.tasks) out.push(t);
    return out;
  }

  get now(): number {
    return this.engine.now();
  }

  /**
   * An independent copy of this machine as it is now: run it and it does exactly what this
   * one would from here, while this one is left as it is. Throws a SnapshotError (naming the
   * thread or hook) when something on the machine is not data: see src/snapshot.ts.
   */
  snapshot(): Machine {
    return copyMachine(this);
  }

  /**
   * The canonical hash of this machine's state (16 hex digits): a snapshot's equals its
   * original's. `{time: "relative"}`: times as distances from now (see hashMachine).
   */
  hash(opts: HashMachineOptions = {}): string {
    return hashMachine(this, opts);
  }
}
timeFields(Machine, "bootedAt");

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("Machine", Machine);
knownCode(machineOops, describeThread, slabCurrentTask, sched_tick, schedPreemptHook);
