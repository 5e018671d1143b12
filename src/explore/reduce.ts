/**
 * What the reduction needs to know: whether a step touched shared state.
 *
 * A step is local when all the code it ran belongs to modeled functions listed below and it
 * called no `Engine.shared()`; any other function's code, an interrupt or a reschedule makes
 * it shared. The list is short on purpose: the part of `copy_process` that builds the new
 * task out of sight of everyone else (its own task_struct, its scheduler fields, reference
 * counts taken on the parent's files, fs, signal handlers and mm, which commute), and the
 * calls that lead there. `copy_process` marks its accesses to shared state (the thread count
 * and the linking under tasklist_lock) with `shared()`. Everything else, the whole kthread
 * protocol included, counts as shared.
 *
 * Sending a signal to a task T is finer: it touches T's pending set and wakes T, so it
 * depends only on the steps T itself runs and the steps that wake T (`stepWoke`); any
 * other step, shared or not, commutes with it.
 */
import type { Engine, Thread } from "../sim/engine.js";
import { functionId } from "../sim/functions.js";

const LOCAL_FUNCTIONS = [
  "kernel_thread",
  // The fork entry under each release's name (one body: kernel/fork.ts forkBody).
  "do_fork",
  "_do_fork",
  "kernel_clone",
  "copy_process",
  "dup_task_struct",
  "sched_fork",
  "copy_files",
  "copy_fs",
  "copy_sighand",
  "copy_signal",
  "copy_mm",
  "copy_thread",
];

/** The tasks the current step woke (try_to_wake_up), while tracking. */
export const stepWoke = new Set<unknown>();

/** By function id, true for LOCAL_FUNCTIONS (made at the first use, when the kernel's functions are registered). */
let localIds: boolean[] | null = null;

function localFunctions(): boolean[] {
  if (localIds === null) {
    localIds = [];
    for (const name of LOCAL_FUNCTIONS) localIds[functionId(name)] = true;
  }
  return localIds;
}

/**
 * Turns on shared-state tracking: `stepShared` is right after each step, and `stepWoke`
 * holds the tasks it woke (reset by the caller after each step).
 */
export function trackShared(engine: Engine): void {
  const local = localFunctions();
  const ttwu = functionId("try_to_wake_up");
  engine.localFns = local;
  const enter = engine.onEnter;
  engine.onEnter = (t: Thread, fn: number, args: readonly unknown[]) => {
    enter?.(t, fn, args);
    if (local[fn] !== true) engine.stepShared = true;
    if (fn === ttwu) stepWoke.add(args[0]);
  };
  const exit = engine.onExit;
  engine.onExit = (t: Thread, fn: number, ret: unknown) => {
    exit?.(t, fn, ret);
    // The caller's code runs next, in this step.
    const caller = t.fnStack[t.fnStack.length - 2];
    if (caller === undefined || local[caller] !== true) engine.stepShared = true;
  };
}
