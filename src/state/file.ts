/**
 * Saved machine states (docs/STATE-FORMAT.md): `saveState(m)` writes a machine as a JSON
 * text that `loadState(text)` reads back into a machine which runs on exactly as `m` would
 * have (same trace, reports and hash), in this process or another of the same tasklab build.
 */

import { ERR_PTR } from "../linux/include/err.js";
import { attachInjection, INJECTION_HOOKS } from "../linux/lib/inject.js";
import { Machine, type MachineOptions, optionsOf, setOptionsOf } from "../machine.js";
import { machineFor, scenarioOf, setScenarioOf } from "../run.js";
import { installInvariants, invariantHooks } from "../scenarios/detectors.js";
import { findScenario, SCENARIOS } from "../scenarios/index.js";
import type { Scenario } from "../scenarios/scenario.js";
import { NotCopyable } from "../sim/classes.js";
import { codeNamed, textHash, textName } from "../sim/code.js";
import { Thread } from "../sim/engine.js";
import { functionCount, functionId, functionName } from "../sim/functions.js";
import { hostHookValues, referencesOf, SnapshotError, withoutHooks } from "../snapshot.js";
import { TASKLAB_VERSION } from "../version.js";
import { decodeGraph, encodeGraph, type Graph, UnnamedCode } from "./graph.js";

/** The format's version: a file of another is refused. */
export const STATE_FORMAT_VERSION = 1;
const MAGIC = "tasklab-state";

/** A state file that cannot be loaded (another format or build, damaged): the message is one line. */
export class StateError extends Error {}

/** The machine options a state file records: those that are data (no functions). */
const OPTION_KEYS = [
  "cpus",
  "seed",
  "hz",
  "pid_max",
  "threads_max",
  "preempt",
  "events",
  "traceBoot",
  "bufferSize",
  "mutant",
  "kernel",
  "boot",
  "detectors",
] as const;

interface Header {
  format: string;
  version: number;
  tasklab: string;
  runtime: string;
  kernel: string;
  scenario: string | null;
  /**
   * For a machine built from a scenario's code without machineFor (`new Machine({init:
   * s.main, programs: s.programs})`): that scenario, where its code is found on load (its
   * host side, invariants and end-of-run checks, is not the machine's).
   */
  codeOf: string | null;
  options: MachineOptions;
  now: number;
  steps: number;
  /** The modeled functions' names by id when saved (ids are numbers in the state). */
  functions: string[];
  /** The second line's length (UTF-16 code units) and hash (textHash): a damaged or truncated body is refused. */
  body: { length: number; hash: string };
}

/** This tasklab's version (a state of another is refused). */
export function tasklabVersion(): string {
  return TASKLAB_VERSION;
}

/** Which runtime this code is: the sources' own or a build's (a state names code of one of them). */
function runtimeKind(): string {
  return import.meta.url.includes("/dist/") ? "dist" : "src";
}

function dataOptions(o: MachineOptions): MachineOptions {
  const out: Record<string, unknown> = {};
  for (const k of OPTION_KEYS) if (o[k] !== undefined) out[k] = o[k];
  return out as MachineOptions;
}

/** A compiled generator's function, as the frames transform writes it: calling it only makes a frame. */
const COMPILED_GENERATOR = /^function\b[^(]*\(\.\.\.\$a\)\s*\{\s*return new /;

/**
 * Every function the roots reach, by text name (the first met of each), and the frame class
 * of each compiled generator among them (by `frame:` and its text name: the generator's
 * function is called to get one of its frames, which only assigns fields).
 */
function codeOf(roots: object[]): Map<string, object> {
  const out = new Map<string, object>();
  const seen = new Set<object>(roots);
  const todo: object[] = [...roots];
  while (todo.length > 0) {
    const o = todo.pop() as object;
    const vals = referencesOf(o);
    for (const v of vals) {
      if (typeof v === "function") {
        const n = textName(v as () => unknown);
        if (out.has(n)) continue;
        out.set(n, v);
        if (!COMPILED_GENERATOR.test(Function.prototype.toString.call(v))) continue;
        const frame = (v as () => object)();
        const proto = Object.getPrototypeOf(frame) as { constructor: () => unknown };
        out.set(`frame:${textName(proto.constructor)}`, proto);
      } else if (typeof v === "object" && v !== null && !seen.has(v)) {
        seen.add(v);
        todo.push(v);
      }
    }
  }
  return out;
}

/**
 * The code a state may point at that no registration names: what a scenario's definition
 * made (its main, its programs: found from the scenario) and what building a machine made
 * (found from a machine of the same options and scenario, never run). Closures that capture
 * no machine's objects: `textName` names them.
 */
class Unregistered {
  private scenarioCode: Map<string, object> | null = null;
  private machineCode: Map<string, object> | null = null;
  constructor(
    private readonly opts: MachineOptions,
    private readonly s: Scenario | undefined,
  ) {}

  get(name: string): object | undefined {
    const s = this.s;
    if (s !== undefined) {
      this.scenarioCode ??= cached(`scenario\u0000${s.name}`, () => codeOf([s]));
      const c = this.scenarioCode.get(name);
      if (c !== undefined) return c;
    }
    this.machineCode ??= cached(`machine\u0000${s?.name ?? ""}\u0000${JSON.stringify(this.opts)}`, () =>
      codeOf([s === undefined ? new Machine(this.opts) : machineFor(s, { ...this.opts, checkLeaks: false })]),
    );
    return this.machineCode.get(name);
  }

  /** The name `o` goes by, if it is such code. */
  nameOf(o: object): string | undefined {
    const n =
      typeof o === "function"
        ? textName(o as () => unknown)
        : Object.hasOwn(o, "constructor")
          ? `frame:${textName((o as { constructor: () => unknown }).constructor)}`
          : undefined;
    return n !== undefined && this.get(n) !== undefined ? n : undefined;
  }
}

/** Code found so far, by scenario (and options): a process loads many states of one kind. */
const found = new Map<string, Map<string, object>>();

function cached(key: string, make: () => Map<string, object>): Map<string, object> {
  let code = found.get(key);
  if (code === undefined) {
    code = make();
    if (found.size >= 32) found.clear();
    found.set(key, code);
  }
  return code;
}

export interface SaveOptions {
  /** "refuse" (default): a machine that host hooks observe is refused; "drop": saved without them. */
  hooks?: "refuse" | "drop";
  /** The scenario the machine runs (default: the one machineFor made it for). */
  scenario?: Scenario;
}

/**
 * The state of `m` as a JSON text (docs/STATE-FORMAT.md). Throws a SnapshotError for a
 * machine that is not data (a generator in a thread, a closure the model does not name, a
 * host observer unless `hooks: "drop"`).
 */
export function saveState(m: Machine, opts: SaveOptions = {}): string {
  const s = opts.scenario ?? scenarioOf(m);
  const init = optionsOf(m).init;
  const codeFrom = s ?? (init === undefined || init === null ? undefined : SCENARIOS.find((x) => x.main === init));
  // Injection's hooks and a scenario's invariants' are set again on load; any other observer
  // (a function tracer, the debugger, the explorer) keeps state in closures.
  const foreign = hostHookValues(m)
    .filter(([, v]) => !INJECTION_HOOKS.has(v) && !invariantHooks.has(v as object))
    .map(([name]) => name);
  // The function tracer's hooks may sit under an invariant's: its option says it is on.
  if ((optionsOf(m).tracer?.tracer ?? "nop") !== "nop") foreign.unshift("the function tracer");
  if (foreign.length > 0 && opts.hooks !== "drop") {
    throw new SnapshotError(
      `cannot save this machine's state: ${foreign.join(", ")} ${foreign.length > 1 ? "are" : "is"} set ` +
        "(a function tracer, the debugger or the explorer observes it through closures, which a file cannot hold)",
    );
  }
  const options = dataOptions(optionsOf(m));
  const progress = m.engine.onProgress;
  m.engine.onProgress = null;
  try {
    return withoutHooks(m, () => {
      const unregistered = new Unregistered(options, codeFrom);
      const fallback = (o: object) => unregistered.nameOf(o);
      let graph: Graph;
      try {
        graph = encodeGraph(m, fallback);
      } catch (err) {
        if (err instanceof UnnamedCode)
          throw new SnapshotError(
            `cannot save this machine's state: it holds ${err.what}, which is no code the model names ` +
              "(a closure made while it ran, or a scenario's code: pass saveState its scenario)",
          );
        if (err instanceof NotCopyable)
          throw new SnapshotError(
            `cannot save this machine's state: it holds ${err.what} (only threads made of compiled frames are data: TASKLAB_RUNTIME=frames)`,
          );
        throw err;
      }
      const functions: string[] = [];
      for (let i = 0; i < functionCount(); i++) functions.push(functionName(i));
      const body = JSON.stringify(graph);
      const header: Header = {
        format: MAGIC,
        version: STATE_FORMAT_VERSION,
        tasklab: tasklabVersion(),
        runtime: runtimeKind(),
        kernel: m.kernel.era.name,
        scenario: s?.name ?? null,
        codeOf: s === undefined ? (codeFrom?.name ?? null) : null,
        options,
        now: m.now,
        steps: m.engine.steps,
        functions,
        body: { length: body.length, hash: textHash(body) },
      };
      return `${JSON.stringify(header)}\n${body}\n`;
    });
  } finally {
    m.engine.onProgress = progress;
  }
}

function bad(why: string): never {
  throw new StateError(`not a loadable tasklab state: ${why}`);
}

/**
 * What a state file says of itself (its header line, checked, and its body's length and
 * hash), without loading it: the scenario, the kernel and the machine's options. Throws a
 * StateError as loadState does for a file of another version or build, or a damaged one.
 */
export function stateHeader(text: string): { scenario: string | null; kernel: string; options: MachineOptions } {
  const { f } = parse(text, false);
  return { scenario: f.scenario, kernel: f.kernel, options: f.options };
}

/** Reads and checks a state file's text: its header line, then its body's length, hash and (with `body`) parts. */
function parse(text: string, body: true): { f: Header; graph: Graph };
function parse(text: string, body: false): { f: Header; graph: null };
function parse(text: string, withBody: boolean): { f: Header; graph: Graph | null } {
  if (text.length === 0) bad("the file is empty");
  const nl = text.indexOf("\n");
  let f: Header;
  try {
    f = JSON.parse(nl < 0 ? text : text.slice(0, nl)) as Header;
  } catch {
    bad(
      text.startsWith('{"format":"tasklab-state"')
        ? "the file is truncated (its header line is not complete)"
        : "it is no tasklab state file (its first line is not a state header)",
    );
  }
  if (typeof f !== "object" || f === null || f.format !== MAGIC) bad("it is no tasklab state file");
  if (f.version !== STATE_FORMAT_VERSION)
    bad(`it is of state format version ${String(f.version)}; this tasklab reads version ${STATE_FORMAT_VERSION}`);
  if (f.tasklab !== tasklabVersion())
    bad(`it was saved by tasklab ${String(f.tasklab)}; this is tasklab ${tasklabVersion()}`);
  if (f.runtime !== runtimeKind())
    bad(
      `it was saved by tasklab's ${f.runtime === "dist" ? "built package (dist/)" : "sources (src/)"}, which name code differently; load it with the same`,
    );
  if (
    typeof f.body !== "object" ||
    f.body === null ||
    !Array.isArray(f.functions) ||
    typeof f.options !== "object" ||
    f.options === null ||
    typeof f.kernel !== "string"
  )
    bad("the file is damaged (its header is missing parts)");
  const body = nl < 0 ? "" : text.slice(nl + 1).replace(/\n$/, "");
  if (body.length !== f.body.length)
    bad(`the file is truncated or damaged (its body has ${body.length} characters, its header says ${f.body.length})`);
  if (textHash(body) !== f.body.hash) bad("the file is damaged (its body does not match the hash in its header)");
  if (!withBody) return { f, graph: null };
  let graph: Graph;
  try {
    graph = JSON.parse(body) as Graph;
  } catch {
    bad("the file is damaged (its body is not JSON)");
  }
  if (
    typeof graph !== "object" ||
    graph === null ||
    !Array.isArray(graph.code) ||
    !Array.isArray(graph.shapes) ||
    !Array.isArray(graph.objects)
  )
    bad("the file is damaged (its body is missing parts)");
  return { f, graph };
}

/**
 * A machine in the state `text` holds (made by saveState), ready to run on. Throws a
 * StateError with a one-line message for a file of another format version or build, or a
 * damaged one.
 */
export function loadState(text: string | Uint8Array): Machine {
  const { f, graph } = parse(typeof text === "string" ? text : new TextDecoder().decode(text), true);
  let s: Scenario | undefined;
  if (f.scenario !== null) {
    s = findScenarioOrNull(f.scenario);
    if (s === undefined) bad(`it runs scenario ${f.scenario}, which this tasklab does not have`);
  }
  if (f.kernel !== (f.options.kernel ?? f.kernel)) bad("its kernel release and options disagree");
  const codeFrom = s ?? (typeof f.codeOf === "string" ? findScenarioOrNull(f.codeOf) : undefined);
  const unregistered = new Unregistered(f.options, codeFrom);
  const code = graph.code.map((name) => {
    if (typeof name !== "string") bad("the file is damaged (a code name is not a string)");
    const c = codeNamed(name);
    if (c !== undefined) return c;
    const err = /^table:ERR_PTR\((-?\d+)\)$/.exec(name);
    if (err !== null) return ERR_PTR(Number(err[1]));
    const t = unregistered.get(name);
    if (t === undefined) bad(`it names code this tasklab build does not have (${name}): it was saved by another build`);
    return t;
  });
  let m: Machine;
  try {
    m = decodeGraph(graph, code) as Machine;
  } catch (err) {
    bad(`the file is damaged (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!(m instanceof Machine) || m.now !== f.now || m.engine.steps !== f.steps)
    bad("the file is damaged (the machine in it is not the one its header describes)");
  remapFunctionIds(m, f.functions);
  setOptionsOf(m, f.options);
  // The host side again: injection's hooks (its state is in the machine), the scenario's invariants.
  attachInjection(m.kernel, m.engine);
  if (s !== undefined) {
    setScenarioOf(m, s);
    installInvariants(m, s.invariants ?? []);
  }
  return m;
}

function findScenarioOrNull(name: string): Scenario | undefined {
  try {
    return findScenario(name);
  } catch {
    return undefined;
  }
}

/**
 * Modeled functions are numbered in the order a process registers them, which another
 * process (another entry point) may not share: the ids on threads' stacks are renumbered.
 */
function remapFunctionIds(m: Machine, saved: readonly string[]): void {
  const map = saved.map((name) => functionId(name));
  if (map.every((id, i) => id === i)) return;
  const seen = new Set<object>([m]);
  const todo: object[] = [m];
  while (todo.length > 0) {
    const o = todo.pop() as object;
    if (o instanceof Thread)
      for (let i = 0; i < o.fnStack.length; i++) o.fnStack[i] = map[o.fnStack[i] as number] as number;
    const vals = referencesOf(o);
    for (const v of vals)
      if (typeof v === "object" && v !== null && !seen.has(v)) {
        seen.add(v);
        todo.push(v);
      }
  }
  // The engine's costs by id fill in again from its cost table, by name.
  (m.engine as unknown as { costById: number[] }).costById = [];
}
