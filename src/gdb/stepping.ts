/**
 * The debugger's running commands: run, continue, step, next, finish. Each runs the
 * machine (keeping the run's snapshots on the way) until the hooks (hooks.ts) stop it or
 * the run ends, and says where it stopped.
 */
import type { task_struct } from "../linux/include/task_struct.js";
import type { Machine } from "../machine.js";
import { machineFor, problems } from "../run.js";
import { endOfRunChecks } from "../scenarios/detectors.js";
import type { StopReason } from "../sim/engine.js";
import { canStopAt, functionName } from "../sim/functions.js";
import { SnapshotError } from "../snapshot.js";
import { Timeline, whyNoTimeline } from "../timetravel.js";
import { forgetDead, hook, install } from "./hooks.js";
import { formatValue, frameText, taskLabel, where } from "./inspect.js";
import { watchText } from "./points.js";
import { type Mode, type Session, type Stop, seconds } from "./session.js";

/** run: the scenario from boot (again). */
export function run(s: Session): string {
  const restarted = s.machine !== null;
  s.runs++;
  const m = machineFor(s.scenario, { ...s.opts, checkLeaks: false });
  s.data = { frames: new Map() };
  const noHistory = whyNoTimeline(m);
  hook(s, m, s.data);
  s.machine = m;
  s.lastSteps = m.engine.steps;
  s.exited = false;
  s.selected = null;
  s.frameSel = 0;
  s.watchpoints.length = 0; // they watched tasks of the previous run
  s.checkpoints.length = 0;
  s.pointers.clear();
  s.shownPointers = 0;
  s.main = null;
  s.current = 0;
  s.nextCheckpoint = 1;
  s.timeline = null;
  s.noHistory = noHistory;
  if (s.noHistory === "") {
    try {
      s.timeline = new Timeline(m, s.data, (c, d) => install(s, c, d), { tidy: (_m, d) => forgetDead(d) });
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      s.noHistory = e.message;
    }
  }
  const head = `${restarted ? "Restarting" : "Starting"} ${s.scenario.name} on ${m.kernel.nr_cpu_ids} CPUs`;
  return `${head}\n${resume(s, { kind: "continue" })}`;
}

/** continue [N]. */
export function cont(s: Session, arg: string): string {
  s.started();
  if (arg !== "" && s.lastHit !== null) {
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 1) return `Bad count "${arg}".`;
    s.lastHit.ignore = n - 1;
  }
  return resume(s, { kind: "continue" });
}

/** A command with a count (step 3): `once` that many times, while the run goes on. */
export function repeat(s: Session, arg: string, once: () => string): string {
  const n = arg === "" ? 1 : Number(arg);
  if (!Number.isInteger(n) || n < 1) return `Bad count "${arg}".`;
  const out: string[] = [];
  // The first goes ahead whatever the state (it says what is wrong, or goes back from the end).
  for (let i = 0; i < n && (i === 0 || !s.exited); i++) out.push(once());
  return out.join("\n");
}

export function finish(s: Session): string {
  const t = s.thread();
  const fn = t.fnStack.at(-1);
  if (fn === undefined) return '"finish" not meaningful in the outermost frame.';
  return `Run till exit from #0  ${functionName(fn)} ()\n${resume(s, { kind: "finish", t, depth: t.fnStack.length, fn })}`;
}

/** Runs the machine on (keeping snapshots on the way) until a hook stops it, the run ends or `steps` more steps. */
function runOn(s: Session, m: Machine, steps: number): StopReason {
  if (s.timeline === null) return m.run({ until: s.until, maxSteps: steps });
  return s.timeline.forward({ machine: m, data: s.data }, m.engine.steps + steps, s.until) ?? "steps";
}

/** Runs until something stops the machine; reports where. */
export function resume(s: Session, mode: Mode): string {
  const m = s.started();
  s.mode = mode;
  s.stop = null;
  const why: StopReason = runOn(s, m, s.opts.maxSteps ?? 50_000_000);
  s.mode = { kind: "continue" };
  const stop = s.stop as Stop | null;
  s.stop = null;
  if (stop === null) return ended(s, why);
  s.selected = stop.t.owner as task_struct;
  s.frameSel = 0;
  const at = where(s, stop.t);
  switch (stop.kind) {
    case "break":
      s.lastHit = stop.bp;
      if (stop.bp.temporary) s.breakpoints.splice(s.breakpoints.indexOf(stop.bp), 1);
      return `\n${taskLabel(stop.t)} hit ${stop.bp.temporary ? "Temporary breakpoint" : "Breakpoint"} ${stop.bp.num}, ${
        canStopAt(stop.bp.fn)
          ? at
          : `${functionName(stop.bp.fn)} () ran atomically (in a critical section); stopped after it in ${at}`
      }`;
    case "step":
      return at;
    case "finish": {
      const t = stop.t;
      const depth = t.fnStack.lastIndexOf(stop.caller ?? -1);
      const caller = depth < 0 ? "?? ()" : frameText(s, t, depth);
      return `${caller}\nValue returned is $${++s.history} = ${formatValue(stop.ret)}`;
    }
    case "watch":
      return `\nHardware watchpoint ${stop.wp.num}: ${watchText(stop.wp)}\n\nOld value = ${stop.old}\nNew value = ${stop.now}\n${at}`;
  }
}

/** What the run says when it stopped with no hook's stop: it ended, panicked, or ran out of steps or time. */
function ended(s: Session, why: StopReason): string {
  const m = s.machine as Machine;
  if (why === "idle") {
    s.exited = true;
    endOfRunChecks(m, s.scenario, why);
    m.checkLeaks();
    const bad = problems(m.reports).length;
    return `[Inferior 1 (${s.scenario.name}) exited ${bad === 0 ? "normally" : `with ${bad} problem report(s)`}]`;
  }
  if (why === "panic") {
    s.exited = true;
    return `[Inferior 1 (${s.scenario.name}) panicked: ${m.reports.at(-1)?.title ?? ""}]`;
  }
  return `Stopped (${why}) at ${seconds(m.now)} s.`;
}
