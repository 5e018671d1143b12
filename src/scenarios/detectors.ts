/**
 * The checks made when a run ends, and the scenario's invariants. lockdep and the hung
 * task check run inside the kernel (linux/kernel/locking/lockdep.ts, linux/kernel/hung_task.ts);
 * `endOfRunChecks` adds the last hung task check, the deadlock check and the invariants.
 * runScenario calls it; so does any other caller that runs a machine itself.
 */

import {
  PF_IDLE,
  PF_KTHREAD,
  TASK_FROZEN,
  TASK_NOLOAD,
  TASK_RUNNING,
  TASK_UNINTERRUPTIBLE,
  task_state_to_char,
} from "../linux/include/sched.js";
import type { completion, task_struct, wait_queue_head } from "../linux/include/task_struct.js";
import { check_hung_uninterruptible_tasks } from "../linux/kernel/hung_task.js";
import { type kthread_create_info, requestName } from "../linux/kernel/kthread.js";
import { lockdep_print_held_locks } from "../linux/kernel/locking/lockdep.js";
import { sched_show_task } from "../linux/kernel/sched/core.js";
import { type Kernel, setKernel } from "../linux/kernel.js";
import type { Machine } from "../machine.js";
import type { Report, StopReason, Thread } from "../sim/engine.js";
import { findFunctionId, functionId } from "../sim/functions.js";
import type { Invariant, Scenario } from "./scenario.js";

/**
 * The end-of-run checks of a machine that ran scenario `s` and stopped for `stop`: the hung
 * task check at the final time; when the machine went idle (the scenario is over, not
 * stopped at a time limit), the deadlock check and the invariants. Adds their reports to
 * the machine's and returns them. Nothing is checked after a panic.
 */
export function endOfRunChecks(m: Machine, s: Scenario, stop: StopReason): Report[] {
  const before = m.reports.length;
  if (stop === "panic") return [];
  setKernel(m.kernel);
  check_hung_uninterruptible_tasks(m.now);
  if (stop !== "idle") return m.reports.slice(before);
  if (m.detectors.deadlock !== false) {
    check_lost_tasks(m);
    check_deadlock(m, s);
  }
  if (m.detectors.invariants !== false) {
    const seen = m.reportedInvariants;
    for (const inv of s.invariants ?? []) checkInvariant(m, inv, null, seen);
  }
  return m.reports.slice(before);
}

function threads(k: Kernel): task_struct[] {
  const out: task_struct[] = [];
  for (const g of k.init_task.tasks) for (const t of g.signal.thread_head) out.push(t);
  return out;
}

function who(p: task_struct): string {
  return `${p.comm}/${p.pid} (state ${task_state_to_char(p)})`;
}

/**
 * A kernel thread created and never woken: it sleeps in kthread() (D) until its first wakeup.
 * 2.6.24 keeps no struct kthread: there, the thread still sleeps where kthread() called schedule().
 */
function unwoken_kthread(t: task_struct): boolean {
  if ((t.flags & PF_KTHREAD) === 0) return false;
  if (t.worker_private !== null) return !t.worker_private.started;
  const s = t.sim.fnStack;
  const at = s.lastIndexOf(functionId("kthread"));
  return at >= 0 && s[at + 1] === functionId("schedule");
}

/**
 * Blocked for good: asleep in D (TASK_IDLE and frozen tasks excepted; a kthread nobody has
 * woken yet is a state a scenario may leave on purpose).
 */
function stuck(t: task_struct): boolean {
  const state = t.__state;
  return (state & TASK_UNINTERRUPTIBLE) !== 0 && !(state & (TASK_NOLOAD | TASK_FROZEN)) && !unwoken_kthread(t);
}

/** Whether pid 1 is still in the scenario's main (kernel_init calls it as kcall does: its name, or "main"). */
function in_scenario_main(init: task_struct, s: Scenario): boolean {
  if (s.main === undefined) return false;
  const id = findFunctionId(s.main.name || "main");
  return id !== undefined && init.sim.fnStack.includes(id);
}

/**
 * The deadlock check, for a run that went idle (nothing runnable, no timer): every task
 * blocked for good, and pid 1 if it never returned from the scenario's main, is listed with
 * what it waits on and who could wake it (the wait-for graph).
 */
function check_deadlock(m: Machine, s: Scenario): void {
  const k = m.kernel;
  const init = k.child_reaper;
  const inMain = init !== null && in_scenario_main(init, s);
  const blocked = threads(k).filter((t) => stuck(t) || (inMain && t === init));
  if (blocked.length === 0) return;
  m.engine.report({
    kind: "deadlock",
    title: "tasklab: deadlock: all tasks blocked, none runnable",
    lines: blocked.flatMap((t) => {
      const [task, ...trace] = sched_show_task(t);
      const [what, waker] = waits_on(k, t);
      return [
        task as string,
        ...(inMain && t === init ? [" has not returned from the scenario's main()"] : []),
        ` waits on: ${what}`,
        ` woken by: ${waker ?? "unknown"}`,
        ...(k.lockdep !== null && t.held_locks.length > 0 ? lockdep_print_held_locks(k.lockdep, t) : []),
        ...trace,
      ];
    }),
    time: m.now,
  });
}

/**
 * Lost wakeups of the other kind: a task set running (its wakeup happened) that is on no
 * run queue and on no CPU, so nothing will ever run it. Idle tasks are never queued.
 */
function check_lost_tasks(m: Machine): void {
  const k = m.kernel;
  const running = new Set(k.runqueues.map((rq) => rq.curr));
  for (const t of threads(k)) {
    if (t.__state !== TASK_RUNNING || t.exit_state !== 0 || t.on_rq !== 0 || running.has(t)) continue;
    if (k.idle_tasks.includes(t) || t.flags & PF_IDLE) continue;
    const [task, ...trace] = sched_show_task(t);
    m.engine.report({
      kind: "lost-wakeup",
      title: `tasklab: lost wakeup: ${t.comm}/${t.pid} is runnable but on no run queue and no CPU`,
      lines: [task as string, ...trace],
      time: m.now,
    });
  }
}

/** What t sleeps on, and who would end that sleep (null: not knowable from here). */
export function waits_on(k: Kernel, t: task_struct): [string, string | null] {
  const b = t.blocker;
  if (b !== null) return "done" in b ? completion_of(k, b) : wait_queue_of(k, b);
  if (unwoken_kthread(t)) return ["its first wakeup (created by kthread_create, never woken)", "its creator"];
  return ["nothing recorded (not a completion or wait queue: see its stack)", null];
}

function completion_of(k: Kernel, x: completion): [string, string | null] {
  if (x === k.kthreadd_done) return ["kthreadd_done", "rest_init"];
  for (const req of k.kthread_create_list) {
    if (req.done === x) {
      const by = k.kthreadd_task === null ? null : who(k.kthreadd_task);
      return [`the creation of ${requestName(req)}, queued on kthread_create_list`, by];
    }
  }
  // A request kthreadd has taken off the list: it is forking the thread, or the thread runs.
  for (const rec of k.slab.live.values()) {
    const req = rec.object as kthread_create_info | null;
    if (rec.type !== "kthread_create_info" || req === null || req.done !== x) continue;
    const name = req.full_name?.s.slice(0, 15);
    const thread = threads(k).find((t) => t.worker_private !== null && name !== undefined && t.comm === name);
    return [
      `the creation of ${requestName(req)} (taken by kthreadd)`,
      thread !== undefined ? who(thread) : k.kthreadd_task === null ? null : who(k.kthreadd_task),
    ];
  }
  for (const p of threads(k)) {
    const kt = p.worker_private;
    if (kt?.exited === x) return [`the exit of kthread ${p.comm}/${p.pid} (its struct kthread's exited)`, who(p)];
    if (kt?.parked === x) return [`kthread ${p.comm}/${p.pid} parking (its struct kthread's parked)`, who(p)];
    if (p.vfork_done === x) return [`vfork_done of ${p.comm}/${p.pid} (its exec or exit)`, who(p)];
  }
  return [`a completion (done=${x.done})`, null];
}

function wait_queue_of(k: Kernel, wq: wait_queue_head): [string, string | null] {
  for (const g of k.init_task.tasks) {
    if (g.signal.wait_chldexit !== wq) continue;
    const children = [...g.children].map(who);
    return [
      `wait_chldexit of ${g.comm}/${g.pid} (a child's exit)`,
      children.length > 0 ? children.join(", ") : "nobody: it has no children",
    ];
  }
  return ["a wait queue", null];
}

/**
 * Checks one invariant not yet reported (`seen`: those that were); `t` is the thread at
 * whose modeled call it was checked (null: at the end).
 */
function checkInvariant(m: Machine, inv: Invariant, t: Thread | null, seen: Set<string>): void {
  if (seen.has(inv.name)) return;
  let msg: string | null;
  try {
    msg = inv.check(m);
  } catch (e) {
    msg = `its check threw: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (msg === null) return;
  seen.add(inv.name);
  const title = `tasklab: invariant ${inv.name} violated: ${msg}`;
  if (t === null) {
    m.engine.report({ kind: "invariant", title, lines: [], time: m.now });
    return;
  }
  const p = t.owner as task_struct;
  const lines = [`seen in ${p.comm}/${p.pid} on CPU ${m.engine.runningCpu.id}:`, "Call Trace:"];
  m.engine.report({ kind: "invariant", title, lines: [...lines, ...t.backtrace().map((f) => ` ${f}`)] });
}

/**
 * Checks the `always` invariants at every modeled call and return while the machine runs
 * (chained on the engine's observers). Nothing is installed when there are none.
 */
export function installInvariants(m: Machine, invariants: readonly Invariant[]): void {
  const always = invariants.filter((i) => i.always === true);
  if (always.length === 0 || m.detectors.invariants === false) return;
  const e = m.engine;
  const seen = m.reportedInvariants;
  const prevEnter = e.onEnter;
  const prevExit = e.onExit;
  let checking = false; // a check that calls modeled functions must not recurse
  const check = (t: Thread) => {
    if (checking) return;
    checking = true;
    try {
      for (const inv of always) checkInvariant(m, inv, t, seen);
    } finally {
      checking = false;
    }
  };
  e.onEnter = (t, fn, args) => {
    prevEnter?.(t, fn, args);
    check(t);
  };
  e.onExit = (t, fn, ret) => {
    prevExit?.(t, fn, ret);
    check(t);
  };
  invariantHooks.add(e.onEnter).add(e.onExit);
}

/** The hooks installInvariants sets (a saved state's loader sets them again from its scenario). */
export const invariantHooks = new WeakSet<object>();
