/**
 * `tasklab explain --format perfetto`: a real trace as Chrome JSON (src/trace/perfetto.ts's
 * event shape and CPU-track process): a track per CPU with the tasks that ran there (from
 * sched_switch), a track per task (in its thread group's process) holding its life from
 * creation (or the trace's start) to exit, with instants for its creation, execs, exit and
 * the kthread protocol's steps, and a flow arrow from each parent to each child it created.
 */
import { type ChromeEvent, CPUS_PID, cpuSlice, us } from "../trace/perfetto.js";
import { type Explanation, flagNames } from "./explain.js";

export function formatExplainPerfetto(x: Explanation): string {
  const r = x.read.recon;
  const start = r.first ?? 0;
  const end = r.last ?? start;
  const events: ChromeEvent[] = [];
  const meta: ChromeEvent[] = [{ name: "process_name", ph: "M", pid: CPUS_PID, tid: 0, args: { name: "CPUs" } }];
  for (const cpu of [...r.cpus].sort((a, b) => a - b))
    meta.push({ name: "thread_name", ph: "M", pid: CPUS_PID, tid: cpu, args: { name: `CPU ${cpu}` } });

  // CPU tracks: who ran from one sched_switch to the next.
  const running = new Map<number, { pid: number; since: number }>();
  const close = (cpu: number, at: number) => {
    const run = running.get(cpu);
    if (run !== undefined) events.push(cpuSlice(r.get(run.pid)?.comm ?? "?", run.pid, cpu, run.since, at));
  };
  for (const s of r.switches) {
    if (s.ts === null) continue;
    close(s.cpu, s.ts);
    running.set(s.cpu, { pid: s.next, since: s.ts });
  }
  for (const cpu of running.keys()) close(cpu, end);

  // Task tracks: the task's life, its instants, and the flows from its parent.
  const named = new Set<number>();
  let flow = 1;
  const tracked = r.tasks.filter(
    (t) => t.pid !== 0 && (t.creation !== null || r.tasks.some((c) => c.creation?.parent === t.pid)),
  );
  for (const t of tracked) {
    const pid = t.tgid;
    const from = t.creation?.ts ?? start;
    const to = t.exit?.ts ?? end;
    if (!named.has(pid)) {
      named.add(pid);
      meta.push({ name: "process_name", ph: "M", pid, tid: pid, args: { name: `${(r.get(pid) ?? t).comm} ${pid}` } });
    }
    meta.push({ name: "thread_name", ph: "M", pid, tid: t.pid, args: { name: `${t.comm} ${t.pid}` } });
    events.push({
      name: t.comm,
      ph: "X",
      ts: us(from),
      dur: us(Math.max(0, to - from)),
      pid,
      tid: t.pid,
      cat: "task",
      args: { names: t.names },
    });
    const instant = (name: string, ts: number | null, args: Record<string, unknown>) => {
      if (ts !== null) events.push({ name, ph: "i", s: "t", ts: us(ts), pid, tid: t.pid, cat: "task", args });
    };
    const c = t.creation;
    if (c !== null) {
      instant(`created (${c.kind})`, c.ts, {
        parent: c.parent,
        cpu: c.cpu,
        clone_flags: flagNames(t, x.era)?.join("|") ?? null,
      });
      const parent = r.creatorOf(t);
      if (parent !== undefined && c.ts !== null) {
        const id = flow++;
        events.push({ name: c.kind, ph: "s", ts: us(c.ts), pid: parent.tgid, tid: parent.pid, cat: "creation", id });
        events.push({ name: c.kind, ph: "f", ts: us(c.ts), pid, tid: t.pid, cat: "creation", id });
      }
    }
    for (const e of t.execs) instant("exec", e.ts, { filename: e.filename });
    if (t.exit !== null) instant("exit", t.exit.ts, { group_dead: t.exit.group_dead });
  }
  for (const p of x.protocols)
    for (const s of p.steps)
      if (s.at?.ts != null && s.pid !== null) {
        const t = r.get(s.pid);
        events.push({
          name: s.what,
          ph: "i",
          s: "t",
          ts: us(s.at.ts),
          pid: t?.tgid ?? s.pid,
          tid: s.pid,
          cat: "kthread protocol",
          args: { fn: s.fn, child: p.child.pid },
        });
      }
  return `${JSON.stringify({ displayTimeUnit: "ns", traceEvents: [...meta, ...events] })}\n`;
}
