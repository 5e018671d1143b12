/**
 * Exploring from a saved state (`tasklab explore --from-state FILE`, docs/STATE-FORMAT.md):
 * the machine loaded from the file is the start point that a scenario's booted snapshot is
 * otherwise (checkpoint.ts). Every schedule restores it, with the explorer's chooser put in
 * the state's own (alternative 0 at each choice point from the saved moment on, as from a
 * boot; a state saved before its scenario started is run on to that moment first, as the
 * boot snapshot is) and its trace off (a state's trace is history, not state: a stateful search would
 * tell apart states that differ only by it). A replay runs the same machine with its trace
 * as saved, so it prints what `run --from-state` would print under that schedule.
 *
 * The state file's text is handed in by the host (read from the file the target names,
 * checked against its sha256): no file access here, so the explorer runs in a browser too.
 */
import { DEFAULT_ERA } from "../linux/eras/profiles.js";
import { DEFAULTS, type Machine } from "../machine.js";
import { InputError } from "../sim/suggest.js";
import { type MachineSnapshot, SnapshotError, snapshot } from "../snapshot.js";
import { loadState, StateError, stateHeader } from "../state/file.js";
import { atScenarioStart } from "./checkpoint.js";
import { ScriptedChooser, type Target } from "./schedule.js";

/** The texts of the state files registered, by path. */
const texts = new Map<string, string>();
/** The start snapshots made, by path and whether the trace is on. */
const starts = new Map<string, MachineSnapshot>();

/** Makes the text of state file `path` known to targets that name it (its sha256 is the target's). */
export function registerState(path: string, text: string): void {
  if (texts.get(path) === text) return;
  texts.set(path, text);
  for (const k of starts.keys()) if (k.startsWith(`${path}\u0000`)) starts.delete(k);
}

/** Whether the text of state file `path` is registered. */
export function stateRegistered(path: string): boolean {
  return texts.has(path);
}

/** A state that cannot be explored: one line (the file's, its loader's or the explorer's reason). */
function refuse(path: string, why: string): never {
  throw new InputError(`--from-state ${path}: ${why}`);
}

/**
 * The target of exploring from the state in `text` (file `path`, bytes' sha256 `sha256`):
 * its scenario and machine options are the state's, as its header says (the file is loaded
 * where the schedules run: stateStart). Throws a one-line InputError for a file of another
 * version or build, a damaged one, or a state that names no scenario.
 */
export function stateTarget(path: string, text: string, sha256: string): Target {
  let h: ReturnType<typeof stateHeader>;
  try {
    h = stateHeader(text);
  } catch (e) {
    if (e instanceof StateError) refuse(path, e.message);
    throw e;
  }
  if (h.scenario === null) refuse(path, "the state names no scenario to explore");
  const o = h.options;
  return {
    scenario: h.scenario,
    cpus: o.cpus ?? DEFAULTS.cpus,
    seed: o.seed ?? DEFAULTS.seed,
    mutant: o.mutant ?? null,
    ...(h.kernel === DEFAULT_ERA ? {} : { kernel: h.kernel }),
    state: { path, sha256 },
  };
}

/**
 * The machine schedules of target `t` (which names a registered state) start from: the
 * state loaded, the explorer's chooser in, the trace off unless `trace` (a replay's).
 */
export function stateStart(t: Target, trace: boolean): MachineSnapshot {
  const st = t.state;
  if (st === undefined) throw new Error("the target names no saved state");
  const key = `${st.path}\u0000${trace}`;
  let snap = starts.get(key);
  if (snap !== undefined) return snap;
  const text = texts.get(st.path);
  if (text === undefined) throw new Error(`state file ${st.path} not registered`);
  const make = (): Machine => {
    let loaded: Machine;
    try {
      loaded = loadState(text);
    } catch (e) {
      if (e instanceof StateError) refuse(st.path, e.message);
      throw e;
    }
    loaded.engine.chooser = new ScriptedChooser(() => 0, []);
    if (!trace) loaded.traceOff();
    return loaded;
  };
  let m = make();
  // A state saved before its scenario started: on to that moment, as a boot snapshot is.
  if (m.kernel.system_state !== "running") m = atScenarioStart(make) ?? m;
  try {
    snap = snapshot(m, { hooks: "drop" });
  } catch (e) {
    if (e instanceof SnapshotError) refuse(st.path, e.message);
    throw e;
  }
  starts.set(key, snap);
  return snap;
}
