/**
 * The ftrace `trace` file of a 6.x kernel (kernel/trace/trace.c, trace_output.c): the
 * nop tracer's header with the five-flag legend, then one line per event:
 * "%16s-%-7d [%03d] FLAGS %5lu.%06lu: event: text", the TASK-PID column resolved from
 * the saved-cmdlines cache when the trace is read, as the kernel does.
 */
import { functionName } from "../sim/functions.js";
import { type TraceBuffer, trace_find_cmdline } from "./buffer.js";
import type { TraceRecord } from "./events.js";

const STATE_LETTERS: readonly [number, string][] = [
  [0x01, "S"],
  [0x02, "D"],
  [0x04, "T"],
  [0x08, "t"],
  [0x10, "X"],
  [0x20, "Z"],
  [0x40, "P"],
  [0x80, "I"],
];

import { TASK_REPORT_MAX } from "../linux/include/sched.js";

/** sched_switch's prev_state: "R", "R+", or the state letters joined by "|". */
export function formatPrevState(state: number): string {
  const bits = state & (TASK_REPORT_MAX - 1);
  const letters = bits
    ? STATE_LETTERS.filter(([b]) => bits & b)
        .map(([, l]) => l)
        .join("|")
    : "R";
  return letters + (state & TASK_REPORT_MAX ? "+" : "");
}

const cpu3 = (n: number): string => String(n).padStart(3, "0");
/** A hashed pointer as %p prints it on 64-bit: 16 hex digits, the hash in the low 32 bits. */
const ptr = (h: number): string => h.toString(16).padStart(16, "0");

/** The event's TP_printk text, in the 6.19 formats. */
export function formatEventText(r: TraceRecord): string {
  switch (r.type) {
    case "sched_waking":
    case "sched_wakeup":
    case "sched_wakeup_new":
      return `comm=${r.comm} pid=${r.tpid} prio=${r.prio} target_cpu=${cpu3(r.target_cpu)}`;
    case "sched_switch":
      return `prev_comm=${r.prev_comm} prev_pid=${r.prev_pid} prev_prio=${r.prev_prio} prev_state=${formatPrevState(r.prev_state)} ==> next_comm=${r.next_comm} next_pid=${r.next_pid} next_prio=${r.next_prio}`;
    case "sched_process_fork":
      return `comm=${r.comm} pid=${r.tpid} child_comm=${r.child_comm} child_pid=${r.child_pid}`;
    case "sched_process_exit":
      return `comm=${r.comm} pid=${r.tpid} prio=${r.prio} group_dead=${r.group_dead}`;
    case "sched_process_free":
    case "sched_process_wait":
      return `comm=${r.comm} pid=${r.tpid} prio=${r.prio}`;
    case "sched_process_exec":
      return `filename=${r.filename} pid=${r.tpid} old_pid=${r.old_pid}`;
    case "task_newtask":
      return `pid=${r.tpid} comm=${r.comm} clone_flags=${r.clone_flags.toString(16)} oom_score_adj=${r.oom_score_adj}`;
    case "task_rename":
      return `oldcomm=${r.oldcomm} newcomm=${r.newcomm} oom_score_adj=${r.oom_score_adj}`;
    case "sched_kthread_stop":
      return `comm=${r.comm} pid=${r.tpid}`;
    case "sched_kthread_stop_ret":
      return `ret=${r.ret}`;
    case "sched_kthread_work_queue_work":
      return `work struct=${ptr(r.work)} function=${r.function} worker=${ptr(r.worker)}`;
    case "sched_kthread_work_execute_start":
    case "sched_kthread_work_execute_end":
      return `work struct ${ptr(r.work)}: function ${r.function}`;
    case "function":
      return r.parent < 0 ? functionName(r.fn) : `${functionName(r.fn)} <-${functionName(r.parent)}`;
    case "funcgraph_entry":
      return `${functionName(r.fn)}() {`;
    case "funcgraph_exit":
      return `} /* ${functionName(r.fn)} */`;
  }
}

/** " %5lu.%06lu" of a nanosecond time. */
export function formatTimestamp(ns: number): string {
  const us = Math.floor((ns + 500) / 1000); // ns2usecs rounds
  return `${String(Math.floor(us / 1e6)).padStart(5)}.${String(us % 1e6).padStart(6, "0")}`;
}

export function formatLine(r: TraceRecord, cmdlines: ReadonlyMap<number, string>): string {
  const comm = trace_find_cmdline(cmdlines, r.pid);
  const head = `${comm.padStart(16)}-${String(r.pid).padEnd(7)} [${cpu3(r.cpu)}] ${r.irqflags} ${formatTimestamp(r.ts)}: `;
  // The function tracer's lines carry no event name: "func <-parent".
  return r.type === "function" ? head + formatEventText(r) : `${head}${r.type}: ${formatEventText(r)}`;
}

export function ftraceHeader(entries: number, written: number, cpus: number, tracer = "nop"): string[] {
  return [
    `# tracer: ${tracer}`,
    "#",
    `# entries-in-buffer/entries-written: ${entries}/${written}   #P:${cpus}`,
    "#",
    "#                                _-----=> irqs-off/BH-disabled",
    "#                               / _----=> need-resched",
    "#                              | / _---=> hardirq/softirq",
    "#                              || / _--=> preempt-depth",
    "#                              ||| / _-=> migrate-disable",
    "#                              |||| /     delay",
    "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
    "#              | |         |   |||||     |         |",
  ];
}

/** The whole `trace` file of the nop or function tracer. */
export function formatFtrace(buf: TraceBuffer, cpus: number): string {
  const records = buf.records();
  const lines = ftraceHeader(buf.entries, buf.written, cpus, buf.tracer);
  for (const r of records) lines.push(formatLine(r, buf.cmdlines));
  return `${lines.join("\n")}\n`;
}
