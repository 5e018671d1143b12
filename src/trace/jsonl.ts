/**
 * `--format jsonl`: the trace as one JSON object per line, oldest first: the record's
 * header (ts in ns, cpu, `task` — the TASK column's name — pid, tgid, irqflags), then its
 * `type` and its fields as typed in events.ts. Modeled function ids become names (`fn`,
 * `parent`: null when there is none), so a line stands on its own.
 */

import { type TraceBuffer, trace_find_cmdline } from "../linux/kernel/trace/buffer.js";
import { functionName } from "../sim/functions.js";

export function formatJsonl(buf: TraceBuffer): string {
  let out = "";
  for (const r of buf.records()) {
    const task = trace_find_cmdline(buf.cmdlines, r.pid);
    // The header's keys first, in one order for every type; then the event's own fields.
    const { ts, cpu, pid, tgid, irqflags, ...event } = r;
    const line: Record<string, unknown> = { ts, cpu, task, pid, tgid, irqflags, ...event };
    if ("fn" in r) line.fn = functionName(r.fn);
    if ("parent" in r) line.parent = r.parent < 0 ? null : functionName(r.parent);
    out += `${JSON.stringify(line)}\n`;
  }
  return out;
}
