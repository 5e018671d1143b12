/**
 * Saved machine states (docs/STATE-FORMAT.md): `saveState(m)` writes a machine as a JSON
 * text that `loadState(text)` reads back into a machine which runs on exactly as `m` would
 * have (same trace, reports and hash), in this process or another of the same tasklab build.
 */
import { readFileSync } from "node:fs";
import { installInvariants } from "../debug/detectors.js";
import { ERR_PTR } from "../linux/include/err.js";
import { Machine, type MachineOptions, optionsOf, setOptionsOf } from "../machine.js";
import { machineFor, scenarioOf, setScenarioOf } from "../run.js";
import { findScenario } from "../scenarios/index.js";
import type { Scenario } from "../scenarios/scenario.js";
import { codeNamed, textName } from "../sim/code.js";
import { NotCopyable } from "../sim/copy.js";
import { Thread } from "../sim/engine.js";
import { functionCount, functionId, functionName } from "../sim/functions.js";
import { hostHooks, SnapshotError, withoutHooks } from "../snapshot.js";
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
  options: MachineOptions;
  now: number;
  steps: number;
  /** The modeled functions' names by id when saved (ids are numbers in the state). */
  functions: string[];
}

interface StateFile extends Header {
  graph: Graph;
}

let version: string | undefined;

/** This tasklab's version (package.json's, found from the sources or the bundle). */
export function tasklabVersion(): string {
  if (version !== undefined) return version;
  version = "unknown";
  for (const rel of ["../../package.json", "../package.json", "../../../package.json"]) {
    try {
      const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (p.name === "tasklab" && typeof p.version === "string") {
        version = p.version;
        break;
      }
    } catch {}
  }
  return version;
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

/** A machine of the same options, never run: where the closures a machine is built with are found. */
function template(opts: MachineOptions, s: Scenario | undefined): Machine {
  return s === undefined ? new Machine(opts) : machineFor(s, { ...opts, checkLeaks: false });
}

/** Every function a machine reaches, by text name (the first met of each). */
function functionsOf(root: object): Map<string, object> {
  const out = new Map<string, object>();
  const seen = new Set<object>([root]);
  const todo: object[] = [root];
  while (todo.length > 0) {
    const o = todo.pop() as object;
    const vals: unknown[] =
      o instanceof Map
        ? [...o.keys(), ...o.values()]
        : o instanceof Set
          ? [...o]
          : ArrayBuffer.isView(o)
            ? []
            : Object.values(o);
    for (const v of vals) {
      if (typeof v === "function") {
        const n = textName(v as () => unknown);
        if (!out.has(n)) out.set(n, v);
      } else if (typeof v === "object" && v !== null && !seen.has(v)) {
        seen.add(v);
        todo.push(v);
      }
    }
  }
  return out;
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
  const hooks = hostHooks(m);
  const s = opts.scenario ?? scenarioOf(m);
  // A scenario's invariants are its own hooks: loadState installs them again.
  const own = s !== undefined && (s.invariants ?? []).some((i) => i.always === true);
  if (
    hooks.length > 0 &&
    opts.hooks !== "drop" &&
    !(own && hooks.every((h) => h === "engine.onEnter" || h === "engine.onExit"))
  ) {
    throw new SnapshotError(
      `cannot save this machine's state: ${hooks.join(", ")} ${hooks.length > 1 ? "are" : "is"} set ` +
        "(a function tracer, fault or signal injection, the debugger or the explorer observes it through closures, which a file cannot hold)",
    );
  }
  const options = dataOptions(optionsOf(m));
  const progress = m.engine.onProgress;
  m.engine.onProgress = null;
  try {
    return withoutHooks(m, () => {
      const known = functionsOf(template(options, s));
      const fallback = (o: object) => {
        if (typeof o !== "function") return undefined;
        const n = textName(o as () => unknown);
        return known.has(n) ? n : undefined;
      };
      let graph: Graph;
      try {
        graph = encodeGraph(m, fallback);
      } catch (err) {
        if (err instanceof UnnamedCode)
          throw new SnapshotError(
            `cannot save this machine's state: it holds ${err.what}, which is no code the model names (a closure made while it ran?)`,
          );
        if (err instanceof NotCopyable)
          throw new SnapshotError(
            `cannot save this machine's state: it holds ${err.what} (only threads made of compiled frames are data: TASKLAB_RUNTIME=frames)`,
          );
        throw err;
      }
      const functions: string[] = [];
      for (let i = 0; i < functionCount(); i++) functions.push(functionName(i));
      const file: StateFile = {
        format: MAGIC,
        version: STATE_FORMAT_VERSION,
        tasklab: tasklabVersion(),
        runtime: runtimeKind(),
        kernel: m.kernel.era.name,
        scenario: s?.name ?? null,
        options,
        now: m.now,
        steps: m.engine.steps,
        functions,
        graph,
      };
      return JSON.stringify(file);
    });
  } finally {
    m.engine.onProgress = progress;
  }
}

function bad(why: string): never {
  throw new StateError(`not a loadable tasklab state: ${why}`);
}

/** Reads and checks a state file's text (its header first). */
function parse(text: string): StateFile {
  let f: StateFile;
  try {
    f = JSON.parse(text) as StateFile;
  } catch {
    bad(text.length === 0 ? "the file is empty" : "the file is damaged or truncated (it is not complete JSON)");
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
  const g = f.graph;
  if (
    typeof g !== "object" ||
    g === null ||
    !Array.isArray(g.code) ||
    !Array.isArray(g.shapes) ||
    !Array.isArray(g.objects) ||
    !Array.isArray(f.functions) ||
    typeof f.options !== "object"
  )
    bad("the file is damaged (its graph is missing parts)");
  return f;
}

export interface LoadOptions {
  /** Where the text came from (named in errors). */
  source?: string;
}

/**
 * A machine in the state `text` holds (made by saveState), ready to run on. Throws a
 * StateError with a one-line message for a file of another format version or build, or a
 * damaged one.
 */
export function loadState(text: string | Uint8Array): Machine {
  const f = parse(typeof text === "string" ? text : new TextDecoder().decode(text));
  let s: Scenario | undefined;
  if (f.scenario !== null) {
    s = findScenarioOrNull(f.scenario);
    if (s === undefined) bad(`it runs scenario ${f.scenario}, which this tasklab does not have`);
  }
  if (f.kernel !== (f.options.kernel ?? f.kernel)) bad("its kernel release and options disagree");
  let known: Map<string, object> | null = null;
  const code = f.graph.code.map((name) => {
    if (typeof name !== "string") bad("the file is damaged (a code name is not a string)");
    const c = codeNamed(name);
    if (c !== undefined) return c;
    const err = /^table:ERR_PTR\((-?\d+)\)$/.exec(name);
    if (err !== null) return ERR_PTR(Number(err[1]));
    known ??= functionsOf(template(f.options, s));
    const t = known.get(name);
    if (t === undefined) bad(`it names code this tasklab build does not have (${name}): it was saved by another build`);
    return t;
  });
  let m: Machine;
  try {
    m = decodeGraph(f.graph, code) as Machine;
  } catch (err) {
    bad(`the file is damaged (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!(m instanceof Machine) || m.now !== f.now || m.engine.steps !== f.steps)
    bad("the file is damaged (the machine in it is not the one its header describes)");
  remapFunctionIds(m, f.functions);
  setOptionsOf(m, f.options);
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
    const vals: unknown[] =
      o instanceof Map
        ? [...o.keys(), ...o.values()]
        : o instanceof Set
          ? [...o]
          : ArrayBuffer.isView(o)
            ? []
            : Object.values(o);
    for (const v of vals)
      if (typeof v === "object" && v !== null && !seen.has(v)) {
        seen.add(v);
        todo.push(v);
      }
  }
  // The engine's costs by id fill in again from its cost table, by name.
  (m.engine as unknown as { costById: number[] }).costById = [];
}
