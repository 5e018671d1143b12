/**
 * Fault injection, as the kernel's fault-injection framework does it (failslab's
 * probability / interval / times, plus filters), and signals delivered to a task at a
 * virtual time or when a task reaches a modeled function. Specs are plain data, parsed
 * from a small syntax shared by the CLI and scenarios:
 *
 *   --fail kmalloc:kthread_create_info          the first such kmalloc after boot fails
 *   --fail cache:task_struct,nth=3,times=2      the 3rd and 4th task_struct allocations
 *   --fail slab,probability=10,times=-1         any allocation, 10 % of the time
 *   --fail alloc_pid,caller=create_kthread      pid allocation, only under create_kthread
 *   --fail slab,any                             the allocation the chooser picks (the explorer
 *                                               tries each; a plain run fails none)
 *   --signal KILL:creator@5ms                   SIGKILL to the task named creator at 5 ms
 *                                               (virtual time since boot, which takes ~3 ms)
 *   --signal KILL:creator@kthreadd:create_kthread   when kthreadd enters create_kthread
 *   --signal KILL:creator@__kthread_create_on_node+5   at creator's 5th modeled call
 *                                               after it entered __kthread_create_on_node
 *   --signal KILL:creator@any                   at whichever step the chooser picks (the
 *                                               explorer tries every one; a plain run never
 *                                               sends it)
 *
 * Size: over 400 lines: the spec syntax, its checks with their one-line errors, and the hooks each
 * kind of spec arms read the same spec types.
 */

import { knownCode } from "../../sim/code.js";
import { activeEngine, type Cpu, type Engine, type Thread } from "../../sim/engine.js";
import { checkModeled, functionName } from "../../sim/functions.js";
import { createPrng, type Prng } from "../../sim/prng.js";
import { closest, InputError, suggest, unknownName } from "../../sim/suggest.js";
import { PF_EXITING } from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { find_task_by_pid_ns } from "../kernel/pid.js";
import { send_sig } from "../kernel/signal.js";
import { runInIrq } from "../kernel/time/timer.js";
import { K, type Kernel } from "../kernel.js";
import { KMALLOC_TYPES, SLAB_CACHES } from "../mm/slab.js";
import { fail_dump } from "./fault-inject.js";

/** A --fail, --signal or --hotplug spec that is wrong: its message says how. */
export class SpecError extends InputError {}

export interface FaultSpec {
  /** slab (any allocation), kmalloc:TYPE, cache:NAME, or a named fault point (alloc_pid). */
  point: "slab" | "kmalloc" | "cache" | "alloc_pid";
  name: string | null;
  /** The first matching call that may fail (1 = the first). */
  nth: number;
  /** How many times to fail (-1: no limit). */
  times: number;
  /** Percent chance that an eligible call fails. */
  probability: number;
  /** Only every interval-th eligible call may fail. */
  interval: number;
  /** Not before this virtual time (ns). */
  after: number;
  /** Only when this modeled function is on the call stack. */
  caller: string | null;
  /** Only in the task of this name or pid. */
  task: string | null;
  /** Count calls during boot too (default: only once the scenario runs). */
  boot: boolean;
  /** Whether an eligible call fails is a "fault" choice (up to `times`), not nth/probability. */
  any?: boolean;
}

export interface SignalSpec {
  sig: number;
  /** The task that gets the signal: a pid or a name (comm). */
  target: string;
  /** Deliver at this virtual time (ns)... */
  at: number | null;
  /** ...or at a step the chooser picks ("signal" choices, one before each step)... */
  any?: boolean;
  /** ...or when `who` (default: the target) enters `func`, `plus` modeled calls later. */
  who: string | null;
  func: string | null;
  plus: number;
}

/** The x86 signal names (arch/x86/include/uapi/asm/signal.h), without SIG. */
const SIGNALS: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
};
const FAULT_POINTS = ["slab", "kmalloc", "cache", "alloc_pid"];
const TIME = /^(\d+(?:\.\d+)?)(ns|us|ms|s)?$/;
const UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

export function parseTimeSpec(v: string): number | null {
  const m = TIME.exec(v);
  return m === null ? null : Math.round(Number(m[1]) * (UNITS[m[2] ?? "ns"] as number));
}

function int(key: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new SpecError(`${key} takes an integer, got '${v}'`);
  return n;
}

/** Parses a --fail spec (see the top of this file). */
export function parseFault(text: string): FaultSpec {
  const [head = "", ...opts] = text.split(",");
  const [point, name = null] = head.split(":") as [string, string?];
  if (!FAULT_POINTS.includes(point)) {
    const close = closest(point, FAULT_POINTS);
    const mean = close.length === 0 ? "" : `did you mean ${close.join(" or ")}? `;
    throw new SpecError(
      `unknown fault point '${point}' in '${text}': ${mean}use slab, kmalloc:TYPE, cache:NAME or alloc_pid`,
    );
  }
  if ((point === "kmalloc" || point === "cache") && !name)
    throw new SpecError(`'${point}' needs a name: ${point}:NAME`);
  const f: FaultSpec = {
    point: point as FaultSpec["point"],
    name,
    nth: 1,
    times: 1,
    probability: 100,
    interval: 1,
    after: 0,
    caller: null,
    task: null,
    boot: false,
  };
  for (const o of opts) {
    const [k = "", v = ""] = o.split("=");
    if (k === "nth") f.nth = int(k, v);
    else if (k === "times") f.times = int(k, v);
    else if (k === "probability") f.probability = int(k, v);
    else if (k === "interval") f.interval = int(k, v);
    else if (k === "caller") f.caller = v;
    else if (k === "task") f.task = v;
    else if (k === "boot") f.boot = true;
    else if (k === "any") f.any = true;
    else if (k === "after") {
      const t = parseTimeSpec(v);
      if (t === null) throw new SpecError(`after takes a time such as 2ms, got '${v}'`);
      f.after = t;
    } else
      throw new SpecError(
        `unknown option '${k}' in '${text}': nth, times, probability, interval, after, caller, task, boot, any`,
      );
  }
  if (f.nth < 1 || f.interval < 1 || f.probability < 0 || f.probability > 100) {
    throw new SpecError(`'${text}': nth and interval must be ≥ 1, probability 0..100`);
  }
  return f;
}

/** Parses a --signal spec ([SIG:]TARGET@WHEN); `defaultSig` applies without SIG (--kill). */
export function parseSignal(text: string, defaultSig = 9): SignalSpec {
  const at = text.indexOf("@");
  if (at < 0)
    throw new SpecError(`'${text}' needs @WHEN: e.g. KILL:creator@2ms or KILL:creator@kthreadd:create_kthread`);
  const head = text.slice(0, at);
  const when = text.slice(at + 1);
  let sig = defaultSig;
  let target = head;
  const colon = head.indexOf(":");
  // SIG:TARGET when what precedes ':' is a word or a number (a target such as kworker/0:0 is not).
  if (colon >= 0 && /^[a-z0-9]+$/i.test(head.slice(0, colon))) {
    sig = signalNumber(head.slice(0, colon));
    target = head.slice(colon + 1);
  }
  if (!target) throw new SpecError(`'${text}' names no target task`);
  const t = parseTimeSpec(when);
  if (t !== null) return { sig, target, at: t, who: null, func: null, plus: 0 };
  if (when === "any") return { sig, target, at: null, any: true, who: null, func: null, plus: 0 };
  const [whoFunc = "", plusText] = when.split("+");
  const parts = whoFunc.split(":");
  const func = parts.pop() as string;
  const who = parts.length > 0 ? parts.join(":") : null;
  if (!func) throw new SpecError(`'${text}': WHEN is a time (2ms) or a function ([TASK:]FUNC[+N])`);
  return { sig, target, at: null, who, func, plus: plusText === undefined ? 0 : int("+N", plusText) };
}

/** A signal's number from its name (KILL, SIGKILL, kill) or number (1 to 64). */
function signalNumber(text: string): number {
  const name = text.toUpperCase().replace(/^SIG/, "");
  const n = SIGNALS[name] ?? (/^\d+$/.test(name) ? Number(name) : Number.NaN);
  if (n >= 1 && n <= 64) return n;
  const names = Object.keys(SIGNALS);
  const hint = suggest(name, names) || `signals are ${names.join(" ")} or 1 to 64`;
  throw new SpecError(`unknown signal '${text}': ${hint}`);
}

function matchesTask(t: task_struct, ref: string): boolean {
  return String(t.pid) === ref || t.comm === ref;
}

/** A target's pid, when it names one (a number), or null when it names a comm. */
function targetPid(ref: string): number | null {
  const n = Number(ref);
  return Number.isInteger(n) ? n : null;
}

/**
 * tasklab's own: the task `ref` names: by pid (`pid`, from targetPid(ref)), or the first on the
 * task list with that comm.
 */
function findTask(ref: string, pid = targetPid(ref)): task_struct | null {
  if (pid !== null) return find_task_by_pid_ns(pid, K.init_pid_ns);
  for (const t of K.init_task.tasks) if (t.comm === ref) return t;
  return null;
}

/** The debugfs name of a fault spec's fault_attr: failslab for the slab points, else fail_<point>. */
function dname(f: FaultSpec): string {
  return f.point === "alloc_pid" ? "fail_alloc_pid" : "failslab";
}

/** One fault spec's running state (data: a machine with injection can be copied and saved). */
interface FaultState {
  f: FaultSpec;
  matched: number;
  eligible: number;
  failed: number;
}

/** should_fail() of lib/fault-inject.c plus the filters, for one spec's state. */
function faultTest(st: FaultState, rng: Prng, stack: readonly number[]): boolean {
  const f = st.f;
  const fail = () => {
    fail_dump({
      dname: dname(f),
      interval: f.interval,
      probability: f.probability,
      times: f.times < 0 ? -1 : f.times - st.failed,
    });
    st.failed++;
    return true;
  };
  if (f.times >= 0 && st.failed >= f.times) return false;
  if (!f.boot && K.system_state !== "running") return false;
  const e = activeEngine();
  if (e.runningCpu.clock < f.after) return false;
  if (f.caller !== null && !stack.some((id) => functionName(id) === f.caller)) return false;
  if (f.task !== null && !matchesTask(e.running.owner as task_struct, f.task)) return false;
  if (f.any === true) return e.choose("fault", 2) !== 0 && fail();
  if (++st.matched < f.nth) return false;
  if (++st.eligible % f.interval !== 0) return false;
  if (f.probability < 100 && rng.below(100) >= f.probability) return false;
  return fail();
}

/** The slab caches an allocation can come from: the dedicated ones and kmalloc's by size. */
const CACHES: readonly string[] = [
  ...SLAB_CACHES,
  ...[8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192].map((n) => `kmalloc-${n}`),
];

/**
 * What the run must show for its specs to have named things that exist, checked when it
 * ends: a kmalloc type or cache the model does not have must have been allocated (by the
 * scenario's own code), and a task a spec names must have existed.
 */
export interface SpecNames {
  /** Kmalloc types and caches allocated in the run (only when a spec names an unknown one). */
  types: Set<string> | null;
  caches: Set<string> | null;
  /** Every task the run made (only when a spec names one). */
  tasks: task_struct[] | null;
}

function specText(f: FaultSpec | SignalSpec): string {
  return "point" in f ? `fault ${f.point}${f.name === null ? "" : `:${f.name}`}` : `signal ${f.sig} to ${f.target}`;
}

/** Throws a SpecError for the first spec that named a task, type or cache the run never had. */
function checkNames(names: SpecNames, faults: readonly FaultSpec[], signals: readonly SignalSpec[]): void {
  for (const f of faults) {
    const seen = f.point === "kmalloc" ? names.types : f.point === "cache" ? names.caches : null;
    if (seen !== null && f.name !== null && !seen.has(f.name)) {
      const known = f.point === "kmalloc" ? KMALLOC_TYPES : CACHES;
      const what = f.point === "kmalloc" ? "kmalloc type" : "slab cache";
      throw new SpecError(`${specText(f)}: ${unknownName(what, f.name, [...new Set([...known, ...seen])])}`);
    }
  }
  const tasks = names.tasks;
  if (tasks === null) return;
  const refs = [
    ...faults.map((f) => ({ spec: f, ref: f.task })),
    ...signals.flatMap((s) => [
      { spec: s as FaultSpec | SignalSpec, ref: s.target },
      { spec: s, ref: s.who },
    ]),
  ];
  for (const { spec, ref } of refs) {
    if (ref === null || tasks.some((t) => matchesTask(t, ref))) continue;
    const byName = targetPid(ref) === null;
    const hint = byName ? suggest(ref, [...new Set(tasks.map((t) => t.comm))]) : "";
    const what = byName ? `no task named '${ref}' ran` : `no task with pid ${ref} ran`;
    throw new SpecError(`${specText(spec)}: ${what}${hint === "" ? "" : `: ${hint}`}`);
  }
}

/**
 * Sends `sig` to `target` now, from interrupt context (it arrives as an interrupt would).
 * Returns the time it took, or -1 when there is no such task (yet).
 */
function deliver(spec: SignalSpec): number {
  const p = findTask(spec.target);
  if (p === null) return -1;
  const cpu = activeEngine().runningCpu;
  cpu.inSoftirq++;
  try {
    return runInIrq(send_sig(spec.sig, p, 1));
  } finally {
    cpu.inSoftirq--;
  }
}

/** A `--signal …@time` timer: delivers its spec (nothing to charge when the target is gone). */
function deliverTimed(spec: SignalSpec): number {
  return Math.max(0, deliver(spec));
}

/**
 * A machine's injection (K.injection): the specs and everything their hooks count, as data,
 * so that a machine with injection copies, hashes and saves as any other; the hooks are
 * module-level functions that read it (attachInjection sets them, again on a loaded state).
 */
export interface Injection {
  faults: readonly FaultSpec[];
  signals: readonly SignalSpec[];
  names: SpecNames;
  rng: Prng;
  slabFaults: FaultState[];
  pointFaults: FaultState[];
  /** `--signal …@FUNC` specs and where each stands. */
  armed: { s: SignalSpec; countdown: number; done: boolean }[];
  /** While an armed signal is being delivered (the calls the delivery makes do not count). */
  delivering: boolean;
  /** `any` signals not sent yet. */
  pending: { s: SignalSpec; pid: number | null }[];
}

/**
 * Arms fault and signal injection on a machine being built (before it runs). A function a
 * spec names that the model does not have is a SpecError now; checkInjectedNames, called
 * when the run has ended, throws one for a task, kmalloc type or cache that never existed.
 */
export function installInjection(
  k: Kernel,
  engine: Engine,
  seed: number,
  faults: readonly FaultSpec[],
  signals: readonly SignalSpec[],
): void {
  for (const f of faults) if (f.caller !== null) checkModeled(`${specText(f)}, caller`, f.caller);
  for (const s of signals) if (s.func !== null) checkModeled(specText(s), s.func);
  if (faults.length === 0 && signals.length === 0) return;
  const unknown = (point: FaultSpec["point"], known: readonly string[]) =>
    faults.some((f) => f.point === point && !known.includes(f.name as string)) ? new Set<string>() : null;
  const state = (f: FaultSpec): FaultState => ({ f, matched: 0, eligible: 0, failed: 0 });
  k.injection = {
    faults,
    signals,
    names: {
      types: unknown("kmalloc", KMALLOC_TYPES),
      caches: unknown("cache", CACHES),
      tasks: signals.length > 0 || faults.some((f) => f.task !== null) ? [] : null,
    },
    rng: createPrng(seed ^ 0x5eed_fa17),
    slabFaults: faults.filter((f) => f.point !== "alloc_pid").map(state),
    pointFaults: faults.filter((f) => f.point === "alloc_pid").map(state),
    armed: signals.filter((s) => s.func !== null).map((s) => ({ s, countdown: -1, done: false })),
    delivering: false,
    pending: signals.filter((s) => s.any === true).map((s) => ({ s, pid: targetPid(s.target) })),
  };
  for (const s of signals.filter((s) => s.at !== null)) {
    engine.addTimer(engine.cpus[0] as Engine["cpus"][0], s.at as number, deliverTimed, s);
  }
  attachInjection(k, engine);
}

/** Sets the hooks of `k.injection` on the machine's engine, kernel and slab (none when it has none). */
export function attachInjection(k: Kernel, engine: Engine): void {
  const j = k.injection;
  if (j === null) return;
  if (j.names.tasks !== null) engine.onSpawn = injectedSpawn;
  if (j.slabFaults.length > 0) k.slab.shouldFail = injectedSlabFail;
  if (j.pointFaults.length > 0) k.fail_point = injectedFailPoint;
  if (j.pending.length > 0) engine.beforeStep = injectedBeforeStep;
  if (j.armed.length > 0) engine.onEnter = injectedEnter;
}

/** The hooks attachInjection sets: a saved state sets them again (src/state/). */
export const INJECTION_HOOKS: ReadonlySet<unknown> = new Set<unknown>([
  injectedSpawn,
  injectedSlabFail,
  injectedFailPoint,
  injectedBeforeStep,
  injectedEnter,
]);

function injection(): Injection {
  return K.injection as Injection;
}

/** Every task made is kept, for the end-of-run check of the tasks the specs name. */
function injectedSpawn(t: Thread): void {
  injection().names.tasks?.push(t.owner as task_struct);
}

function injectedSlabFail(cache: string, type: string, _size: number, stack: readonly number[]): boolean {
  const j = injection();
  j.names.types?.add(type);
  j.names.caches?.add(cache);
  return j.slabFaults.some((st) => {
    if (st.f.point === "kmalloc" && type !== st.f.name) return false;
    if (st.f.point === "cache" && cache !== st.f.name) return false;
    return faultTest(st, j.rng, stack);
  });
}

function injectedFailPoint(name: string): boolean {
  const j = injection();
  return j.pointFaults.some((st) => st.f.point === name && faultTest(st, j.rng, activeEngine().running.fnStack));
}

/** `--signal …@[WHO:]FUNC[+N]`: counts the calls, and delivers when due. */
function injectedEnter(t: Thread, fn: number, _args: readonly unknown[]): void {
  const j = injection();
  if (j.delivering) return; // the calls the delivery itself makes
  const task = t.owner as task_struct;
  for (const a of j.armed) {
    if (a.done || !matchesTask(task, a.s.who ?? a.s.target)) continue;
    if (a.countdown < 0 && functionName(fn) === a.s.func) a.countdown = a.s.plus;
    else if (a.countdown > 0) a.countdown--;
    else if (a.countdown < 0) continue;
    // Due. An interrupt cannot come while interrupts are masked (inside the scheduler,
    // under a spin_lock_irq): then it is delivered at the next call made with them on.
    if (a.countdown === 0 && activeEngine().runningCpu.irqsOff === 0) {
      // Fired once; if the target does not exist yet, wait for the next time.
      j.delivering = true;
      try {
        a.done = deliver(a.s) >= 0;
      } finally {
        j.delivering = false;
      }
      if (!a.done) a.countdown = -1;
    }
  }
}

/**
 * Signals sent at a step the chooser picks: before each step, while the target is alive
 * and the CPU takes interrupts, one "signal" choice (0 = not now). Each is sent once; when
 * all are, the hook is gone (and the engine's fast path is back).
 */
function injectedBeforeStep(cpu: Cpu): void {
  if (cpu.irqsOff > 0 || K.system_state !== "running") return;
  const engine = activeEngine();
  const pending = injection().pending;
  for (let i = 0; i < pending.length; i++) {
    const { s, pid } = pending[i] as { s: SignalSpec; pid: number | null };
    const p = findTask(s.target, pid);
    if (p === null || p.exit_state !== 0 || p.flags & PF_EXITING) continue;
    engine.choiceSubject = p;
    if (engine.choose("signal", 2) === 0) continue;
    deliver(s);
    pending.splice(i--, 1);
  }
  if (pending.length === 0) engine.beforeStep = null;
}

/** The end-of-run check of the names a machine's specs gave (SpecError for one that never existed). */
export function checkInjectedNames(k: Kernel): void {
  const j = k.injection;
  if (j !== null) checkNames(j.names, j.faults, j.signals);
}

knownCode(deliverTimed);
