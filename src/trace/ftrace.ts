/**
 * The ftrace `trace` file (kernel/trace/trace.c, trace_output.c) of the traced release
 * (TraceBuffer.era; 6.19 by default): the header with its column legend, then one line per
 * event, "%16s-%-7d [%03d] FLAGS %5lu.%06lu: event: text" in 6.x (pid 5 wide up to 4.19,
 * four flags before 5.17, none in 2.6.32), the TASK-PID column resolved from the
 * saved-cmdlines cache when the trace is read, as the kernel does, and each event's text in
 * its release's TP_printk format.
 */
import { DEFAULT_ERA, type Era, era as eraProfile } from "../linux/eras/profiles.js";
import type { TraceRecord } from "../linux/include/trace/events/records.js";
import { type TraceBuffer, trace_find_cmdline } from "../linux/kernel/trace/buffer.js";
import { functionName } from "../sim/functions.js";

/** The release the formatters write when not told (the default machine's). */
export const DEFAULT_TRACE_ERA: Era = eraProfile(DEFAULT_ERA);

/**
 * sched_switch's prev_state: "R", "R+", or the state letters joined by "|", from the release's
 * table (Era.trace_prev_state: bit i is letter i; `max` marks a preempted task).
 */
export function formatPrevState(state: number, era: Era = DEFAULT_TRACE_ERA): string {
  const { letters, max } = era.trace_prev_state;
  const bits = state & ((1 << letters.length) - 1);
  let text = "";
  for (let i = 0; i < letters.length; i++) if (bits & (1 << i)) text += (text ? "|" : "") + letters[i];
  return (text || "R") + (max !== 0 && state & max ? "+" : "");
}

const cpu3 = (n: number): string => String(n).padStart(3, "0");
/** A hashed pointer as %p prints it on 64-bit: 16 hex digits, the hash in the low 32 bits. */
const ptr = (h: number): string => h.toString(16).padStart(16, "0");

/** 2.6.32's own texts ("task %s:%d [%d]" and kin), or null for an event it writes as 3.x+ do. */
function legacyText(r: TraceRecord, era: Era): string | null {
  switch (r.type) {
    case "sched_waking":
    case "sched_wakeup":
    case "sched_wakeup_new":
      return `task ${r.comm}:${r.tpid} [${r.prio}] success=${r.success ?? 1} [${cpu3(r.target_cpu)}]`;
    case "sched_switch":
      return `task ${r.prev_comm}:${r.prev_pid} [${r.prev_prio}] (${formatPrevState(r.prev_state, era)}) ==> ${r.next_comm}:${r.next_pid} [${r.next_prio}]`;
    case "sched_process_fork":
      return `parent ${r.comm}:${r.tpid}  child ${r.child_comm}:${r.child_pid}`;
    case "sched_migrate_task":
      return `task ${r.comm}:${r.tpid} [${r.prio}] from: ${r.orig_cpu}  to: ${r.dest_cpu}`;
    case "sched_process_exit":
    case "sched_process_free":
    case "sched_process_wait":
    case "sched_wait_task":
      return `task ${r.comm}:${r.tpid} [${r.prio}]`;
    case "sched_kthread_stop":
      return `task ${r.comm}:${r.tpid}`;
    case "sched_kthread_stop_ret":
      return `ret ${r.ret}`;
    default:
      return null;
  }
}

/** The event's TP_printk text, in the formats of `era` (6.19 unless told). */
export function formatEventText(r: TraceRecord, era: Era = DEFAULT_TRACE_ERA): string {
  if (era.trace_legacy_formats) {
    const text = legacyText(r, era);
    if (text !== null) return text;
  }
  switch (r.type) {
    case "sched_waking":
    case "sched_wakeup":
    case "sched_wakeup_new": {
      const success = era.trace_wakeup_success ? ` success=${r.success ?? 1}` : "";
      return `comm=${r.comm} pid=${r.tpid} prio=${r.prio}${success} target_cpu=${cpu3(r.target_cpu)}`;
    }
    case "sched_switch":
      return `prev_comm=${r.prev_comm} prev_pid=${r.prev_pid} prev_prio=${r.prev_prio} prev_state=${formatPrevState(r.prev_state, era)} ==> next_comm=${r.next_comm} next_pid=${r.next_pid} next_prio=${r.next_prio}`;
    case "sched_process_fork":
      return `comm=${r.comm} pid=${r.tpid} child_comm=${r.child_comm} child_pid=${r.child_pid}`;
    case "sched_migrate_task":
      return `comm=${r.comm} pid=${r.tpid} prio=${r.prio} orig_cpu=${r.orig_cpu} dest_cpu=${r.dest_cpu}`;
    case "sched_process_exit":
      return `comm=${r.comm} pid=${r.tpid} prio=${r.prio}${era.trace_exit_group_dead ? ` group_dead=${r.group_dead}` : ""}`;
    case "sched_process_free":
    case "sched_process_wait":
    case "sched_wait_task":
      return `comm=${r.comm} pid=${r.tpid} prio=${r.prio}`;
    case "sched_process_exec":
      return `filename=${r.filename} pid=${r.tpid} old_pid=${r.old_pid}`;
    case "sched_prepare_exec":
      return `interp=${r.interp} filename=${r.filename} pid=${r.tpid} comm=${r.comm}`;
    case "task_newtask":
      return `pid=${r.tpid} comm=${r.comm} clone_flags=${r.clone_flags.toString(16)} oom_score_adj=${r.oom_score_adj}`;
    case "task_rename":
      return `${era.trace_rename_pid ? `pid=${r.tpid} ` : ""}oldcomm=${r.oldcomm} newcomm=${r.newcomm} oom_score_adj=${r.oom_score_adj}`;
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

/** trace_print_context and the event: the line prefix of `era` (pid width, irq-info column), then the text. */
export function formatLine(
  r: TraceRecord,
  cmdlines: ReadonlyMap<number, string>,
  era: Era = DEFAULT_TRACE_ERA,
): string {
  const comm = trace_find_cmdline(cmdlines, r.pid);
  const flags = era.trace_irq_info ? `${r.irqflags} ` : "";
  const head = `${comm.padStart(16)}-${String(r.pid).padEnd(era.trace_pid_width)} [${cpu3(r.cpu)}] ${flags}${formatTimestamp(r.ts)}: `;
  // The function tracer's lines carry no event name: "func <-parent".
  return r.type === "function" ? head + formatEventText(r, era) : `${head}${r.type}: ${formatEventText(r, era)}`;
}

/** print_func_help_header (2.6.32, no irq-info column): the two column lines. */
const COLUMNS_2632 = [
  "#           TASK-PID    CPU#    TIMESTAMP  FUNCTION",
  "#              | |       |          |         |",
];

/**
 * print_func_help_header_irq without the tgid column: one legend line per flag, a slash
 * leading down to its column, the flag columns sitting under the pid's end; then the column
 * names. `flags` are 3.x's four, or 5.17's five (BH-disabled joins irqs-off, migrate-disable
 * comes last). TIMESTAMP moved one column left with the 7-wide pid (5.10's text).
 */
function irqLegend(pidWidth: number, flags: readonly string[]): string[] {
  const n = flags.length;
  const pad = `#${" ".repeat(23 + pidWidth)}`;
  const lines = flags.map(
    (name, k) => `${pad}${k === 0 ? "  " : `${"|".repeat(k - 1)} / `}_${"-".repeat(5 - k)}=> ${name}`,
  );
  const gap = (pidWidth === 5 ? 8 : 7) - n;
  lines.push(
    `${pad}${"|".repeat(n - 1)} /     delay`,
    `#           TASK-PID${" ".repeat(pidWidth - 2)}CPU#  ${"|".repeat(n)}${" ".repeat(gap)}TIMESTAMP  FUNCTION`,
    `#              | |${" ".repeat(pidWidth + 2)}|   ${"|".repeat(n)}${" ".repeat(gap + 3)}|         |`,
  );
  return lines;
}

const FLAGS_3 = ["irqs-off", "need-resched", "hardirq/softirq", "preempt-depth"];
const FLAGS_517 = ["irqs-off/BH-disabled", "need-resched", "hardirq/softirq", "preempt-depth", "migrate-disable"];

/** What a release without tracepoints says in the header (its layout is 2.6.32's, the oldest read). */
export function noTracepointsNote(era: Era): string[] {
  return era.tracepoints ? [] : [`# ${era.name} has no tracepoints (ftrace came in 2.6.27): no events are recorded`];
}

/** The header of the `trace` file: the tracer, the buffer's counts (3.x+), the column legend. */
export function ftraceHeader(
  entries: number,
  written: number,
  cpus: number,
  tracer = "nop",
  era: Era = DEFAULT_TRACE_ERA,
): string[] {
  const lines = [`# tracer: ${tracer}`, "#", ...noTracepointsNote(era)];
  if (era.trace_header_entries)
    lines.push(`# entries-in-buffer/entries-written: ${entries}/${written}   #P:${cpus}`, "#");
  if (!era.trace_irq_info) lines.push(...COLUMNS_2632);
  else lines.push(...irqLegend(era.trace_pid_width, era.trace_irq_chars === 5 ? FLAGS_517 : FLAGS_3));
  return lines;
}

/** The whole `trace` file of the nop or function tracer, in the formats of the buffer's release. */
export function formatFtrace(buf: TraceBuffer, cpus: number): string {
  const records = buf.records();
  const lines = ftraceHeader(buf.entries, buf.written, cpus, buf.tracer, buf.era);
  for (const r of records) lines.push(formatLine(r, buf.cmdlines, buf.era));
  return `${lines.join("\n")}\n`;
}
