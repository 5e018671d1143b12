/**
 * The debugger's looking commands: bt, frame/up/down, info tasks, task, print, list, and
 * how they show what they find (frames with their arguments, values, objects as kernel
 * pointers). Looking never changes the machine.
 */
import { PF_KTHREAD, task_state_to_char } from "../linux/include/sched.js";
import type { task_struct } from "../linux/include/task_struct.js";
import type { Machine } from "../machine.js";
import type { Thread } from "../sim/engine.js";
import { findFunctionId, functionName, functionSource } from "../sim/functions.js";
import { anchorOf, isTask, keyOf } from "./anchor.js";
import { DebugError, type FrameArgs, type Session, seconds } from "./session.js";

/** A value as gdb's print shows it: numbers, "strings", 0x0 for null, {a = 1, ...} one level deep. */
export function formatValue(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return "0x0";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "bigint") return `0x${v.toString(16)}`;
  if (typeof v === "function") return `{<function ${v.name || "anonymous"}>}`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `{<${(v as { length: number }).length} elements>}`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (depth > 0) return "{...}";
    const owner = o as { comm?: unknown; pid?: unknown };
    if (typeof owner.comm === "string" && typeof owner.pid === "number" && depth === 0 && "__state" in o)
      return `{pid = ${owner.pid}, comm = ${JSON.stringify(owner.comm)}, ...}`;
    const parts = Object.entries(o)
      .filter(([k]) => k !== "__slab")
      .slice(0, 12)
      .map(([k, x]) => `${k} = ${formatValue(x, depth + 1)}`);
    return `{${parts.join(", ")}${Object.keys(o).length > 12 ? ", ..." : ""}}`;
  }
  return String(v);
}

/** "kernel/kthread.ts:712", when the source index knows the function. */
export function location(s: Session, fn: number): string | null {
  const src = s.sources.get(functionName(fn));
  return src === undefined ? null : `${src.file}:${src.line}`;
}

/** The parameter names of a modeled function (from the source index, else from its code). */
function paramNames(s: Session, fn: number): string[] {
  const known = s.sources.get(functionName(fn));
  if (known !== undefined) return known.params;
  const src = functionSource(fn);
  const m = src === null ? null : /^[^(]*\(([^)]*)\)/.exec(src);
  if (m === null) return [];
  return (m[1] as string)
    .split(",")
    .map((p) =>
      p
        .trim()
        .replace(/^\.\.\./, "")
        .replace(/\s*=.*$/, ""),
    )
    .filter((p) => p !== "");
}

/** The arguments of the frame at `depth` of t, when the debugger saw it entered. */
function frameArgs(s: Session, t: Thread, depth: number): FrameArgs | null {
  const f = s.data.frames.get(t)?.[depth];
  return f !== undefined && f.fn === t.fnStack[depth] ? f : null;
}

/** "kthreadd (unused=0x0) at kernel/kthread.ts:712": a frame as bt shows it. */
export function frameText(s: Session, t: Thread, depth: number): string {
  const fn = t.fnStack[depth] as number;
  const f = frameArgs(s, t, depth);
  const names = paramNames(s, fn);
  // An argument with no name across the run's copies (a struct on the stack) is named by its frame.
  const owner = anchorOf(t.owner as object);
  const frame = owner === null ? null : `${keyOf(owner)}#${depth}:${fn}@${t.entryStack[depth]}`;
  const args =
    f === null
      ? ""
      : f.args
          .map((a, i) => `${names[i] ?? `arg${i}`}=${pointerish(s, a, frame === null ? null : `${frame}.${i}`)}`)
          .join(", ");
  const at = location(s, fn);
  return `${functionName(fn)} (${args})${at === null ? "" : ` at ${at}`}`;
}

/** An argument as gdb shows one: numbers and strings as they are, objects as kernel pointers. */
export function pointerish(s: Session, v: unknown, where: string | null = null): string {
  if (v !== null && typeof v === "object") return `0xffff8880${pointerOf(s, v, where).toString(16).padStart(8, "0")}`;
  if (typeof v === "function") return `<${v.name || "anonymous"}>`;
  return formatValue(v, 1);
}

/**
 * The hashed address shown for `o`: the one the trace gave it, else the one the trace
 * would give it next (counting the debugger's own), without writing it into the machine:
 * looking does not change the state, so going back and forth in the run finds the same
 * one. An object keeps the address it was first shown with, in every copy of the run.
 */
function pointerOf(s: Session, o: object, where: string | null): number {
  const a = anchorOf(o);
  const key = a !== null ? keyOf(a) : o;
  let h = s.pointers.get(key) ?? (where === null ? undefined : s.pointers.get(where));
  if (h !== undefined) {
    s.pointers.set(key, h);
    return h;
  }
  const trace = (s.machine as Machine).kernel.trace;
  const inside = trace as unknown as { pointers: Map<object, number>; pointerCount: number };
  h = inside.pointers.get(o);
  if (h === undefined) {
    const count = inside.pointerCount;
    inside.pointerCount += s.shownPointers;
    try {
      h = trace.hashedPointer(o);
    } finally {
      inside.pointers.delete(o);
      inside.pointerCount = count;
    }
    s.shownPointers++;
  }
  s.pointers.set(key, h);
  if (where !== null) s.pointers.set(where, h);
  return h;
}

export function taskLabel(t: Thread): string {
  const p = t.owner as task_struct;
  return `Task ${p.pid} "${p.comm}"`;
}

/** "fn () at 0.002412 s, CPU 1": the frame a task stopped in. */
export function where(s: Session, t: Thread): string {
  const p = t.owner as task_struct;
  const m = s.machine as Machine;
  const frame = t.fnStack.length === 0 ? "?? ()" : frameText(s, t, t.fnStack.length - 1);
  return `${frame} [${seconds(m.engine.cpus[p.cpu]?.clock ?? m.now)} s, CPU ${p.cpu}]`;
}

export function backtrace(s: Session): string {
  const t = s.thread();
  const n = t.fnStack.length;
  if (n === 0) return "No stack.";
  const out: string[] = [];
  for (let d = n - 1; d >= 0; d--) out.push(`#${n - 1 - d}  ${frameText(s, t, d)}`);
  return out.join("\n");
}

/** Selects frame `n` of the selected task (0: the innermost), whose arguments print and watch then read. */
export function frame(s: Session, n: number): string {
  const t = s.thread();
  if (t.fnStack.length === 0) return "No stack.";
  if (!Number.isInteger(n)) return "Invalid frame number.";
  if (n < 0) return "Bottom (innermost) frame selected; you cannot go down.";
  if (n >= t.fnStack.length) return "Initial frame selected; you cannot go up.";
  s.frameSel = n;
  return `#${n}  ${frameText(s, t, t.fnStack.length - 1 - n)}`;
}

function tasks(s: Session): task_struct[] {
  const m = s.started();
  const out: task_struct[] = [];
  for (const pid of m.kernel.init_pid_ns.pids.values()) if (pid.task !== null) out.push(pid.task);
  out.sort((a, b) => a.pid - b.pid);
  return out;
}

/** info tasks: every task, its state, CPU and current function. */
export function infoTasks(s: Session): string {
  const lines = ["  Id    Name             State CPU Frame"];
  for (const p of tasks(s)) {
    const mark = p === s.selected ? "*" : " ";
    const fn = p.sim.fnStack.at(-1);
    const name = p.flags & PF_KTHREAD ? `[${p.comm}]` : p.comm;
    lines.push(
      `${mark} ${String(p.pid).padEnd(5)} ${name.padEnd(16)} ${task_state_to_char(p).padEnd(5)} ${String(p.cpu).padEnd(3)} ${fn === undefined ? "" : `${functionName(fn)} ()`}`,
    );
  }
  return lines.join("\n");
}

export function selectTask(s: Session, arg: string): string {
  const pid = Number(arg);
  const p = tasks(s).find((t) => t.pid === pid);
  if (p === undefined) return `Invalid task ID: ${arg}`;
  s.selected = p;
  s.frameSel = 0;
  const fn = p.sim.fnStack.at(-1);
  return `[Switching to task ${p.pid} (${p.comm})]\n#0  ${fn === undefined ? "??" : functionName(fn)} ()`;
}

/** The value of EXPR for task p: a $variable, an argument of its current frame, or a field path. */
export function resolve(s: Session, p: task_struct, expr: string): unknown {
  const m = s.machine as Machine;
  switch (expr) {
    case "$pid":
      return p.pid;
    case "$comm":
      return p.comm;
    case "$time":
      return seconds(m.now);
    case "$cpu":
      return p.cpu;
    case "$state":
      return task_state_to_char(p);
  }
  const path = expr.split(/->|\./).filter((x) => x !== "");
  let v: unknown = p;
  const head = path[0];
  const t = p.sim;
  const depth = t.fnStack.length - 1 - Math.min(s.frameSel, t.fnStack.length - 1);
  const f = depth >= 0 ? frameArgs(s, t, depth) : null;
  const arg = f === null || head === undefined ? -1 : paramNames(s, f.fn).indexOf(head);
  if (arg >= 0 && f !== null) {
    v = f.args[arg];
    path.shift();
  } else if (head === "p" || head === "current" || head === "task" || head === "$task") path.shift();
  for (const key of path) {
    if (v === null || v === undefined) throw new DebugError("Cannot access memory at address 0x0");
    if (typeof v !== "object" || !(key in (v as object))) {
      throw new DebugError(`There is no member named ${key}.`);
    }
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** EXPR printed: `*EXPR` shows the object's fields, EXPR alone a pointer for an object. */
export function evaluate(s: Session, p: task_struct, expr: string): string {
  const deref = expr.startsWith("*");
  const v = resolve(s, p, deref ? expr.slice(1) : expr);
  if (deref) {
    if (v === null || v === undefined) throw new DebugError("Cannot access memory at address 0x0");
    return formatValue(v);
  }
  return v !== null && typeof v === "object" && !isTask(v) ? pointerish(s, v) : formatValue(v);
}

export function print(s: Session, expr: string): string {
  if (expr === "") return "Argument required (expression to print).";
  s.started();
  const p = s.selected;
  if (p === null) return "No task selected.";
  return `$${++s.history} = ${evaluate(s, p, expr)}`;
}

export function list(s: Session, name: string): string {
  let fn: number | undefined;
  if (name !== "") {
    fn = findFunctionId(name);
    if (fn === undefined) return `Function "${name}" not defined.`;
  } else {
    fn = s.thread().fnStack.at(-1);
    if (fn === undefined) return "No function to list.";
  }
  const known = s.sources.get(functionName(fn));
  if (known !== undefined) {
    return [`${known.file}:`, ...known.text.map((l, i) => `${String(known.line + i).padEnd(6)}${l}`)].join("\n");
  }
  const src = functionSource(fn);
  if (src === null) return `No source for ${functionName(fn)}.`;
  return src
    .split("\n")
    .map((l, i) => `${String(i + 1).padEnd(6)}${l}`)
    .join("\n");
}
