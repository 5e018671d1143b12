/**
 * The debugger's commands that move in the run's history: reverse-step, -next, -continue
 * and -finish (a search over the run's snapshots, see reverse.ts), and checkpoint, restart
 * and info checkpoints (machines kept at a position, as gdb's checkpoints fork the process).
 */
import type { task_struct } from "../linux/include/task_struct.js";
import type { Machine } from "../machine.js";
import { canStopAt, functionName } from "../sim/functions.js";
import { copyMachineWith } from "../snapshot.js";
import type { Timeline, Travel } from "../timetravel.js";
import { type Anchor, anchorOf, locate } from "./anchor.js";
import { install } from "./hooks.js";
import { frameText, taskLabel, where } from "./inspect.js";
import { show, watchText, watchValue } from "./points.js";
import { type Candidate, Recorder, type Reverse } from "./reverse.js";
import {
  type Breakpoint,
  type Checkpoint,
  type DebugData,
  DebugError,
  type Session,
  seconds,
  type Watchpoint,
} from "./session.js";

/** The run's history, or the error saying there is none. */
function timelineOf(s: Session): Timeline<DebugData> {
  if (s.machine === null) throw new DebugError("The program is not being run.");
  if (s.timeline === null)
    throw new DebugError(`Target native does not support this command.\n(This run cannot go back: ${s.noHistory}.)`);
  return s.timeline;
}

/** Makes `t` the debugger's machine; the selected task and watchpoints are looked up in it. */
function arrive(s: Session, t: Travel<DebugData>, selected: Anchor | null): void {
  s.machine = t.machine;
  s.data = t.data;
  s.lastSteps = t.machine.engine.steps;
  s.exited = false;
  s.stop = null;
  const p = selected === null ? null : locate(t.machine, selected);
  s.selected = p === null ? null : (p as task_struct);
  s.frameSel = 0;
  for (const wp of s.watchpoints) wp.old = watchValue(s, wp);
}

/** To position `pos` of the run (restored from the nearest snapshot, replayed to it). */
function goTo(s: Session, pos: number, selected: Anchor | null): void {
  const tl = timelineOf(s);
  const t = tl.restoreAt(pos);
  s.machine = t.machine;
  s.data = t.data;
  s.phase = "replay";
  try {
    tl.forward(t, pos, s.until);
  } finally {
    s.phase = "live";
  }
  arrive(s, t, selected);
}

/**
 * reverse-step, -next, -continue, -finish: replays the stretches before here from their
 * snapshots, latest first, until one has a place where the command stops; goes there.
 */
export function reverse(s: Session, r: Reverse, head = ""): string {
  const tl = timelineOf(s);
  const home: Travel<DebugData> = { machine: s.machine as Machine, data: s.data };
  const limit = home.machine.engine.steps;
  const who = s.selected === null ? null : anchorOf(s.selected);
  const mode = r;
  let found: Candidate | null = null;
  const olds = s.watchpoints.map((w) => w.old);
  try {
    for (let hi = limit; found === null && hi > tl.start; ) {
      const from = tl.snapshotAt(hi - 1);
      const t = tl.restoreAt(from);
      s.machine = t.machine;
      s.data = t.data;
      // The task may not exist yet where the stretch starts: it is recognized when it runs.
      s.recorder = new Recorder(mode, mode.kind === "continue" ? null : who, limit, from);
      for (const wp of s.watchpoints) wp.old = watchValue(s, wp);
      s.phase = "scan";
      tl.forward(t, hi, s.until);
      found = s.recorder.best;
      hi = from;
    }
  } finally {
    s.phase = "live";
    s.recorder = null;
    s.machine = home.machine;
    s.data = home.data;
    for (const [i, wp] of s.watchpoints.entries()) wp.old = olds[i];
  }
  if (found === null) {
    goTo(s, tl.start, who);
    const p = s.selected;
    return `${head}\nNo more reverse-execution history.${p === null ? "" : `\n${where(s, p.sim)}`}`;
  }
  goTo(s, found.pos, found.task ?? who);
  const p = s.selected;
  const at = p === null ? "" : where(s, p.sim);
  switch (found.what) {
    case "step":
      return `${head}${at}`;
    case "finish":
      return `${head}${at}`;
    case "break": {
      const bp = s.breakpoints.find((b) => b.num === found.num) as Breakpoint;
      bp.hits++;
      s.lastHit = bp;
      if (bp.temporary) s.breakpoints.splice(s.breakpoints.indexOf(bp), 1);
      const label = p === null ? "" : `${taskLabel(p.sim)} `;
      return `${head}\n${label}hit ${bp.temporary ? "Temporary breakpoint" : "Breakpoint"} ${bp.num}, ${
        canStopAt(bp.fn)
          ? at
          : `${functionName(bp.fn)} () ran atomically (in a critical section); stopped before it in ${at}`
      }`;
    }
    case "watch": {
      const wp = s.watchpoints.find((w) => w.num === found.num) as Watchpoint;
      wp.hits++;
      return `${head}\nHardware watchpoint ${wp.num}: ${watchText(wp)}\n\nOld value = ${found.later}\nNew value = ${show(s, wp.old)}\n${at}`;
    }
  }
}

export function reverseFinish(s: Session): string {
  const t = s.thread(true);
  const fn = t.fnStack.at(-1);
  if (fn === undefined) return '"finish" not meaningful in the outermost frame.';
  const head = `Run back to call of #0  ${frameText(s, t, t.fnStack.length - 1)}\n`;
  return reverse(s, { kind: "finish", t, depth: t.fnStack.length, fn }, head);
}

/** Keeps the machine as it is now (a copy), as gdb's checkpoint forks the process. */
function keepHere(s: Session, num: number): Checkpoint {
  const m = s.machine as Machine;
  const [machine, data] = copyMachineWith(m, s.data, { hooks: "drop" });
  const p = s.selected;
  return {
    num,
    steps: m.engine.steps,
    kept: { machine, data },
    selected: p === null ? null : anchorOf(p),
    where: p === null ? `[${seconds(m.now)} s]` : `task ${p.pid}, ${where(s, p.sim)}`,
  };
}

export function checkpoint(s: Session): string {
  timelineOf(s);
  const c = keepHere(s, s.nextCheckpoint++);
  s.checkpoints.push(c);
  return `checkpoint ${c.num}: step ${c.steps}, ${c.where}`;
}

export function infoCheckpoints(s: Session): string {
  if (s.checkpoints.length === 0) return "No checkpoints.";
  const here = (s.machine as Machine).engine.steps;
  const main = s.main;
  const mark = (n: number) => (n === s.current ? "*" : " ");
  const rows = [`${mark(0)} 0 (main process) step ${main === null ? here : `${main.steps}, ${main.where}`}`];
  for (const c of s.checkpoints) rows.push(`${mark(c.num)} ${c.num} step ${c.steps}, ${c.where}`);
  return rows.join("\n");
}

export function restart(s: Session, arg: string): string {
  timelineOf(s);
  if (arg === "") return "Requires argument (checkpoint id to restart)";
  const n = Number(arg);
  const c = n === 0 ? s.main : s.checkpoints.find((x) => x.num === n);
  if (c === undefined || c === null) return `Not found: checkpoint id ${arg}`;
  if (s.current === 0) s.main = keepHere(s, 0);
  s.current = c.num;
  const [machine, data] = copyMachineWith(c.kept.machine, c.kept.data);
  install(s, machine, data);
  arrive(s, { machine, data }, c.selected);
  const p = s.selected;
  return `Switching to checkpoint ${c.num} (step ${c.steps})${p === null ? "" : `\n#0  ${where(s, p.sim)}`}`;
}

export function deleteCheckpoint(s: Session, arg: string): string {
  const i = s.checkpoints.findIndex((c) => String(c.num) === arg);
  if (i < 0) return `Not found: checkpoint id ${arg}`;
  s.checkpoints.splice(i, 1);
  return "";
}
