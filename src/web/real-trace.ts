/**
 * A trace captured on a real kernel, opened in the visualizer (read-only): read in the page
 * with explain/'s reader and shown through the same panes as a run — a `Snapshot` at the
 * trace's end whose tasks are the tasks the trace shows, whose timeline lanes come from
 * its sched_switch events and whose trace pane holds its event lines — with
 * `tasklab explain`'s report beside it. Throws TraceFormatError for a file that is not
 * ftrace text.
 */
import { explain } from "../explain/explain.js";
import type { Fields } from "../explain/fields.js";
import type { TraceLine } from "../explain/parse.js";
import { TraceReader } from "../explain/read.js";
import type { Task } from "../explain/reconstruct.js";
import { formatReport } from "../explain/report.js";
import { TimelineBuilder } from "./snapshot.js";
import type { Snapshot, TaskView } from "./types.js";

export interface RealTrace {
  snap: Snapshot;
  /** `tasklab explain`'s report. */
  report: string;
}

/** The events drawn as markers on the timeline. */
const MARKED = new Set([
  "task_newtask",
  "sched_process_fork",
  "sched_wakeup_new",
  "task_rename",
  "sched_process_exec",
  "sched_process_exit",
  "sched_process_wait",
  "sched_kthread_stop",
]);

export function openRealTrace(text: string, name: string): RealTrace {
  const reader = new TraceReader();
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  // The timeline's slices end at the trace's last time: known once read, so read it first.
  const read: { item: TraceLine; fields: Fields | null }[] = [];
  for (const raw of lines) {
    const got = reader.line(raw);
    if (got !== null && got.item.kind === "event" && got.item.ts !== null)
      read.push({ item: got.item, fields: got.fields });
  }
  const x = explain(reader.finish());
  const r = x.read.recon;
  const end = r.last ?? 0;
  const b = new TimelineBuilder(end);
  for (const { item, fields: f } of read) {
    const time = item.ts as number;
    const line = b.views.trace.length;
    b.line(lines[item.line - 1] as string, time);
    if (f === null) continue;
    if (item.event === "sched_switch") b.switchTo(item.cpu, time, f.next_pid as number, f.next_comm as string);
    else if (item.event === "sched_wakeup" || item.event === "sched_wakeup_new")
      b.woke(f.pid as number, item.cpu, time);
    else if (item.event === "sched_process_fork")
      b.forked(f.child_pid as number, f.child_comm as string, item.cpu, time);
    if (MARKED.has(item.event)) b.views.markers.push({ cpu: item.cpu, time, event: item.event, line });
  }
  const { trace, traceTimes, slices, markers, wakeups, creations } = b.views;
  const lastOn = new Map(slices.map((sl) => [sl.cpu, sl]));
  const report = formatReport(x, name);
  const snap: Snapshot = {
    spec: { scenario: name, cpus: Math.max(1, x.read.cpus), seed: 0, era: x.era.name },
    position: { step: 0, time: end },
    done: true,
    start: 0,
    end: 0,
    tasks: r.tasks.filter((t) => t.pid !== 0 && t.reaped === null).map((t) => taskView(t, r.switches, x.era.name)),
    requests: [],
    completions: [],
    // What each CPU ran last (the timeline has a lane per run queue); nothing is queued that a trace shows.
    runqueues: Array.from({ length: Math.max(1, x.read.cpus) }, (_, cpu) => {
      const last = lastOn.get(cpu);
      return { cpu, online: true, curr: last === undefined ? "?" : `${last.comm}/${last.pid}`, queued: [] };
    }),
    slab: [],
    trace,
    traceTimes,
    slices: slices.filter((s) => s.pid !== 0),
    markers,
    wakeups,
    creations,
    reports: [],
    console: [],
  };
  return { snap, report };
}

/** What the trace says of a task at its end: its state from its last switch, how it came to be. */
function taskView(
  t: Task,
  switches: readonly { prev: number; next: number; prev_state: string; cpu: number }[],
  era: string,
): TaskView {
  let state = "?";
  let cpu = 0;
  let running = false;
  for (let i = switches.length - 1; i >= 0; i--) {
    const s = switches[i] as (typeof switches)[number];
    if (s.next === t.pid || s.prev === t.pid) {
      running = s.next === t.pid;
      state = running ? "R" : (s.prev_state[0] as string);
      cpu = s.cpu;
      break;
    }
  }
  if (t.exit !== null) state = "Z";
  const c = t.creation;
  const fields: [string, string][] = [
    ["names", t.names.join(" → ")],
    ["created", c === null ? "before the trace" : `${c.kind} by pid ${c.parent} on CPU ${c.cpu}`],
  ];
  if (c?.clone_flags != null) fields.push(["clone_flags", c.clone_flags.toString(16)]);
  for (const e of t.execs) fields.push(["exec", e.filename]);
  if (t.exit !== null) fields.push(["exit", `line ${t.exit.line}`]);
  fields.push(["release", era]);
  return {
    pid: t.pid,
    tgid: t.tgid,
    ppid: t.ppid ?? 0,
    comm: t.comm,
    name: t.comm, // a trace carries comm only (at most 15 characters)
    state,
    kthread: c?.kind === "kthread" || t.ppid === 2 || t.pid === 2,
    cpu,
    running,
    stack: [],
    fields,
  };
}
