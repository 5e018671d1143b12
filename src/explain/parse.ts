/**
 * Reading ftrace text one line at a time, as the kernel and trace-cmd write it: the `trace`
 * file (its header; the irq-info, TGID and function-tracer variants), `trace_pipe` (no
 * header), `trace-cmd report` (an instance prefix, padded event names, its `-l` layout with
 * CPU and flags in one column) and the function_graph tracer (a CPU column, durations, the
 * events as comments, the task from the `=>` separators or the funcgraph-proc column).
 * `CPU:N [LOST N EVENTS]` and `##### CPU N buffer started ####` are markers.
 */

/** One event line: its context (the TASK-PID column, CPU, time) and its text. */
export interface TraceLine {
  kind: "event";
  /** 1-based line number in the input. */
  line: number;
  /** ns since the trace clock's zero; null where the layout has none (function_graph). */
  ts: number | null;
  cpu: number;
  /** The task the event happened in; null when the layout does not say. */
  pid: number | null;
  /** The TASK column as printed: the saved cmdline when the trace was read, or `<...>`. */
  comm: string | null;
  /** The TGID column (record-tgid), when present and known. */
  tgid?: number;
  /** The irq-info flags (`d..2.`), when present. */
  flags?: string;
  /** The event's name; `function` for a function tracer line; `funcgraph_entry`/`_exit`. */
  event: string;
  /** The event's text (for a function line the function, for function_graph the function name). */
  text: string;
  /** function tracer: the caller; function_graph: the call's duration in ns (leaf or exit). */
  parent?: string;
  duration?: number;
}

export interface LostMarker {
  kind: "lost";
  line: number;
  cpu: number;
  count: number;
}

export interface BufferStartedMarker {
  kind: "buffer_started";
  line: number;
  cpu: number;
}

export type ParsedItem = TraceLine | LostMarker | BufferStartedMarker;

/** The layouts told apart (the first event line decides). */
export type Layout = "ftrace" | "trace-cmd" | "trace-cmd -l" | "function_graph";

/** Input that is not ftrace text: the one-line message says where and why. */
export class TraceFormatError extends Error {}

/** "425.290755" (µs), "425.290755123" (ns) or a counter without a dot, in ns. */
export function parseTimestamp(s: string): number {
  const dot = s.indexOf(".");
  if (dot < 0) return Number(s);
  return (
    Number(s.slice(0, dot)) * 1e9 +
    Number(
      s
        .slice(dot + 1)
        .padEnd(9, "0")
        .slice(0, 9),
    )
  );
}

/** comm-pid, [(tgid)], [cpu], [flags], time: the rest. The comm may hold spaces and dashes. */
const FTRACE =
  /^\s*(.*?)-(\d+)\s+(?:\(\s*(\d+|-+)\)\s+)?\[(\d+)\]\s+(?:([.dDbXNnpLhHsSzB0-9a-f]{4,5})\s+)?(\d+(?:\.\d+)?):\s(.*)$/;
/** trace-cmd report -l: comm-pid, CPU number and flags in one column (`1d..2.`), time: the rest. */
const TRACE_CMD_L = /^\s*(.*?)-(\d+)\s+(\d+)([.dDbX][^\s]{3,4})\s+(\d+(?:\.\d+)?):\s(.*)$/;
/** `event: text` (trace-cmd pads the name with spaces). */
const EVENT = /^(\w+):(?:\s+(.*))?$/;
/** The function tracer: `func <-caller` (sym-offset adds +0x../0x..). */
const FUNCTION = /^([^\s:]+)(?:\s+<-(\S+))?$/;
const LOST = /^CPU:(\d+) \[LOST (\d+) EVENTS\]$/;
const STARTED = /^##### CPU (\d+) buffer started ####$/;
/** function_graph: [abstime |] cpu) rest. */
const GRAPH = /^\s*(?:(\d+\.\d+)\s+\|\s+)?(\d+)\)(.*)$/;
const GRAPH_SWITCH = /^\s*(\S.*?)-(\d+)\s+=>\s+(\S.*?)-(\d+)\s*$/;
const GRAPH_PROC = /^\s*(\S.*?)-(\d+)\s*$/;
const GRAPH_DURATION = /^\s*([+!#*@$])?\s*(\d+(?:\.\d+)?) us\s*$/;
/** Lines trace-cmd report writes besides events. */
const TRACE_CMD_META = /^(?:cpus=\d+|version = .*|CPU \d+ is empty|Buffer: .*|trace-cmd: .*)$/;
/** Lines the kernel may put between events that say nothing here (stack traces, options). */
const IGNORED = /^\s*(?:=> |<stack trace>|<user stack trace>|-{10,}\s*$)/;

/** Parses lines one by one; `end()` says what was seen. Throws TraceFormatError. */
export class FtraceTextParser {
  layout: Layout | null = null;
  /** From the header: `# tracer: X`, `#P:N`, the entries counts. */
  tracer: string | null = null;
  cpus: number | null = null;
  header: string[] = [];
  /** trace-cmd's instance names (`Buffer: NAME`), whose `NAME: ` prefix starts their lines. */
  private instances: string[] = [];
  /** function_graph: the task each CPU runs, from the `=>` separators. */
  private graphTask = new Map<number, { comm: string; pid: number }>();
  /** Lines that were none of the above, with the first of them. */
  unknown = 0;
  firstUnknown: { line: number; text: string } | null = null;
  private meaningful = 0;
  private traceCmd = false;
  /** The line just read was function_graph's `a-1 => b-2` separator. */
  private separator = false;

  push(raw: string, line: number): ParsedItem | null {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() === "") return null;
    this.meaningful++;
    if (text.startsWith("#")) {
      if (STARTED.test(text))
        return { kind: "buffer_started", line, cpu: Number((STARTED.exec(text) as RegExpExecArray)[1]) };
      this.readHeader(text);
      return null;
    }
    const lost = LOST.exec(text);
    if (lost !== null) return { kind: "lost", line, cpu: Number(lost[1]), count: Number(lost[2]) };
    if (TRACE_CMD_META.test(text)) {
      this.traceCmd = true;
      if (text.startsWith("Buffer: ")) this.instances.push(text.slice(8).trim());
      if (text.startsWith("cpus=")) this.cpus = Number(text.slice(5));
      return null;
    }
    this.separator = false;
    const item = this.newInstance(text, line) ?? this.eventLine(this.stripInstance(text), line);
    if (item !== null) return item;
    if (this.separator || (IGNORED.test(text) && this.layout !== null)) return null;
    if (this.meaningful === 1 || this.layout === null) throw new TraceFormatError(notFtrace(text, line));
    this.unknown++;
    if (this.firstUnknown === null) this.firstUnknown = { line, text };
    return null;
  }

  private readHeader(text: string): void {
    if (this.header.length < 40) this.header.push(text);
    const tracer = /^# tracer: (\S+)/.exec(text);
    if (tracer !== null) this.tracer = tracer[1] as string;
    const p = /#P:(\d+)/.exec(text);
    if (p !== null) this.cpus = Number(p[1]);
  }

  /** trace-cmd's `NAME: ` before the lines of an instance whose `Buffer:` line is not there. */
  private newInstance(text: string, line: number): TraceLine | null {
    const pre = /^([^\s:]+): +\S/.exec(text);
    if (pre === null || this.instances.includes(pre[1] as string)) return null;
    const item = this.eventLine(text.slice((pre[1] as string).length + 2), line);
    if (item !== null) this.instances.push(pre[1] as string);
    return item;
  }

  private stripInstance(text: string): string {
    for (const name of this.instances) if (text.startsWith(`${name}: `)) return text.slice(name.length + 2);
    return text;
  }

  private eventLine(text: string, line: number): TraceLine | null {
    if (this.layout !== "function_graph") {
      const m = FTRACE.exec(text);
      if (m !== null) {
        const flags = m[5];
        // trace-cmd pads event names ("task_rename:          pid=…"); the kernel does not.
        this.settle(this.traceCmd || /^\w+: {2}/.test(m[7] as string) ? "trace-cmd" : "ftrace");
        return this.body(line, m[7] as string, {
          ts: parseTimestamp(m[6] as string),
          cpu: Number(m[4]),
          pid: Number(m[2]),
          comm: m[1] as string,
          tgid: m[3] !== undefined && /^\d+$/.test(m[3]) ? Number(m[3]) : undefined,
          flags,
        });
      }
      const l = TRACE_CMD_L.exec(text);
      if (l !== null) {
        this.settle("trace-cmd -l");
        return this.body(line, l[6] as string, {
          ts: parseTimestamp(l[5] as string),
          cpu: Number(l[3]),
          pid: Number(l[2]),
          comm: l[1] as string,
          flags: l[4],
        });
      }
    }
    if (this.layout === null || this.layout === "function_graph") return this.graphLine(text, line);
    return null;
  }

  private settle(layout: Layout): void {
    if (this.layout === null || this.layout === "ftrace") this.layout = layout;
  }

  private body(line: number, rest: string, ctx: Omit<TraceLine, "kind" | "line" | "event" | "text">): TraceLine | null {
    const e = EVENT.exec(rest);
    if (e !== null) return { kind: "event", line, ...ctx, event: e[1] as string, text: e[2] ?? "" };
    const f = FUNCTION.exec(rest);
    if (f === null) return null;
    return { kind: "event", line, ...ctx, event: "function", text: f[1] as string, parent: f[2] };
  }

  /** function_graph: ` 1)   kthread-2    | + 15.729 us   |    }` and its kin. */
  private graphLine(text: string, line: number): TraceLine | null {
    const g = GRAPH.exec(text);
    if (g === null) return null;
    const cpu = Number(g[2]);
    const rest = g[3] as string;
    const sw = GRAPH_SWITCH.exec(rest);
    if (sw !== null) {
      this.layout = "function_graph";
      this.graphTask.set(cpu, { comm: sw[3] as string, pid: Number(sw[4]) });
      this.separator = true;
      return null;
    }
    const parts = rest.split("|");
    if (parts.length < 2) return null;
    let i = 0;
    let task = this.graphTask.get(cpu) ?? null;
    const proc = GRAPH_PROC.exec(parts[0] as string);
    if (proc !== null && parts.length >= 3) {
      task = { comm: proc[1] as string, pid: Number(proc[2]) };
      i++;
    }
    const dur = GRAPH_DURATION.exec(parts[i] as string);
    if (dur === null && (parts[i] as string).trim() !== "") return null;
    i++;
    this.layout = "function_graph";
    const body = parts.slice(i).join("|").replace(/^ {2}/, "");
    const ctx = {
      kind: "event" as const,
      line,
      ts: g[1] === undefined ? null : parseTimestamp(g[1]),
      cpu,
      pid: task?.pid ?? null,
      comm: task?.comm ?? null,
    };
    const duration = dur === null ? undefined : Math.round(Number(dur[2]) * 1000);
    const comment = /^\s*\/\* (\w+): (.*) \*\/\s*$/.exec(body);
    if (comment !== null) return { ...ctx, event: comment[1] as string, text: comment[2] as string };
    const call = /^\s*([^\s(]+)\(\) \{\s*$/.exec(body);
    if (call !== null) return { ...ctx, event: "funcgraph_entry", text: call[1] as string };
    const leaf = /^\s*([^\s(]+)\(\);/.exec(body);
    if (leaf !== null) return { ...ctx, event: "funcgraph_leaf", text: leaf[1] as string, duration };
    const exit = /^\s*\}(?: \/\* (\S+?)(?: = \S+)? \*\/)?\s*$/.exec(body);
    if (exit !== null) return { ...ctx, event: "funcgraph_exit", text: exit[1] ?? "", duration };
    return null;
  }
}

/** The one-line error for a first line that is not ftrace text. */
function notFtrace(text: string, line: number): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  if (text.includes("\u0017\bDtracing"))
    return `line ${line}: this is a binary trace-cmd trace.dat; convert it with 'trace-cmd report -i FILE > FILE.txt'`;
  if (text.includes("\u0000")) return `line ${line}: binary data, not ftrace text`;
  if (/^\s*[[{]/.test(text))
    return `line ${line}: this is JSON, not ftrace text (give the kernel's trace file, trace_pipe or 'trace-cmd report' output)`;
  return `line ${line}: not ftrace text: '${shown}' (expected '# tracer: …', trace-cmd report output or lines like 'bash-1234 [001] 12.345678: sched_switch: …')`;
}
