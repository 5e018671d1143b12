/**
 * Lock dependency validation (kernel/locking/lockdep.c), for spinlocks. A lock's class is
 * its name (every wait queue's lock is one class, as they share one init site in C). Each
 * task lists the locks it holds or spins on (held_locks). Taking lock B while A is the
 * innermost lock held records the dependency A → B, with the stack of the first time it is
 * seen. If B already leads to A (B → … → A was recorded before), two tasks taking them in
 * the two orders can deadlock: reported once, as lockdep reports a circular dependency,
 * after which validation is off (debug_locks_off) while held_locks stay up to date for
 * other reports. Nesting two locks of one class is not checked.
 */
import { activeEngine } from "../../../sim/engine.js";
import { functionName } from "../../../sim/functions.js";
import { current } from "../../include/current.js";
import type { spinlock_t, task_struct } from "../../include/task_struct.js";
import { removeAt } from "../../lib/array.js";

/** A lock a task holds, and where it took it (the caller of spin_lock: acquire_ip). */
export interface held_lock {
  instance: spinlock_t;
  acquire_fn: number;
}

export interface lockdep_state {
  /** Each class's locks_after: the classes taken while it was held, and the first stack that did. */
  readonly after: Map<string, Map<string, readonly number[]>>;
  /** Classes ever taken with interrupts enabled (the '+' of the usage characters). */
  readonly irq_enabled: Set<string>;
  /** Cleared by the first report (debug_locks_off). */
  debug_locks: boolean;
}

export function lockdep_init(): lockdep_state {
  return { after: new Map(), irq_enabled: new Set(), debug_locks: true };
}

/** lock_acquire: spin_lock is about to take `lock` (it may spin first): validate, then hold it. */
export function lock_acquire(ld: lockdep_state, lock: spinlock_t): void {
  const curr = current();
  const stack = curr.sim.fnStack;
  if (activeEngine().runningCpu.irqsOff === 0) ld.irq_enabled.add(lock.name);
  const prev = curr.held_locks[curr.held_locks.length - 1];
  if (ld.debug_locks && prev !== undefined && prev.instance.name !== lock.name) check_prev_add(ld, curr, prev, lock);
  curr.held_locks.push({ instance: lock, acquire_fn: stack[stack.length - 2] ?? -1 });
}

/** lock_release: the holder of `lock` no longer holds it. */
export function lock_release(lock: spinlock_t): void {
  const held = lock.owner?.held_locks;
  if (held === undefined) return;
  for (let i = held.length - 1; i >= 0; i--) {
    if ((held[i] as held_lock).instance === lock) {
      removeAt(held, i);
      return;
    }
  }
}

/** Adds prev → next unless next already leads to prev, which is reported instead. */
function check_prev_add(ld: lockdep_state, curr: task_struct, prev: held_lock, next: spinlock_t): void {
  let deps = ld.after.get(prev.instance.name);
  if (deps?.has(next.name)) return;
  const cycle = findPath(ld, next.name, prev.instance.name);
  if (cycle !== null) {
    ld.debug_locks = false;
    print_circular_bug(ld, curr, cycle, prev, next);
    return;
  }
  if (deps === undefined) {
    deps = new Map();
    ld.after.set(prev.instance.name, deps);
  }
  deps.set(next.name, curr.sim.fnStack.slice());
}

/**
 * Breadth first along recorded dependencies: the classes from `from` to `to`, or null.
 * Models check_noncircular (__bfs_forwards).
 */
function findPath(ld: lockdep_state, from: string, to: string): string[] | null {
  const parent = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i] as string;
    if (c === to) {
      const path: string[] = [];
      for (let x: string | null = c; x !== null; x = parent.get(x) ?? null) path.unshift(x);
      return path;
    }
    for (const n of ld.after.get(c)?.keys() ?? []) {
      if (parent.has(n)) continue;
      parent.set(n, c);
      queue.push(n);
    }
  }
  return null;
}

/** Models print_lock_name: " (name){usage}-{3:3}", the class, how it was used (irqs on: +), its wait type. */
function lockName(ld: lockdep_state | null, name: string): string {
  return ` (${name}){${ld?.irq_enabled.has(name) ? "+.+." : "...."}}-{3:3}`;
}

/** Models print_lock_trace / stack_trace_print. */
function traceLines(stack: readonly number[], indent: string): string[] {
  const out: string[] = [];
  for (let i = stack.length - 1; i >= 0; i--) out.push(indent + functionName(stack[i] as number));
  return out;
}

/** The locks p holds, as lockdep lists them. */
export function lockdep_print_held_locks(ld: lockdep_state | null, p: task_struct): string[] {
  const n = p.held_locks.length;
  if (n === 0) return [`no locks held by ${p.comm}/${p.pid}.`];
  return [
    `${n} lock${n === 1 ? "" : "s"} held by ${p.comm}/${p.pid}:`,
    ...p.held_locks.map((h, i) => ` #${i}:${lockName(ld, h.instance.name)}, at: ${functionName(h.acquire_fn)}`),
  ];
}

/**
 * The report: the lock wanted and the one held, the recorded chain from the wanted lock
 * to the held one (each link with the stack that first made it; #0 is this acquisition),
 * the two-CPU scenario, the locks held, the stack.
 */
function print_circular_bug(
  ld: lockdep_state,
  curr: task_struct,
  path: readonly string[],
  prev: held_lock,
  next: spinlock_t,
): void {
  const held = prev.instance.name;
  const parent = path[path.length - 2] as string;
  const stack = curr.sim.fnStack;
  const lines = [
    "------------------------------------------------------",
    `${curr.comm}/${curr.pid} is trying to acquire lock:`,
    `${lockName(ld, next.name)}, at: ${functionName(stack[stack.length - 2] ?? -1)}`,
    "",
    "but task is already holding lock:",
    `${lockName(ld, held)}, at: ${functionName(prev.acquire_fn)}`,
    "",
    "which lock already depends on the new lock.",
    "",
    "",
    "the existing dependency chain (in reverse order) is:",
  ];
  for (let i = path.length - 1; i >= 1; i--) {
    const link = ld.after.get(path[i - 1] as string)?.get(path[i] as string) ?? [];
    lines.push("", `-> #${i}${lockName(ld, path[i] as string)}:`, ...traceLines(link, "       "));
  }
  lines.push("", `-> #0${lockName(ld, next.name)}:`, ...traceLines(stack, "       "));
  lines.push("", "other info that might help us debug this:", "");
  if (parent !== next.name) lines.push("Chain exists of:", `  ${next.name} --> ${parent} --> ${held}`, "");
  lines.push(
    " Possible unsafe locking scenario:",
    "",
    "       CPU0                    CPU1",
    "       ----                    ----",
    `  lock(${held});`,
    `                               lock(${parent});`,
    `                               lock(${held});`,
    `  lock(${next.name});`,
    "",
    " *** DEADLOCK ***",
    "",
    ...lockdep_print_held_locks(ld, curr),
    "",
    "stack backtrace:",
    `CPU: ${activeEngine().runningCpu.id} UID: ${curr.cred.uid} PID: ${curr.pid} Comm: ${curr.comm}`,
    "Call Trace:",
    ...traceLines(stack, " "),
  );
  activeEngine().report({ kind: "lockdep", title: "WARNING: possible circular locking dependency detected", lines });
}
