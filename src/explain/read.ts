/**
 * Reading a whole trace: its lines parsed (parse.ts), the events' fields read (fields.ts),
 * the tasks reconstructed (reconstruct.ts), and what tells the release apart collected.
 * A file is streamed line by line (readline), so a trace of any size is read in constant
 * memory per line (read-file.ts); a string (the visualizer, tests) goes through the same
 * `TraceReader`. Nothing here needs Node: the visualizer reads traces in the page.
 */
import { CLONE_THREAD } from "../linux/include/uapi/sched.js";
import { type FormatEvidence, hasFlag } from "./era.js";
import { type Fields, knownEvent, parseFields } from "./fields.js";
import {
  type BufferStartedMarker,
  FtraceTextParser,
  type Layout,
  type LostMarker,
  type ParsedItem,
  TraceFormatError,
} from "./parse.js";
import { Reconstruction } from "./reconstruct.js";

export interface TraceRead {
  layout: Layout | null;
  tracer: string | null;
  /** #P:N of the header or trace-cmd's cpus=N, else the CPUs seen. */
  cpus: number;
  lines: number;
  markers: (LostMarker | BufferStartedMarker)[];
  recon: Reconstruction;
  evidence: FormatEvidence;
  /** Lines that were not understood, and event lines whose text did not match their event's format. */
  skipped: { count: number; first: { line: number; text: string } | null };
  /** Events by name, for the summary. */
  eventCounts: Map<string, number>;
}

export class TraceReader {
  private parser = new FtraceTextParser();
  private recon = new Reconstruction();
  private markers: (LostMarker | BufferStartedMarker)[] = [];
  private evidence: FormatEvidence = {};
  private malformed = 0;
  private firstMalformed: { line: number; text: string } | null = null;
  private counts = new Map<string, number>();
  private n = 0;

  /**
   * One line (without its newline): what it was, with the event's fields when read (null
   * for an event not read here or whose text did not match). Throws TraceFormatError for
   * input that is not ftrace text.
   */
  line(text: string): { item: ParsedItem; fields: Fields | null } | null {
    const item = this.parser.push(text, ++this.n);
    if (item === null) return null;
    if (item.kind !== "event") {
      this.markers.push(item);
      return { item, fields: null };
    }
    this.counts.set(item.event, (this.counts.get(item.event) ?? 0) + 1);
    if (!knownEvent(item.event)) {
      if (item.pid !== null) this.recon.task(item.pid, item.line, item.comm ?? undefined, true);
      return { item, fields: null };
    }
    const f = parseFields(item.event, item.text);
    if (f === null) {
      this.malformed++;
      this.firstMalformed ??= { line: item.line, text };
      return { item, fields: null };
    }
    this.note(item.event, item.text, item.flags, f);
    this.recon.add(item, f);
    return { item, fields: f };
  }

  private note(event: string, text: string, flags: string | undefined, f: Record<string, unknown>): void {
    const ev = this.evidence;
    if (flags !== undefined && ev.irqChars === undefined) ev.irqChars = flags.length === 5 ? 5 : 4;
    if (/^(task|parent) /.test(text)) ev.legacy = true;
    else if (event === "sched_switch" || event === "sched_process_fork") ev.legacy ??= false;
    if (event === "sched_waking") ev.waking = true;
    if (event === "sched_process_exit" && !ev.legacy) ev.groupDead = f.group_dead !== undefined;
    if (event === "task_rename") ev.renamePid = f.pid !== undefined;
    if (event === "sched_process_fork" && f.pid === 2) ev.kthreadNamedAtFork = f.child_comm !== "kthreadd";
    if (event === "task_newtask") {
      const flagsValue = Number.parseInt(f.clone_flags as string, 16);
      if (!hasFlag(flagsValue, CLONE_THREAD))
        ev.flagsWithSignal = flagsValue % 0x100 !== 0 && flagsValue % 0x100 !== 0x80;
    }
  }

  /** What was read. Throws TraceFormatError when nothing in it was a trace. */
  finish(): TraceRead {
    const p = this.parser;
    if (this.n === 0 || (p.layout === null && p.header.length === 0 && this.markers.length === 0))
      throw new TraceFormatError("empty: no ftrace header and no event lines");
    if (p.header.length > 0 && !p.header.some((h) => h.startsWith("# tracer:")) && this.recon.events === 0)
      throw new TraceFormatError(
        `line 1: not ftrace text: '${p.header[0]}' (no '# tracer:' header and no event lines)`,
      );
    const unknown = p.unknown + this.malformed;
    const first =
      [p.firstUnknown, this.firstMalformed].filter((x) => x !== null).sort((a, b) => a.line - b.line)[0] ?? null;
    return {
      layout: p.layout,
      tracer: p.tracer ?? (p.layout === "function_graph" ? "function_graph" : null),
      cpus: p.cpus ?? (this.recon.cpus.size === 0 ? 0 : Math.max(...this.recon.cpus) + 1),
      lines: this.n,
      markers: this.markers,
      recon: this.recon,
      evidence: this.evidence,
      skipped: { count: unknown, first },
      eventCounts: this.counts,
    };
  }
}

/** A trace held in a string. */
export function readTraceText(text: string): TraceRead {
  const r = new TraceReader();
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const l of lines) r.line(l);
  return r.finish();
}
