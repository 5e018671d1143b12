/**
 * Running a scenario on a fresh machine: the library's one-call entry point, used by the
 * CLI, the tests and the benchmarks.
 */

import { DEFAULT_ERA, era } from "./linux/eras/profiles.js";
import { type LeakScope, Machine, type MachineOptions } from "./machine.js";
import { endOfRunChecks, installInvariants } from "./scenarios/detectors.js";
import { checkEra, checkScenario, type Scenario, ScenarioError } from "./scenarios/scenario.js";
import { type Engine, type Report, type RunLimits, type StopReason, YieldError } from "./sim/engine.js";
import { formatFtrace } from "./trace/ftrace.js";
import { formatFunctionGraph, type GraphOptions } from "./trace/function-graph.js";
import { formatJsonl } from "./trace/jsonl.js";
import { formatPerfetto } from "./trace/perfetto.js";
import { type PsRow, psRow } from "./views/ps.js";

/** A run that never goes idle stops at this virtual time unless told otherwise. */
export const DEFAULT_UNTIL = 10e9;

export interface RunOptions extends Omit<MachineOptions, "init"> {
  /** Stop at this virtual time (ns); by default when the machine is idle, or at 10 s. */
  until?: number;
  /** Stop after this many engine steps (a guard; default 50 million). */
  maxSteps?: number;
  /** Run the kmemleak-style scan when the machine went idle (default true). */
  checkLeaks?: boolean;
  /**
   * When the run went idle, refuse (SpecError) an injection spec that named a task, kmalloc
   * type or cache the run never had (default true; the explorer: false).
   */
  checkSpecs?: boolean;
  /** What the leak scan looks at (default "all"; the explorer: "scenario"). */
  leakScope?: LeakScope;
  /** Called now and then while the machine runs (for progress displays and watchdogs). */
  onProgress?: (e: Engine) => void;
  /** Called with the machine before it runs (to attach observers). */
  prepare?: (m: Machine) => void;
  /**
   * Start from a saved state instead of booting: `load` gives a fresh machine in that state
   * each time (loadState of the file's text, src/state/), whose scenario is the one run.
   */
  fromState?: { load: () => Machine };
  /** Stop at virtual time `time`, call `save` with the machine (to save its state), then run on. */
  saveStateAt?: { time: number; save: (m: Machine) => void };
}

export interface RunResult {
  machine: Machine;
  stop: StopReason;
  reports: readonly Report[];
}

/** Report kinds that mean something went wrong (a clean run has none). */
const PROBLEMS = new Set([
  "oops",
  "kasan",
  "kmemleak",
  "stall",
  "softlockup",
  "atomic-sleep",
  "panic",
  "warn",
  "lockdep",
  "hung-task",
  "deadlock",
  "lost-wakeup",
  "invariant",
]);

export function problems(reports: readonly Report[]): Report[] {
  return reports.filter((r) => PROBLEMS.has(r.kind));
}

/** The scenario each machine made by machineFor runs (a saved state names it: src/state/). */
const scenarios = new WeakMap<Machine, Scenario>();

/** The scenario `m` runs, if machineFor (or loadState) made it for one. */
export function scenarioOf(m: Machine): Scenario | undefined {
  return scenarios.get(m);
}

/** Records the scenario a machine runs (a loaded state's). */
export function setScenarioOf(m: Machine, s: Scenario): void {
  scenarios.set(m, s);
}

/**
 * The machine a scenario runs on, built and ready to run (nothing has run yet), or, with
 * `opts.fromState`, loaded from that saved state (the scenario must be the state's).
 */
export function machineFor(s: Scenario, opts: RunOptions = {}): Machine {
  if (opts.fromState !== undefined) {
    const loaded = opts.fromState.load();
    loaded.engine.onProgress = opts.onProgress ?? null;
    opts.prepare?.(loaded);
    return loaded;
  }
  checkEra(s, era(opts.kernel ?? DEFAULT_ERA));
  checkScenario(s);
  const machine = new Machine({
    ...opts,
    cpus: opts.cpus ?? s.cpus,
    init: s.main ?? null,
    faults: [...(s.faults ?? []), ...(opts.faults ?? [])],
    signals: [...(s.signals ?? []), ...(opts.signals ?? [])],
    programs: { ...s.programs, ...opts.programs },
  });
  machine.engine.onProgress = opts.onProgress ?? null;
  scenarios.set(machine, s);
  installInvariants(machine, s.invariants ?? []);
  opts.prepare?.(machine);
  return machine;
}

/** Runs the machine; a mistake in the scenario's code is an error that names the scenario. */
function runNamed(s: Scenario, machine: Machine, limits: RunLimits): StopReason {
  try {
    return machine.run(limits);
  } catch (e) {
    if (e instanceof YieldError) throw new ScenarioError(`scenario ${s.name}: ${e.message}`);
    throw e;
  }
}

export function runScenario(s: Scenario, opts: RunOptions = {}): RunResult {
  const machine = machineFor(s, opts);
  const at = opts.saveStateAt;
  if (at !== undefined && at.time < (opts.until ?? DEFAULT_UNTIL)) {
    // Up to the moment asked for (or the end, if the machine goes idle before), saved, then on.
    runNamed(s, machine, { until: at.time, maxSteps: opts.maxSteps ?? 50_000_000 });
    at.save(machine);
  }
  return runMachine(s, machine, opts);
}

/**
 * Runs `machine` of scenario `s` (built by machineFor, a snapshot's copy of one, or loaded
 * from a saved state) until it stops, then makes the end-of-run checks: what runScenario does
 * after building the machine. `opts` are the options it was built with (limits and checks).
 */
export function runMachine(s: Scenario, machine: Machine, opts: RunOptions = {}): RunResult {
  machine.engine.onProgress = opts.onProgress ?? null;
  const stop = runNamed(s, machine, { until: opts.until ?? DEFAULT_UNTIL, maxSteps: opts.maxSteps ?? 50_000_000 });
  return finishRun(s, machine, opts, stop);
}

/** The end of a run that stopped for `stop`: what the stop means, reported, and the end-of-run checks. */
export function finishRun(s: Scenario, machine: Machine, opts: RunOptions, stop: StopReason): RunResult {
  if (stop === "until" && opts.until === undefined) {
    machine.engine.report({
      kind: "info",
      title: `tasklab: the machine was still busy at ${DEFAULT_UNTIL / 1e9} s of virtual time, the default limit (use --until)`,
      lines: [],
    });
  }
  if (stop === "steps") {
    machine.engine.report({
      kind: "stall",
      title: `tasklab: stopped after ${machine.engine.steps} steps without the machine going idle`,
      lines: ["Use --until to bound the run in virtual time."],
    });
  }
  if (stop === "idle" && opts.checkSpecs !== false) machine.checkSpecs();
  endOfRunChecks(machine, s, stop);
  if (stop === "idle" && opts.checkLeaks !== false) machine.checkLeaks(opts.leakScope);
  return { machine, stop, reports: machine.reports };
}

/** The `trace` file of the run, in the layout of its tracer. */
/** The trace as text: ftrace's `trace` file (default), JSON lines or Perfetto's JSON. */
export function traceText(r: RunResult, graph: GraphOptions = {}, format: TraceFormat = "text"): string {
  const k = r.machine.kernel;
  if (format === "jsonl") return formatJsonl(k.trace);
  if (format === "perfetto") return formatPerfetto(k.trace, k.nr_cpu_ids);
  return k.trace.tracer === "function_graph"
    ? formatFunctionGraph(k.trace, k.nr_cpu_ids, graph)
    : formatFtrace(k.trace, k.nr_cpu_ids);
}

export type TraceFormat = "text" | "jsonl" | "perfetto";

/** The task table: one row per process (leaders), or per thread with `threads` (ps -L, pstree). */
export function psRows(r: RunResult, threads = false): PsRow[] {
  const out: PsRow[] = [];
  for (const p of r.machine.tasks()) {
    out.push(psRow(p));
    if (threads) for (const t of p.signal.thread_head) if (t !== p) out.push(psRow(t));
  }
  return out;
}

/** A report as dmesg would print it: "[    1.234567] title" and its lines. */
export function formatReport(r: Report): string {
  const us = Math.floor(r.time / 1000);
  const stamp = `[${String(Math.floor(us / 1e6)).padStart(5)}.${String(us % 1e6).padStart(6, "0")}]`;
  return [r.title, ...r.lines].map((l) => `${stamp} ${l}`).join("\n");
}
