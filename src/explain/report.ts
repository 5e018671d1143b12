/**
 * `tasklab explain`'s report: what the trace is, the task tree with how each task was
 * created (kind, creator, time, CPU, clone flags by name) and what became of it, each
 * kthread creation step by step with the model's function names and the time each step
 * took, kthread stops, vfork waits, and the departures from the release's protocol. And
 * the same as JSON.
 */
import { formatTimestamp } from "../trace/ftrace.js";
import { allDepartures, type Explanation, flagNames } from "./explain.js";
import type { Protocol } from "./protocol.js";
import type { At, Task } from "./reconstruct.js";

/** A duration: ns, µs, ms or s. */
export function formatDuration(ns: number): string {
  if (ns < 1000) return `${ns} ns`;
  if (ns < 1e6) return `${Math.round(ns / 100) / 10} µs`;
  if (ns < 1e9) return `${Math.round(ns / 1e4) / 100} ms`;
  return `${Math.round(ns / 1e6) / 1000} s`;
}

const when = (at: At | null): string =>
  at === null ? "?" : at.ts === null ? `line ${at.line}` : formatTimestamp(at.ts).trim();
const label = (t: Task | undefined | null, pid?: number | null): string =>
  t != null ? `${t.comm || "?"}(${t.pid})` : pid == null ? "?" : `pid ${pid}`;

const KIND_WORDS: Readonly<Record<string, string>> = {
  kthread: "kthread",
  kernel_thread: "kernel_thread",
  init: "init (user_mode_thread)",
  usermode_helper: "usermode helper (user_mode_thread)",
  fork: "fork",
  vfork: "vfork",
  thread: "thread",
  io_worker: "io/user worker",
};

/** One task's line in the tree: how it was created and what became of it. */
function describe(x: Explanation, t: Task, creatorOf: Map<Task, Task | null>): string {
  const r = x.read.recon;
  const c = t.creation;
  const parts: string[] = [];
  if (c === null) parts.push("(before the trace)");
  else {
    const requester = creatorOf.get(t);
    const who = c.kind === "kthread" && requester != null ? ` for ${label(requester)}` : "";
    parts.push(`${KIND_WORDS[c.kind]}${who} at ${when(c)} on CPU ${c.cpu}`);
    const flags = flagNames(t, x.era);
    if (flags !== null) parts.push(`clone_flags=${(c.clone_flags as number).toString(16)} ${flags.join("|") || "0"}`);
    if (c.wakeup_new !== null && c.wakeup_new.target_cpu !== c.cpu)
      parts.push(`woken onto CPU ${c.wakeup_new.target_cpu}`);
    if (t.firstRun?.ts != null && c.ts !== null) parts.push(`first ran after ${formatDuration(t.firstRun.ts - c.ts)}`);
  }
  for (const e of t.execs) parts.push(`exec ${e.filename} at ${when(e)}`);
  if (t.stop !== null) parts.push(`kthread_stop by ${label(r.get(t.stop.by), t.stop.by)} at ${when(t.stop)}`);
  if (t.exit !== null) parts.push(`exit at ${when(t.exit)}${t.reaped === null ? " (zombie at the end)" : ""}`);
  return parts.join(", ");
}

/** The creation tree: each created task under the task that forked it (kthreads under kthreadd). */
function tree(x: Explanation): string[] {
  const r = x.read.recon;
  const created = r.tasks.filter((t) => t.creation !== null);
  const creatorOf = new Map<Task, Task | null>(x.protocols.map((p) => [p.child, p.creator]));
  const children = new Map<Task, Task[]>();
  const parentOf = (t: Task) => r.creatorOf(t);
  for (const t of created) {
    const p = parentOf(t);
    if (p !== undefined) children.set(p, [...(children.get(p) ?? []), t]);
  }
  const roots = r.tasks.filter((t) => children.has(t) && (t.creation === null || parentOf(t) === undefined));
  const out: string[] = [];
  const draw = (t: Task, lead: string, last: boolean, top: boolean) => {
    const head = top ? "" : `${lead}${last ? "└─▶ " : "├─▶ "}`;
    out.push(`${head}${label(t)}  ${describe(x, t, creatorOf)}`);
    const kids = children.get(t) ?? [];
    const next = top ? "" : `${lead}${last ? "    " : "│   "}`;
    kids.forEach((k, i) => {
      draw(k, next, i === kids.length - 1, false);
    });
  };
  for (const root of roots) draw(root, "", true, true);
  return out;
}

function protocolLines(x: Explanation, p: Protocol): string[] {
  const r = x.read.recon;
  const head = `${label(p.child)} for ${label(p.creator)}${p.total === null ? "" : `: ${formatDuration(p.total)} from the first step to the last`}`;
  const rows = p.steps.map((s) => {
    const took = s.took === null ? "" : `+${formatDuration(s.took)}`;
    const where = s.at === null ? "not in the trace" : `${when(s.at)} CPU ${s.at.cpu}`;
    const who = label(s.pid === null ? null : r.get(s.pid), s.pid);
    return `    ${took.padStart(12)}  ${where.padEnd(20)}  ${who.padEnd(24)}  ${s.what.padEnd(48)}  ${s.fn}`;
  });
  const notes = [
    ...p.outside.map((o) => `    outside the trace: ${o}`),
    ...p.departures.map((d) => `    DEPARTURE: ${d}`),
  ];
  return [`  ${head}`, ...rows, ...notes];
}

/** The readable report. */
export function formatReport(x: Explanation, file: string): string {
  const rd = x.read;
  const r = rd.recon;
  const span =
    r.first !== null && r.last !== null
      ? `, ${when({ ts: r.first, cpu: 0, line: 0 })} to ${when({ ts: r.last, cpu: 0, line: 0 })} (${formatDuration(r.last - r.first)})`
      : "";
  const layout = rd.layout === "ftrace" ? "ftrace text" : rd.layout === null ? "an empty trace" : `${rd.layout} output`;
  const out = [
    `${file}: ${layout}${rd.tracer === null ? "" : ` (${rd.tracer} tracer)`}, ${rd.lines} lines, ${r.events} events on ${rd.cpus} CPUs${span}`,
    `kernel: read as ${x.era.name} (kthread era E${x.era.kthread})${x.detected ? ", the modeled release that fits the trace best (--kernel to choose)" : ""}`,
  ];
  for (const c of x.formatConflicts) out.push(`  the trace's format differs from ${x.era.name}: ${c}`);
  for (const m of rd.markers)
    out.push(
      m.kind === "lost"
        ? `line ${m.line}: CPU ${m.cpu} lost ${m.count} events`
        : `line ${m.line}: CPU ${m.cpu}'s buffer starts here (older events were overwritten)`,
    );
  if (rd.skipped.count > 0 && rd.skipped.first !== null)
    out.push(
      `${rd.skipped.count} lines not understood, the first at line ${rd.skipped.first.line}: ${rd.skipped.first.text.trim().slice(0, 80)}`,
    );

  const created = r.tasks.filter((t) => t.creation !== null);
  const kinds = new Map<string, number>();
  for (const t of created)
    kinds.set(
      KIND_WORDS[t.creation?.kind ?? "fork"] as string,
      (kinds.get(KIND_WORDS[t.creation?.kind ?? "fork"] as string) ?? 0) + 1,
    );
  out.push(
    "",
    `Task creations: ${created.length}${created.length === 0 ? "" : ` (${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")})`}`,
  );
  out.push(...tree(x));

  if (x.protocols.length > 0) {
    out.push("", `kthread creations, step by step (the protocol of ${x.era.name}):`);
    for (const p of x.protocols) out.push(...protocolLines(x, p));
  }
  const stops = r.tasks.filter((t) => t.stop !== null);
  if (stops.length > 0) {
    out.push("", "kthread stops:");
    for (const t of stops) {
      const s = t.stop as NonNullable<Task["stop"]>;
      const exited = t.exit?.ts != null && s.ts !== null ? `, it exited ${formatDuration(t.exit.ts - s.ts)} later` : "";
      const ret =
        s.ret === null
          ? ""
          : `, kthread_stop returned ${s.ret}${s.retAt?.ts != null && s.ts !== null ? ` after ${formatDuration(s.retAt.ts - s.ts)}` : ""}`;
      out.push(`  ${label(t)} stopped by ${label(r.get(s.by), s.by)} at ${when(s)}${exited}${ret}`);
    }
  }
  if (x.vforks.length > 0) {
    out.push("", "vfork: the parent waits (D) until the child's exec or exit:");
    for (const v of x.vforks)
      out.push(
        `  ${label(v.parent)} for ${label(v.child)}: ${v.waited === null ? "not released in the trace" : `released after ${formatDuration(v.waited)} at ${when(v.released)}`}`,
      );
  }
  const deps = allDepartures(x);
  out.push(
    "",
    deps.length === 0 ? `Departures from ${x.era.name}'s protocol: none` : `Departures from ${x.era.name}'s protocol:`,
  );
  for (const d of deps) out.push(`  ${d}`);
  return `${out.join("\n")}\n`;
}

/** The same, as one JSON object. */
export function formatReportJson(x: Explanation, file: string): string {
  const rd = x.read;
  const r = rd.recon;
  const task = (t: Task) => ({
    pid: t.pid,
    comm: t.comm,
    names: t.names,
    tgid: t.tgid,
    ppid: t.ppid,
    creation:
      t.creation === null
        ? null
        : { ...t.creation, clone_flags: t.creation.clone_flags?.toString(16) ?? null, flags: flagNames(t, x.era) },
    firstRun: t.firstRun,
    execs: t.execs,
    renames: t.renames,
    exit: t.exit,
    reaped: t.reaped,
    freed: t.freed,
    stop: t.stop,
  });
  const json = {
    file,
    format: {
      layout: rd.layout,
      tracer: rd.tracer,
      cpus: rd.cpus,
      lines: rd.lines,
      events: r.events,
      first: r.first,
      last: r.last,
    },
    kernel: { release: x.era.name, kthread_era: x.era.kthread, detected: x.detected, conflicts: x.formatConflicts },
    markers: rd.markers,
    skipped: rd.skipped,
    tasks: r.tasks.filter((t) => t.pid !== 0).map(task),
    kthreads: x.protocols.map((p) => ({
      pid: p.child.pid,
      comm: p.child.comm,
      creator: p.creator?.pid ?? null,
      total: p.total,
      steps: p.steps,
      outside: p.outside,
      departures: p.departures,
    })),
    vforks: x.vforks.map((v) => ({
      pid: v.child.pid,
      parent: v.parent.pid,
      released: v.released,
      waited: v.waited,
      departures: v.departures,
    })),
    departures: allDepartures(x),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
