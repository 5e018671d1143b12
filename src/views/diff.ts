/**
 * `tasklab diff`: what changed between two releases in one scenario's run. The input is the
 * trace of each run (function_graph plus events); the output says
 *
 *   1. the call paths that differ: each task's sequence of calls (function names, without
 *      times), aligned by a shortest edit script per task, a task being known by its role
 *      (its name, "<idle>/N" for CPU N's idle task, "#2" for the second task of a name), so
 *      that pids that differ between the releases do not matter;
 *   2. the events that differ: each event's text with the pids replaced by the tasks' roles,
 *      without timestamps or CPUs, in the order of the trace;
 *   3. the return values that differ: per task and function, the values it returned (kernel
 *      addresses as "ptr", a returned pid as the task's role).
 *
 * Pure functions over typed records: no Node API, no formatting of the model's objects.
 * Size: over 400 lines because the three comparisons share the alignment (a shortest edit
 * script per task) and the naming of pids by role.
 */
import type { Era } from "../linux/eras/profiles.js";
import { errname } from "../linux/include/errno.js";
import type { TraceRecord } from "../linux/include/trace/events/records.js";
import { formatEventText } from "../trace/ftrace.js";

/** One run's trace, as the diff needs it. */
export interface DiffInput {
  kernel: string;
  era: Era;
  records: readonly TraceRecord[];
  /** pid → comm (saved_cmdlines). */
  cmdlines: ReadonlyMap<number, string>;
  /** Function id → name. */
  fnName: (id: number) => string;
}

/** A line of an aligned pair: in both (" "), only in A ("-"), only in B ("+"). */
export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

export interface CallDiff {
  /** The task's role: its name, "#k" for the k-th of a name, "<idle>/N". */
  role: string;
  pidA: number | null;
  pidB: number | null;
  /** Functions this task calls only in A / only in B (sorted). */
  onlyA: string[];
  onlyB: string[];
  /** The differing stretches, with a line of context around each. */
  hunks: DiffLine[][];
}

export interface EventDiff {
  role: string;
  hunks: DiffLine[][];
}

export interface RetvalDiff {
  role: string;
  fn: string;
  a: string[];
  b: string[];
}

export interface EraDiff {
  scenario: string;
  a: string;
  b: string;
  /** Functions called somewhere only in A / only in B (sorted). */
  onlyA: string[];
  onlyB: string[];
  calls: CallDiff[];
  /** Per task, its events that differ (in the task's order). */
  events: EventDiff[];
  retvals: RetvalDiff[];
}

// ---- roles ---------------------------------------------------------------------------------

const PID_FIELDS = ["tpid", "prev_pid", "next_pid", "child_pid", "old_pid"] as const;
const COMM_OF: Readonly<Record<string, string>> = {
  tpid: "comm",
  prev_pid: "prev_comm",
  next_pid: "next_comm",
  child_pid: "child_comm",
};

/** pid → role for every task the trace mentions, in order of first mention. */
export function roles(input: DiffInput): Map<number, string> {
  const comm = new Map(input.cmdlines);
  const order: number[] = [];
  const seen = new Set<number>();
  const note = (pid: number) => {
    if (pid > 0 && !seen.has(pid)) {
      seen.add(pid);
      order.push(pid);
    }
  };
  for (const r of input.records) {
    note(r.pid);
    const rec = r as unknown as Record<string, unknown>;
    for (const f of PID_FIELDS) {
      const pid = rec[f];
      if (typeof pid !== "number") continue;
      note(pid);
      const c = rec[COMM_OF[f] ?? ""];
      if (typeof c === "string" && !comm.has(pid)) comm.set(pid, c);
    }
  }
  const count = new Map<string, number>();
  const out = new Map<number, string>();
  for (const pid of order) {
    const name = comm.get(pid) ?? "<...>";
    const k = (count.get(name) ?? 0) + 1;
    count.set(name, k);
    out.set(pid, k === 1 ? name : `${name}#${k}`);
  }
  return out;
}

function roleOf(r: TraceRecord, names: ReadonlyMap<number, string>): string {
  return r.pid === 0 ? `<idle>/${r.cpu}` : (names.get(r.pid) ?? `pid ${r.pid}`);
}

// ---- alignment -------------------------------------------------------------------------------

/** Beyond this many edits the middle of two sequences is shown as replaced wholesale. */
const MAX_EDITS = 3000;

/**
 * The shortest edit script between a and b (Myers' O(ND) algorithm, after the common prefix
 * and suffix are set aside), as ops over the two sequences.
 */
export function align(a: readonly string[], b: readonly string[]): ("=" | "-" | "+")[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const mid = myers(A, B) ?? [...A.map(() => "-" as const), ...B.map(() => "+" as const)];
  return [...new Array<"=">(pre).fill("="), ...mid, ...new Array<"=">(suf).fill("=")];
}

function myers(a: readonly string[], b: readonly string[]): ("=" | "-" | "+")[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[off + k - 1] as number) < (v[off + k + 1] as number))
          ? (v[off + k + 1] as number)
          : (v[off + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return null;
  const ops: ("=" | "-" | "+")[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (vd[off + k - 1] as number) < (vd[off + k + 1] as number));
    const pk = down ? k + 1 : k - 1;
    const px = vd[off + pk] as number;
    const py = px - pk;
    while (x > px + (down ? 0 : 1) && y > py + (down ? 1 : 0)) {
      ops.push("=");
      x--;
      y--;
    }
    ops.push(down ? "+" : "-");
    if (down) y--;
    else x--;
  }
  while (x > 0 && y > 0) {
    ops.push("=");
    x--;
    y--;
  }
  return ops.reverse();
}

/** The differing stretches of an alignment, each with `context` lines of each side around it. */
export function hunks(
  a: readonly string[],
  b: readonly string[],
  show: (side: "a" | "b", i: number) => string,
  context = 1,
): DiffLine[][] {
  const ops = align(a, b);
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  for (const op of ops) {
    if (op === "=") {
      lines.push({ op: " ", text: show("b", j++) });
      i++;
    } else if (op === "-") lines.push({ op: "-", text: show("a", i++) });
    else lines.push({ op: "+", text: show("b", j++) });
  }
  const changed: number[] = [];
  lines.forEach((l, n) => {
    if (l.op !== " ") changed.push(n);
  });
  const out: DiffLine[][] = [];
  for (let g = 0; g < changed.length; ) {
    let last = g;
    while (last + 1 < changed.length && (changed[last + 1] as number) - (changed[last] as number) <= 2 * context + 1)
      last++;
    const from = Math.max(0, (changed[g] as number) - context);
    const to = Math.min(lines.length, (changed[last] as number) + context + 1);
    out.push(lines.slice(from, to));
    g = last + 1;
  }
  return out;
}

// ---- the three parts -------------------------------------------------------------------------

interface Call {
  depth: number;
  fn: string;
}

/** Each role's calls in order (function_graph entries), and returns with a value. */
function callsByRole(input: DiffInput, names: ReadonlyMap<number, string>) {
  const calls = new Map<string, Call[]>();
  const rets = new Map<string, Map<string, string[]>>();
  const pids = new Map<string, number>();
  const created = createdTasks(input, names);
  for (const r of input.records) {
    if (r.type !== "funcgraph_entry" && r.type !== "funcgraph_exit") continue;
    const role = roleOf(r, names);
    pids.set(role, r.pid);
    if (r.type === "funcgraph_entry") {
      let l = calls.get(role);
      if (l === undefined) calls.set(role, (l = []));
      l.push({ depth: r.depth, fn: input.fnName(r.fn) });
    } else if (r.retval !== null) {
      const fn = input.fnName(r.fn);
      let byFn = rets.get(role);
      if (byFn === undefined) rets.set(role, (byFn = new Map()));
      let l = byFn.get(fn);
      if (l === undefined) byFn.set(fn, (l = []));
      l.push(normRetval(r.retval, created));
    }
  }
  return { calls, rets, pids };
}

/**
 * A return value as compared: a kernel address as "ptr", the pid of a task the run created
 * (a fork's, a wait's, a set_tid_address's result) as "pid(<role>)"; other values as they are.
 */
function normRetval(v: string, created: ReadonlyMap<number, string>): string {
  if (/^[0-9a-f]{16}$/.test(v)) return "ptr";
  const role = created.get(Number(v));
  return role === undefined ? v : `pid(${role})`;
}

/** pid → role of the tasks created during the traced run (sched_process_fork, task_newtask). */
function createdTasks(input: DiffInput, names: ReadonlyMap<number, string>): Map<number, string> {
  const out = new Map<number, string>();
  for (const r of input.records) {
    const pid = r.type === "sched_process_fork" ? r.child_pid : r.type === "task_newtask" ? r.tpid : -1;
    const role = names.get(pid);
    if (pid > 0 && role !== undefined) out.set(pid, role);
  }
  return out;
}

const PID_IN_TEXT = /\b(pid=|prev_pid=|next_pid=|child_pid=|old_pid=)(\d+)|(:)(\d+)\b/g;

/** An event's text with its pids replaced by roles, after the role of the task it happened in. */
function eventKey(r: TraceRecord, era: Era, names: ReadonlyMap<number, string>): string {
  const text = formatEventText(r, era).replace(PID_IN_TEXT, (all, p1, n1, p2, n2) => {
    const pid = Number(n1 ?? n2);
    const role = pid === 0 ? "<idle>" : names.get(pid);
    return role === undefined ? all : `${p1 ?? p2}{${role}}`;
  });
  return `${r.type}: ${text}`;
}

/** Each role's events in order (the task they happened in), as normalised text. */
function eventsByRole(input: DiffInput, names: ReadonlyMap<number, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of input.records) {
    if (r.type === "funcgraph_entry" || r.type === "funcgraph_exit" || r.type === "function") continue;
    const role = roleOf(r, names);
    let l = out.get(role);
    if (l === undefined) out.set(role, (l = []));
    l.push(eventKey(r, input.era, names));
  }
  return out;
}

function setDiff(a: Iterable<string>, b: ReadonlySet<string>): string[] {
  return [...new Set([...a].filter((x) => !b.has(x)))].sort();
}

/** The difference between run A and run B of `scenario`. */
export function diffRuns(scenario: string, A: DiffInput, B: DiffInput): EraDiff {
  const namesA = roles(A);
  const namesB = roles(B);
  const ca = callsByRole(A, namesA);
  const cb = callsByRole(B, namesB);
  const calls: CallDiff[] = [];
  const allA = new Set<string>();
  const allB = new Set<string>();
  const roleList = [...new Set([...ca.calls.keys(), ...cb.calls.keys()])];
  for (const role of roleList) {
    const la = ca.calls.get(role) ?? [];
    const lb = cb.calls.get(role) ?? [];
    for (const c of la) allA.add(c.fn);
    for (const c of lb) allB.add(c.fn);
    const fa = la.map((c) => c.fn);
    const fb = lb.map((c) => c.fn);
    const show = (side: "a" | "b", i: number) => {
      const c = (side === "a" ? la : lb)[i] as Call;
      return `${"  ".repeat(c.depth)}${c.fn}`;
    };
    const h = hunks(fa, fb, show);
    if (h.length === 0) continue;
    const sa = new Set(fa);
    const sb = new Set(fb);
    calls.push({
      role,
      pidA: ca.pids.get(role) ?? null,
      pidB: cb.pids.get(role) ?? null,
      onlyA: setDiff(sa, sb),
      onlyB: setDiff(sb, sa),
      hunks: h,
    });
  }
  const ea = eventsByRole(A, namesA);
  const eb = eventsByRole(B, namesB);
  const events: EventDiff[] = [];
  for (const role of new Set([...ea.keys(), ...eb.keys()])) {
    const la = ea.get(role) ?? [];
    const lb = eb.get(role) ?? [];
    const h = hunks(la, lb, (side, i) => (side === "a" ? la : lb)[i] as string);
    if (h.length > 0) events.push({ role, hunks: h });
  }
  const retvals: RetvalDiff[] = [];
  for (const role of new Set([...ca.rets.keys(), ...cb.rets.keys()])) {
    const ra = ca.rets.get(role) ?? new Map<string, string[]>();
    const rb = cb.rets.get(role) ?? new Map<string, string[]>();
    for (const fn of [...new Set([...ra.keys(), ...rb.keys()])].sort()) {
      const a = ra.get(fn);
      const b = rb.get(fn);
      if (a === undefined || b === undefined) continue; // a function of one side: see calls
      if (a.length === b.length && a.every((x, i) => x === b[i])) continue;
      retvals.push({ role, fn, a, b });
    }
  }
  return {
    scenario,
    a: A.kernel,
    b: B.kernel,
    onlyA: setDiff(allA, allB),
    onlyB: setDiff(allB, allA),
    calls,
    events,
    retvals,
  };
}

/** Whether the two runs showed no difference at all. */
export function isEmptyDiff(d: EraDiff): boolean {
  return d.calls.length === 0 && d.events.length === 0 && d.retvals.length === 0;
}

function formatHunks(hs: readonly DiffLine[][], out: string[]): void {
  for (const h of hs) {
    out.push("@@");
    for (const l of h) out.push(`${l.op}${l.text}`);
  }
}

const MAX_VALUES = 8;

/** A value as shown: a negative errno with its name ("-12 (-ENOMEM)"). */
function shownValue(v: string): string {
  const n = Number(v);
  if (!Number.isInteger(n) || n >= 0 || n < -4095) return v;
  const name = errname(n);
  return name === v ? v : `${v} (${name})`;
}

function values(v: readonly string[]): string {
  const shown = v.slice(0, MAX_VALUES).map(shownValue).join(", ");
  return v.length > MAX_VALUES ? `[${shown}, … ${v.length} in all]` : `[${shown}]`;
}

/** The diff as text, unified: "-" lines are Linux A's, "+" lines Linux B's. */
export function formatDiff(d: EraDiff): string {
  const out = [`--- Linux ${d.a} (A)`, `+++ Linux ${d.b} (B)`, `# scenario ${d.scenario}`];
  if (isEmptyDiff(d)) {
    out.push("# no difference: same calls, events and return values");
    return `${out.join("\n")}\n`;
  }
  out.push("", `== call paths (function_graph, per task; ${d.calls.length} task(s) differ)`);
  if (d.calls.length === 0) out.push("# none differ");
  if (d.onlyA.length > 0) out.push(`# functions only in ${d.a}: ${d.onlyA.join(" ")}`);
  if (d.onlyB.length > 0) out.push(`# functions only in ${d.b}: ${d.onlyB.join(" ")}`);
  for (const c of d.calls) {
    out.push("", `=== ${c.role} (pid ${c.pidA ?? "-"} in ${d.a}, ${c.pidB ?? "-"} in ${d.b})`);
    if (c.onlyA.length > 0) out.push(`# only in ${d.a}: ${c.onlyA.join(" ")}`);
    if (c.onlyB.length > 0) out.push(`# only in ${d.b}: ${c.onlyB.join(" ")}`);
    formatHunks(c.hunks, out);
  }
  out.push("", "== events (per task; pids as the tasks' names, no timestamps)");
  if (d.events.length === 0) out.push("# none differ");
  for (const e of d.events) {
    out.push("", `=== ${e.role}`);
    formatHunks(e.hunks, out);
  }
  out.push("", "== return values (per task and function)");
  if (d.retvals.length === 0) out.push("# none differ");
  for (const r of d.retvals) out.push(`${r.role} ${r.fn}()`, `-${values(r.a)}`, `+${values(r.b)}`);
  return `${out.join("\n")}\n`;
}
