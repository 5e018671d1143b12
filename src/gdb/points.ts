/**
 * The debugger's breakpoints and watchpoints: break/tbreak (with `if COND`), watch and
 * watch -l, delete, info breakpoints, and the checks the run's hooks make: does a
 * breakpoint's condition hold, has a watched value changed (live, or in a reverse
 * search's replay).
 */
import type { task_struct } from "../linux/include/task_struct.js";
import type { Machine } from "../machine.js";
import type { Thread } from "../sim/engine.js";
import { findFunctionId, functionName } from "../sim/functions.js";
import { type Anchor, anchorOf, isTask, locate } from "./anchor.js";
import { evaluate, formatValue, location, pointerish, resolve } from "./inspect.js";
import type { Recorder } from "./reverse.js";
import { type Breakpoint, type Condition, DebugError, type Session, type Watchpoint } from "./session.js";

/** break FN [if COND], tbreak FN [if COND]. */
export function breakAt(s: Session, spec: string, temporary: boolean): string {
  const [name = "", condText] = spec.split(/\s+if\s+/, 2);
  if (name === "") return "Argument required (function name).";
  const fn = findFunctionId(name);
  if (fn === undefined) return `Function "${name}" not defined.`;
  let cond: Condition | null = null;
  if (condText !== undefined) {
    const m = /^(.+?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(condText.trim());
    if (m === null) return `Bad condition "${condText}": use EXPR OP VALUE (OP one of == != < <= > >=).`;
    const raw = (m[3] as string).trim();
    const rhs = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw === "0x0" || raw === "NULL" ? null : Number(raw);
    if (typeof rhs === "number" && Number.isNaN(rhs)) return `Bad value "${raw}": a number, "a string" or NULL.`;
    cond = { text: condText.trim(), lhs: (m[1] as string).trim(), op: m[2] as Condition["op"], rhs };
  }
  const bp: Breakpoint = { num: s.nextNum++, fn, cond, temporary, hits: 0, ignore: 0 };
  s.breakpoints.push(bp);
  const at = location(s, fn);
  return `${temporary ? "Temporary breakpoint" : "Breakpoint"} ${bp.num} at ${name}${at === null ? "" : `: file ${at.replace(/:(\d+)$/, ", line $1")}`}.`;
}

/** delete [N...]: breakpoints and watchpoints (all without N). */
export function deletePoints(s: Session, nums: string[]): string {
  if (nums.length === 0) {
    s.breakpoints.length = 0;
    s.watchpoints.length = 0;
    return "";
  }
  for (const n of nums) {
    const num = Number(n);
    const i = s.breakpoints.findIndex((b) => b.num === num);
    const j = s.watchpoints.findIndex((w) => w.num === num);
    if (i >= 0) s.breakpoints.splice(i, 1);
    else if (j >= 0) s.watchpoints.splice(j, 1);
    else return `No breakpoint number ${n}.`;
  }
  return "";
}

/** watch EXPR, watch -l EXPR. */
export function watch(s: Session, arg: string): string {
  const loc = /^(-l|-location)(\s+|$)/.exec(arg);
  const expr = loc === null ? arg : arg.slice(loc[0].length).trim();
  if (expr === "") return "Argument required (expression to watch).";
  s.started();
  const p = s.selected;
  if (p === null) return "No task selected.";
  const num = s.nextNum;
  let wp: Watchpoint;
  if (loc === null) {
    evaluate(s, p, expr); // says now what is wrong with it
    wp = { num, expr, anchor: anchorOf(p) as Anchor, path: null, pid: p.pid, old: null, hits: 0 };
  } else {
    // The object the expression reaches last that has a name across the run, and the members from it.
    const path = expr.split(/->|\./).filter((x) => x !== "");
    const key = path.pop();
    if (key === undefined) return `Cannot watch "${expr}": name a member (create->done).`;
    let base: unknown = resolve(s, p, path.join("->"));
    const rest = [key];
    while (typeof base !== "object" || base === null || anchorOf(base) === null) {
      const k = path.pop();
      if (k === undefined) return `Cannot watch -location ${expr}: no task or slab object on the way to it.`;
      rest.unshift(k);
      base = path.length === 0 ? p : resolve(s, p, path.join("->"));
    }
    wp = { num, expr, anchor: anchorOf(base) as Anchor, path: rest, pid: p.pid, old: null, hits: 0 };
  }
  s.nextNum++;
  wp.old = watchValue(s, wp);
  s.watchpoints.push(wp);
  return `Hardware watchpoint ${wp.num}: ${loc === null ? expr : `-location ${expr}`}${loc === null ? ` (task ${p.pid})` : ""}`;
}

/** info breakpoints (and info watchpoints: gdb lists both). */
export function infoBreakpoints(s: Session): string {
  if (s.breakpoints.length + s.watchpoints.length === 0) return "No breakpoints or watchpoints.";
  const rows = [
    ...s.breakpoints.map((b) => ({
      num: b.num,
      line: `${b.temporary ? "del " : "keep"} y   ${functionName(b.fn)}`,
      type: "breakpoint",
      hits: b.hits,
    })),
    ...s.watchpoints.map((w) => ({
      num: w.num,
      line: `keep y   ${w.path === null ? `${w.expr} (task ${w.pid})` : `-location ${w.expr}`}`,
      type: "hw watchpoint",
      hits: w.hits,
    })),
  ].sort((a, b) => a.num - b.num);
  return [
    "Num     Type           Disp Enb What",
    ...rows.flatMap((r) => [
      `${String(r.num).padEnd(7)} ${r.type.padEnd(14)} ${r.line}`,
      ...(r.hits > 0 ? [`\tbreakpoint already hit ${r.hits} time${r.hits === 1 ? "" : "s"}`] : []),
    ]),
  ].join("\n");
}

/** Whether a breakpoint's condition holds in t's new frame (false when it cannot be read). */
export function holds(s: Session, t: Thread, c: Condition): boolean {
  let v: unknown;
  try {
    v = resolve(s, t.owner as task_struct, c.lhs);
  } catch {
    return false;
  }
  const a = v === undefined ? null : v;
  const b = c.rhs;
  switch (c.op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    default: {
      if (typeof a !== "number" || typeof b !== "number") return false;
      return c.op === "<" ? a < b : c.op === "<=" ? a <= b : c.op === ">" ? a > b : a >= b;
    }
  }
}

/** Stops the run at the first watchpoint whose value changed. */
export function checkWatch(s: Session, t: Thread): void {
  for (const wp of s.watchpoints) {
    const now = watchValue(s, wp);
    if (Object.is(now, wp.old)) continue;
    // The path went through a pointer that is gone (a freed mm, say): as gdb does when a
    // watched expression leaves its scope, the watchpoint is deleted and the run stops.
    if (now instanceof Unreadable && wp.path === null) s.watchpoints.splice(s.watchpoints.indexOf(wp), 1);
    const old = show(s, wp.old);
    wp.old = now;
    wp.hits++;
    s.halt({ kind: "watch", wp, old, now: show(s, now), t });
    return;
  }
}

/**
 * A reverse search's watchpoint check at position `pos` (null: in an interrupt, left to
 * the next position): a change goes back to the last position checked before this one.
 */
export function scanWatch(s: Session, t: Thread, pos: number | null): void {
  const r = s.recorder as Recorder;
  if (pos === null || s.watchpoints.length === 0) return;
  const before = r.checked(pos);
  for (const wp of s.watchpoints) {
    const now = watchValue(s, wp);
    if (Object.is(now, wp.old)) continue;
    r.event({ what: "watch", num: wp.num, task: anchorOf(t.owner as object), later: show(s, now) }, before);
    wp.old = now;
  }
}

/** A watchpoint's value now: a member's value, or an Unreadable. */
export function watchValue(s: Session, wp: Watchpoint): unknown {
  const o = locate(s.machine as Machine, wp.anchor);
  if (o === null) return unreadable("not allocated yet");
  if (wp.path === null) {
    try {
      const expr = wp.expr;
      return expr.startsWith("*") ? evaluate(s, o as task_struct, expr) : resolve(s, o as task_struct, expr);
    } catch (e) {
      if (e instanceof DebugError) return unreadable(e.message);
      throw e;
    }
  }
  return readPath(o, wp.path);
}

/** A watched value as print shows it. */
export function show(s: Session, v: unknown): string {
  if (v instanceof Unreadable) return `<${v.why}>`;
  return v !== null && typeof v === "object" && !isTask(v) ? pointerish(s, v) : formatValue(v);
}

/** A watchpoint's expression as gdb shows it. */
export function watchText(wp: Watchpoint): string {
  return wp.path === null ? wp.expr : `-location ${wp.expr}`;
}

/** A watched value that cannot be read (the message says why): one object per message, so equal reads are the same. */
class Unreadable {
  constructor(readonly why: string) {}
}

const unreadables = new Map<string, Unreadable>();

function unreadable(why: string): Unreadable {
  let u = unreadables.get(why);
  if (u === undefined) unreadables.set(why, (u = new Unreadable(why)));
  return u;
}

/** `o`'s member at `path` (as print reads it), or an Unreadable. */
function readPath(o: object, path: readonly string[]): unknown {
  let v: unknown = o;
  for (const key of path) {
    if (v === null || v === undefined) return unreadable("Cannot access memory at address 0x0");
    if (typeof v !== "object" || !(key in (v as object))) return unreadable(`There is no member named ${key}.`);
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
