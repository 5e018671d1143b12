/**
 * The debugger's observers on a machine: at each modeled function's entry and exit and
 * after each pass of the run loop they keep the frames' arguments and, by the session's
 * phase, stop the run where asked (live), record where it would have stopped (a reverse
 * search's replay, see reverse.ts) or do nothing more (a seek's replay).
 */
import { TASK_DEAD } from "../linux/include/sched.js";
import type { task_struct } from "../linux/include/task_struct.js";
import type { Machine } from "../machine.js";
import { installInvariants } from "../scenarios/detectors.js";
import type { Thread } from "../sim/engine.js";
import { canStopAt } from "../sim/functions.js";
import { anchorOf } from "./anchor.js";
import { checkWatch, holds, scanWatch } from "./points.js";
import type { Recorder } from "./reverse.js";
import type { DebugData, Session } from "./session.js";

/** The debugger's observers on `m` (the run's machine, or one restored from a snapshot), with its data. */
export function hook(s: Session, m: Machine, data: DebugData): void {
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
    if (m === s.machine) onEnter(s, t, fn);
  };
  e.onExit = (t, fn, ret) => {
    prevExit?.(t, fn, ret);
    if (m === s.machine) onExit(s, t, fn, ret);
  };
  e.afterStep = () => {
    if (m === s.machine) afterStep(s, m);
  };
}

/** The observers of a machine restored from a snapshot: the scenario's invariants, the watchdog's, the debugger's. */
export function install(s: Session, m: Machine, data: DebugData): void {
  installInvariants(m, s.scenario.invariants ?? []);
  m.engine.onProgress = s.opts.onProgress ?? null;
  hook(s, m, data);
}

/** Drops the frames of threads whose task is dead (it never runs again; nothing shows its stack). */
export function forgetDead(d: DebugData): void {
  for (const t of d.frames.keys()) if ((t.owner as task_struct).__state === TASK_DEAD) d.frames.delete(t);
}

function onEnter(s: Session, t: Thread, fn: number): void {
  if (s.phase === "replay") return;
  if (s.phase === "scan") {
    scanEnter(s, t, fn);
    return;
  }
  if (s.stop !== null) return;
  for (const bp of s.breakpoints) {
    if (bp.fn !== fn) continue;
    if (bp.cond !== null && !holds(s, t, bp.cond)) continue;
    bp.hits++;
    if (bp.ignore > 0) {
      bp.ignore--;
      continue;
    }
    s.halt({ kind: "break", bp, t });
    return;
  }
  const mode = s.mode;
  if (!canStopAt(fn)) checkWatch(s, t);
  else if (mode.kind === "step" && mode.t === t) s.halt({ kind: "step", t });
  else if (mode.kind === "next" && mode.t === t && t.fnStack.length <= mode.depth) s.halt({ kind: "step", t });
  else checkWatch(s, t);
}

function onExit(s: Session, t: Thread, fn: number, ret: unknown): void {
  if (s.phase === "scan") scanWatch(s, t, eventPos(s));
  if (s.stop !== null || s.phase !== "live") return;
  const mode = s.mode;
  if (mode.kind === "finish" && mode.t === t && fn === mode.fn && t.fnStack.length === mode.depth) {
    // The returning frame is popped right after this; the stop is reported in the caller.
    s.halt({ kind: "finish", t, fn, ret, caller: t.fnStack[t.fnStack.length - 2] });
    return;
  }
  if (mode.kind === "next" && mode.t === t && t.fnStack.length < mode.depth) s.halt({ kind: "step", t });
  else checkWatch(s, t);
}

/**
 * The position a stop at the current event would have (see reverse.ts): the step count
 * now, or the next one before this pass's thread step (the scheduler runs first); null in
 * an interrupt (the end of the next pass that steps a thread).
 */
function eventPos(s: Session): number | null {
  const e = (s.machine as Machine).engine;
  if (e.runningCpu.inIrq + e.runningCpu.inSoftirq > 0) return null;
  return e.steps === s.lastSteps ? e.steps + 1 : e.steps;
}

/** A reverse search's replay: records where the run would have stopped. */
function scanEnter(s: Session, t: Thread, fn: number): void {
  const r = s.recorder as Recorder;
  const pos = eventPos(s);
  const task = anchorOf(t.owner as object);
  for (const bp of s.breakpoints) {
    if (bp.fn !== fn || (bp.cond !== null && !holds(s, t, bp.cond))) continue;
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
  scanWatch(s, t, pos);
}

/**
 * After each pass of the run loop: a pass that stepped a thread is a position, where
 * watchpoints are checked and a stop asked for in an interrupt takes effect.
 */
function afterStep(s: Session, m: Machine): void {
  const e = m.engine;
  const stepped = e.steps !== s.lastSteps;
  s.lastSteps = e.steps;
  if (s.phase === "replay" || !stepped) return;
  if (s.phase === "scan") {
    scanWatch(s, e.running, e.steps);
    (s.recorder as Recorder).passed(e.steps);
    return;
  }
  if (s.stop !== null) e.stop("stopped");
  else checkWatch(s, e.running);
}
