/**
 * The visualizer's view models: what each pane shows of a machine at one moment, as plain
 * data (types.ts). Pure reads of the machine; nothing here changes it.
 */

import type { SourceIndex } from "../gdb/session.js";
import type { Era } from "../linux/eras/profiles.js";
import { IS_ERR } from "../linux/include/err.js";
import { PF_KTHREAD, task_state_to_char } from "../linux/include/sched.js";
import type { completion, task_struct } from "../linux/include/task_struct.js";
import type { TraceRecord } from "../linux/include/trace/events/records.js";
import type { kthread_create_info } from "../linux/kernel/kthread.js";
import { list_empty } from "../linux/lib/list.js";
import type { Machine } from "../machine.js";
import { formatReport } from "../run.js";
import { waits_on } from "../scenarios/detectors.js";
import { functionName } from "../sim/functions.js";
import { formatLine } from "../trace/ftrace.js";
import { psRow } from "../views/ps.js";
import type {
  CompletionView,
  CreateArrow,
  Marker,
  RequestView,
  RunQueueView,
  SlabObjectView,
  Slice,
  SourceView,
  TaskView,
  WakeArrow,
} from "./types.js";

const who = (p: task_struct | null | undefined): string => (p ? `${p.comm}/${p.pid}` : "?");
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** Every thread of every process, parents before children (the task list's order). */
export function allThreads(m: Machine): task_struct[] {
  const out: task_struct[] = [];
  for (const g of m.tasks()) for (const t of g.signal.thread_head) out.push(t);
  return out;
}

function taskView(m: Machine, p: task_struct): TaskView {
  const rq = m.kernel.runqueues[p.cpu];
  const row = psRow(p);
  return {
    pid: p.pid,
    tgid: p.tgid,
    ppid: row.ppid,
    comm: row.comm,
    name: row.name,
    state: task_state_to_char(p),
    kthread: (p.flags & PF_KTHREAD) !== 0,
    cpu: p.cpu,
    running: rq?.curr === p,
    stack: p.sim?.backtrace() ?? [],
    fields: [
      ["comm", p.comm],
      ["pid", String(p.pid)],
      ["tgid", String(p.tgid)],
      ["__state", hex(p.__state)],
      ["flags", hex(p.flags)],
      ["prio", String(p.prio)],
      ["static_prio", String(p.static_prio)],
      ["policy", String(p.policy)],
      ["on_rq", String(p.on_rq)],
      ["on_cpu", String(p.on_cpu)],
      ["cpu", String(p.cpu)],
      ["nr_cpus_allowed", String(p.nr_cpus_allowed)],
      ["se.vruntime", String(Math.round(p.se.vruntime))],
      ["se.sum_exec_runtime", String(Math.round(p.se.sum_exec_runtime))],
      ["nvcsw", String(p.nvcsw)],
      ["nivcsw", String(p.nivcsw)],
      ["real_parent", who(p.real_parent)],
      ["mm", p.mm === null ? "NULL" : "set"],
      ["exit_state", String(p.exit_state)],
      ["exit_code", String(p.exit_code)],
      ["usage", String(p.usage)],
    ],
  };
}

export function taskViews(m: Machine): TaskView[] {
  return allThreads(m).map((p) => taskView(m, p));
}

/**
 * Every kthread creation request alive (queued or being created): its `done` token and who
 * owns it by the protocol's rules (spec §2.2).
 */
export function requestViews(m: Machine): RequestView[] {
  const out: RequestView[] = [];
  for (const rec of m.kernel.slab.live.values()) {
    if (rec.type !== "kthread_create_info" || rec.object === null) continue;
    const c = rec.object as kthread_create_info;
    const queued = !list_empty(c.list);
    const creator = rec.allocTask;
    const result = c.result;
    let owner: string;
    if (c.done !== null) owner = queued ? `${creator} (queued for kthreadd)` : `kthreadd (forking it for ${creator})`;
    else if (result !== null && !IS_ERR(result)) owner = `${creator} (${who(result as task_struct)} handed it back)`;
    else if (result !== null) owner = `${creator} (kthreadd handed back the error)`;
    else owner = "kthreadd or the new thread (the creator gave up)";
    out.push({
      name: c.full_name?.s ?? "(named after creation)",
      done: c.done === null ? "null" : "set",
      owner,
      queued,
    });
  }
  return out;
}

/** The completions tasks wait on, with what they are and who waits. */
export function completionViews(m: Machine): CompletionView[] {
  const k = m.kernel;
  const seen = new Map<completion, CompletionView>();
  for (const t of allThreads(m)) {
    const b = t.blocker;
    if (b === null || !("done" in b)) continue;
    let v = seen.get(b);
    if (v === undefined) {
      v = { what: waits_on(k, t)[0], done: b.done, waiters: [] };
      seen.set(b, v);
    }
    v.waiters.push(who(t));
  }
  return [...seen.values()];
}

export function runQueueViews(m: Machine): RunQueueView[] {
  const k = m.kernel;
  return k.runqueues.map((rq) => ({
    cpu: rq.cpu,
    online: k.cpu_online_mask.test(rq.cpu),
    curr: who(rq.curr),
    queued: rq.cfs.queue.map(who),
  }));
}

export function slabViews(m: Machine): SlabObjectView[] {
  const out: SlabObjectView[] = [];
  for (const rec of m.kernel.slab.live.values()) {
    const top = rec.allocStack[rec.allocStack.length - 1];
    out.push({
      id: rec.id,
      cache: rec.cache,
      type: rec.type,
      size: rec.size,
      site: top === undefined ? "?" : functionName(top),
      task: rec.allocTask,
    });
  }
  return out;
}

export interface TraceViews {
  trace: string[];
  traceTimes: number[];
  slices: Slice[];
  markers: Marker[];
  wakeups: WakeArrow[];
  creations: CreateArrow[];
}

/**
 * The trace as lines, and what the timeline draws from it: who ran where (from
 * sched_switch), the other events as markers, an arrow from each wakeup to the woken
 * task's next switch-in and one from each fork to the child's first switch-in. `now` ends the slices still running; `era` is the release whose
 * formats the lines take (the machine's, TraceBuffer.era; 6.19 when not given).
 */
export function traceViews(
  records: readonly TraceRecord[],
  cmdlines: ReadonlyMap<number, string>,
  now: number,
  era?: Era,
): TraceViews {
  const b = new TimelineBuilder(now);
  records.forEach((r, line) => {
    b.line(formatLine(r, cmdlines, era), r.ts);
    if (r.type === "sched_switch") b.switchTo(r.cpu, r.ts, r.next_pid, r.next_comm);
    else {
      b.views.markers.push({ cpu: r.cpu, time: r.ts, event: r.type, line });
      if (r.type === "sched_wakeup" || r.type === "sched_wakeup_new") b.woke(r.tpid, r.cpu, r.ts);
      else if (r.type === "sched_process_fork") b.forked(r.child_pid, r.child_comm, r.cpu, r.ts);
    }
  });
  return b.views;
}

/**
 * Builds the trace views line by line: the lines and their times, a slice per switch-in
 * (ending at the CPU's next switch, or `now`), an arrow from each wakeup to the woken
 * task's next switch-in and one from each fork to the child's first switch-in. The caller
 * adds the markers it wants.
 */
export class TimelineBuilder {
  readonly views: TraceViews = { trace: [], traceTimes: [], slices: [], markers: [], wakeups: [], creations: [] };
  private running = new Map<number, Slice>();
  private woken = new Map<number, { cpu: number; time: number }>();
  private born = new Map<number, { cpu: number; time: number; comm: string }>();

  constructor(private readonly now: number) {}

  line(text: string, time: number): void {
    this.views.trace.push(text);
    this.views.traceTimes.push(time);
  }

  switchTo(cpu: number, time: number, pid: number, comm: string): void {
    const prev = this.running.get(cpu);
    if (prev !== undefined) prev.end = time;
    const s: Slice = { cpu, pid, comm, start: time, end: this.now };
    this.running.set(cpu, s);
    this.views.slices.push(s);
    const w = this.woken.get(pid);
    if (w !== undefined) {
      this.views.wakeups.push({ pid, from: w, to: { cpu, time } });
      this.woken.delete(pid);
    }
    const f = this.born.get(pid);
    if (f !== undefined) {
      this.views.creations.push({ pid, comm: f.comm, from: { cpu: f.cpu, time: f.time }, to: { cpu, time } });
      this.born.delete(pid);
    }
  }

  woke(pid: number, cpu: number, time: number): void {
    this.woken.set(pid, { cpu, time });
  }

  forked(pid: number, comm: string, cpu: number, time: number): void {
    this.born.set(pid, { cpu, time, comm });
  }
}

/** Report kinds that are console output (printk, the run's notes), not a detector's finding. */
const CONSOLE = new Set(["printk", "info"]);

/** The detectors' reports and the console, apart. */
export function reportLines(m: Machine): { reports: string[]; console: string[] } {
  const reports: string[] = [];
  const console: string[] = [];
  for (const r of m.reports) (CONSOLE.has(r.kind) ? console : reports).push(formatReport(r));
  return { reports, console };
}

/**
 * The source of the function task `p` is in, with the line of the call it is making (the
 * next frame down its stack) or, for the innermost frame, the definition line.
 */
export function sourceView(p: task_struct, index: SourceIndex): SourceView | null {
  const stack = p.sim?.backtrace() ?? [];
  for (let i = 0; i < stack.length; i++) {
    const fn = stack[i] as string;
    const src = index.get(fn);
    if (src === undefined) continue;
    const callee = i > 0 ? stack[i - 1] : undefined;
    const at = callee === undefined ? -1 : src.text.findIndex((l, j) => j > 0 && l.includes(`${callee}(`));
    return { fn, file: src.file, text: src.text.join("\n"), line: at < 0 ? 1 : at + 1 };
  }
  return null;
}
