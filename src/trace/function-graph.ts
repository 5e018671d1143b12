/**
 * The function_graph tracer's output (kernel/trace/trace_functions_graph.c): the CPU column,
 * the duration column with its overhead mark, two spaces of indentation per call depth,
 * `func() {` / `}` / `leaf();`, the separator block when a CPU switches tasks, and the other
 * events as comments. A call whose return is the next record of its CPU prints as a leaf.
 */
import type { Era } from "../linux/eras/profiles.js";
import type { TraceRecord } from "../linux/include/trace/events/records.js";
import { type TraceBuffer, trace_find_cmdline } from "../linux/kernel/trace/buffer.js";
import { functionName } from "../sim/functions.js";
import { formatEventText, noTracepointsNote } from "./ftrace.js";

export interface GraphOptions {
  /** funcgraph-proc: the TASK/PID column. */
  proc?: boolean;
  /** funcgraph-retval: the return value after each return. */
  retval?: boolean;
  /** funcgraph-tail: the function's name after each closing brace. */
  tail?: boolean;
}

/**
 * trace_find_mark: the overhead mark of a duration (ns). Before 4.1 only "!" and "+"
 * (Era.funcgraph_marks): a call of over 1 ms is marked "!" there.
 */
function mark(ns: number, all: boolean): string {
  if (all) {
    if (ns > 1e9) return "$";
    if (ns > 1e8) return "@";
    if (ns > 1e7) return "*";
    if (ns > 1e6) return "#";
  }
  if (ns > 1e5) return "!";
  if (ns > 1e4) return "+";
  return " ";
}

/** trace_print_graph_duration plus the column around it: "+ 15.729 us   |  ". */
function duration(ns: number, era: Era): string {
  const us = String(Math.floor(ns / 1000));
  let text = us;
  if (us.length < 7) text += `.${String(ns % 1000).padStart(3, "0")}`.slice(0, 8 - us.length);
  return `${mark(ns, era.funcgraph_marks === "+!#*@$")} ${`${text} us `.padEnd(12)}|  `;
}

const FILL = "              |  ";

/** print_graph_proc: "comm-pid" (comm cut to 7) centred in 14 columns. */
function procInfo(pid: number, cmdlines: ReadonlyMap<number, string>): string {
  const comm = trace_find_cmdline(cmdlines, pid).slice(0, 7);
  const s = `${comm}-${pid}`;
  const spaces = Math.max(0, 14 - s.length);
  return " ".repeat(spaces >> 1) + s + " ".repeat(spaces - (spaces >> 1));
}

function header(o: GraphOptions, era: Era): string[] {
  return [
    "# tracer: function_graph",
    "#",
    ...noTracepointsNote(era),
    `# CPU${o.proc ? "  TASK/PID       " : ""}  DURATION                  FUNCTION CALLS`,
    `# |  ${o.proc ? "   |    |        " : ""}   |   |                     |   |   |   |`,
  ];
}

/** A value as %lx prints it, or as %ld for an error code (funcgraph-retval). */
function ret(v: string): string {
  const n = Number(v);
  if (Number.isInteger(n) && n < 0 && n >= -4095) return String(n);
  return Number.isInteger(n) ? `0x${n.toString(16)}` : `0x${v}`;
}

/** The whole `trace` file of the function_graph tracer. */
export function formatFunctionGraph(buf: TraceBuffer, cpus: number, o: GraphOptions = {}): string {
  const recs = buf.records();
  const width = String(Math.max(0, cpus - 1)).length;
  const cpuCol = (cpu: number) => `${" ".repeat(width - String(cpu).length)} ${cpu}) `;
  const era = buf.era;
  const out = header(o, era);
  const lastPid = new Map<number, number>();
  const skip = new Set<number>();
  // The next record index of each CPU, to see whether a call returns at once (a leaf).
  const nextOnCpu = new Array<number>(recs.length).fill(-1);
  const seen = new Map<number, number>();
  for (let i = recs.length - 1; i >= 0; i--) {
    const r = recs[i] as TraceRecord;
    nextOnCpu[i] = seen.get(r.cpu) ?? -1;
    seen.set(r.cpu, i);
  }
  for (let i = 0; i < recs.length; i++) {
    if (skip.has(i)) continue;
    const r = recs[i] as TraceRecord;
    const prev = lastPid.get(r.cpu);
    if (prev !== undefined && prev !== r.pid) {
      const arrow = `${procInfo(prev, buf.cmdlines)} => ${procInfo(r.pid, buf.cmdlines)}`;
      out.push(
        " ------------------------------------------",
        `${cpuCol(r.cpu)}${arrow}`,
        " ------------------------------------------",
        "",
      );
    }
    lastPid.set(r.cpu, r.pid);
    const lead = cpuCol(r.cpu) + (o.proc ? `${procInfo(r.pid, buf.cmdlines)} | ` : "");
    if (r.type === "funcgraph_entry") {
      const indent = "  ".repeat(r.depth);
      const n = nextOnCpu[i] as number;
      const next = n >= 0 ? (recs[n] as TraceRecord) : undefined;
      if (next?.type === "funcgraph_exit" && next.fn === r.fn && next.pid === r.pid && next.depth === r.depth) {
        skip.add(n);
        const value = o.retval && next.retval !== null ? ` /* = ${ret(next.retval)} */` : "";
        out.push(`${lead}${duration(next.ts - next.calltime, era)}${indent}${functionName(r.fn)}();${value}`);
      } else {
        out.push(`${lead}${FILL}${indent}${functionName(r.fn)}() {`);
      }
    } else if (r.type === "funcgraph_exit") {
      const indent = "  ".repeat(r.depth);
      const name = functionName(r.fn);
      const tail = o.retval && r.retval !== null ? ` /* ${name} = ${ret(r.retval)} */` : o.tail ? ` /* ${name} */` : "";
      out.push(`${lead}${duration(r.ts - r.calltime, era)}${indent}}${tail}`);
    } else {
      out.push(`${lead}${FILL}/* ${r.type}: ${formatEventText(r, era)} */`);
    }
  }
  return `${out.join("\n")}\n`;
}
