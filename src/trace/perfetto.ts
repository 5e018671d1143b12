/**
 * `--format perfetto`: the trace as Chrome JSON trace events, which ui.perfetto.dev (and
 * chrome://tracing) open. Tracks: one per CPU (in a "CPUs" process), its slices the tasks
 * that ran there, from sched_switch; one per task (in its thread group's process), its
 * nested slices the modeled function calls of the function_graph tracer, and its instants
 * the tracepoints it hit, with their fields as args. A flow arrow goes from each wakeup to
 * the woken task's next slice on a CPU (the idle task's time shows as `<idle>-0` slices). Times are in microseconds (the format's unit), with
 * the virtual nanoseconds as fractions.
 */

import type { TraceRecord } from "../linux/include/trace/events/records.js";
import { PID_MAX_LIMIT } from "../linux/kernel/pid.js";
import { type TraceBuffer, trace_find_cmdline } from "../linux/kernel/trace/buffer.js";
import { functionName } from "../sim/functions.js";

/** The pid of the synthetic process holding the CPU tracks: one no task can have. */
export const CPUS_PID = PID_MAX_LIMIT + 1;

export interface ChromeEvent {
  name: string;
  ph: "X" | "B" | "E" | "i" | "s" | "f" | "M";
  ts?: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  id?: number;
  s?: "t";
  args?: Record<string, unknown>;
}

export const us = (ns: number) => ns / 1000;

/** A task's run on a CPU track, from `since` to `at` (ns). */
export function cpuSlice(comm: string, pid: number, cpu: number, since: number, at: number): ChromeEvent {
  return {
    name: `${comm}-${pid}`,
    ph: "X",
    ts: us(since),
    dur: us(at - since),
    pid: CPUS_PID,
    tid: cpu,
    cat: "sched",
    args: { pid },
  };
}

export function formatPerfetto(buf: TraceBuffer, cpus: number): string {
  const records = buf.records();
  const events: ChromeEvent[] = [];
  const name = (pid: number) => trace_find_cmdline(buf.cmdlines, pid);
  /** Task tracks by tid, with their process; each CPU's idle task (pid 0) gets its own. */
  const tracks = new Map<number, { pid: number; name: string }>();
  const track = (r: TraceRecord) => {
    const tid = r.pid === 0 ? CPUS_PID + 1 + r.cpu : r.pid;
    if (!tracks.has(tid)) tracks.set(tid, { pid: r.tgid, name: r.pid === 0 ? `swapper/${r.cpu}` : name(r.pid) });
    return tid;
  };
  const end = records.length > 0 ? (records[records.length - 1] as TraceRecord).ts : 0;

  // CPU tracks: who ran from one sched_switch to the next.
  const running: ({ pid: number; since: number } | undefined)[] = new Array(cpus);
  /** Wakeups waiting for the woken task's next slice: pid → flow ids. */
  const pendingFlows = new Map<number, number[]>();
  let nextFlow = 1;
  const closeRun = (cpu: number, at: number) => {
    const run = running[cpu];
    if (run !== undefined) events.push(cpuSlice(name(run.pid), run.pid, cpu, run.since, at));
  };
  // Task tracks: the open function slices, to close at the end of the trace.
  const open = new Map<number, number[]>();

  for (const r of records) {
    const tid = track(r);
    const pid = r.tgid;
    if (r.type === "funcgraph_entry") {
      events.push({ name: functionName(r.fn), ph: "B", ts: us(r.ts), pid, tid, cat: "function" });
      const stack = open.get(tid) ?? [];
      stack.push(r.fn);
      open.set(tid, stack);
      continue;
    }
    if (r.type === "funcgraph_exit") {
      const stack = open.get(tid);
      if (stack === undefined || stack.length === 0) continue; // its entry was overwritten in the ring
      stack.pop();
      const args = r.retval === null ? undefined : { retval: r.retval };
      events.push({ name: functionName(r.fn), ph: "E", ts: us(r.ts), pid, tid, cat: "function", args });
      continue;
    }
    if (r.type === "function") continue; // the function tracer has no durations to draw
    if (r.type === "sched_switch") {
      closeRun(r.cpu, r.ts);
      running[r.cpu] = { pid: r.next_pid, since: r.ts };
      for (const id of pendingFlows.get(r.next_pid) ?? []) {
        events.push({ name: "wakeup", ph: "f", ts: us(r.ts), pid: CPUS_PID, tid: r.cpu, cat: "sched", id });
      }
      pendingFlows.delete(r.next_pid);
    }
    const { ts, cpu, pid: _p, tgid: _t, irqflags, type, ...fields } = r;
    events.push({
      name: type,
      ph: "i",
      s: "t",
      ts: us(ts),
      pid,
      tid,
      cat: "tracepoint",
      args: { cpu, irqflags, ...fields },
    });
    if ((type === "sched_wakeup" || type === "sched_wakeup_new") && running[cpu] !== undefined) {
      // From the waker's slice on its CPU to the woken task's next slice.
      const id = nextFlow++;
      events.push({ name: "wakeup", ph: "s", ts: us(ts), pid: CPUS_PID, tid: cpu, cat: "sched", id });
      const woken = (r as { tpid: number }).tpid;
      pendingFlows.set(woken, [...(pendingFlows.get(woken) ?? []), id]);
    }
  }
  for (let cpu = 0; cpu < cpus; cpu++) closeRun(cpu, end);
  for (const [tid, stack] of open) {
    for (let i = stack.length - 1; i >= 0; i--) {
      events.push({
        name: functionName(stack[i] as number),
        ph: "E",
        ts: us(end),
        pid: (tracks.get(tid) as { pid: number }).pid,
        tid,
        cat: "function",
      });
    }
  }

  const meta: ChromeEvent[] = [{ name: "process_name", ph: "M", pid: CPUS_PID, tid: 0, args: { name: "CPUs" } }];
  for (let cpu = 0; cpu < cpus; cpu++)
    meta.push({ name: "thread_name", ph: "M", pid: CPUS_PID, tid: cpu, args: { name: `CPU ${cpu}` } });
  for (const [tid, t] of [...tracks].sort((a, b) => a[0] - b[0])) {
    if (tid === t.pid || (t.pid === 0 && tid === CPUS_PID + 1))
      meta.push({ name: "process_name", ph: "M", pid: t.pid, tid, args: { name: `${name(t.pid)} ${t.pid}` } });
    meta.push({ name: "thread_name", ph: "M", pid: t.pid, tid, args: { name: `${t.name} ${t.pid === 0 ? 0 : tid}` } });
  }
  return `${JSON.stringify({ displayTimeUnit: "ns", traceEvents: [...meta, ...events] })}\n`;
}
