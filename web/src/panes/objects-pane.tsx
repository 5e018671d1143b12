/**
 * The kernel objects pane: kthread_create_list's requests (each one's done token and
 * owner), the completions tasks wait on, the run queues, the live slab objects; the
 * detectors' reports (findings, in red) and, apart from them, the console (printk: output,
 * not a finding). A row that appeared or changed since the last position flashes.
 */
import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";
import type { Snapshot } from "../../../src/web/types.js";
import { newKeys, rowKey } from "../changes.js";
import { ScrollBox } from "./scroll-box.js";

/** The rows new at this snapshot (worked out once per snapshot, whatever else re-renders). */
function useFresh(snap: Snapshot, keys: string[]): Set<string> {
  const memo = useRef<{ snap: Snapshot | null; keys: string[]; fresh: Set<string> }>({
    snap: null,
    keys: [],
    fresh: new Set(),
  });
  const m = memo.current;
  if (m.snap !== snap) memo.current = { snap, keys, fresh: newKeys(m.snap === null ? null : m.keys, keys) };
  return memo.current.fresh;
}

function Section({
  title,
  count,
  children,
  kind,
}: {
  title: string;
  count: number;
  children: ComponentChildren;
  kind?: string;
}) {
  const id = `objects-${title.replace(/\W+/g, "-")}`;
  return (
    <section class={kind === undefined ? "objects-section" : `objects-section ${kind}`} aria-labelledby={id}>
      <h3 id={id}>
        {title} <span class="muted">{count}</span>
      </h3>
      {count === 0 ? <p class="muted">(empty)</p> : children}
    </section>
  );
}

/** A cell: its text, and optionally a tooltip. */
type Cell = string | number | { text: string; title: string };

/** One section's table: a row per object, keyed by its content (a changed row is new, so it flashes). */
function ObjectTable(p: { label: string; head: string[]; rows: Cell[][]; keys: string[]; fresh: Set<string> }) {
  return (
    <table aria-label={p.label}>
      <thead>
        <tr>
          {p.head.map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {p.rows.map((cells, i) => {
          const key = p.keys[i] as string;
          return (
            <tr key={`${i}:${key}`} class={p.fresh.has(key) ? "fresh" : undefined}>
              {cells.map((c, j) =>
                typeof c === "object" ? (
                  <td key={j} title={c.title}>
                    {c.text}
                  </td>
                ) : (
                  <td key={j}>{c}</td>
                ),
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function ObjectsPane({ snap }: { snap: Snapshot }) {
  const rows = {
    requests: snap.requests.map(rowKey),
    completions: snap.completions.map(rowKey),
    runqueues: snap.runqueues.map(rowKey),
    slab: snap.slab.map(rowKey),
  };
  const fresh = useFresh(snap, [...rows.requests, ...rows.completions, ...rows.runqueues, ...rows.slab]);
  return (
    <section class="pane objects" aria-labelledby="objects-title">
      <header class="pane-head">
        <h2 id="objects-title">Kernel objects</h2>
      </header>
      <ScrollBox class="scroll" label="Kernel objects, by kind">
        {snap.reports.length > 0 && (
          <Section title="Reports" count={snap.reports.length} kind="findings">
            <pre class="reports" role="log" aria-label="Reports">
              {snap.reports.join("\n")}
            </pre>
          </Section>
        )}
        {snap.console.length > 0 && (
          <Section title="Console" count={snap.console.length}>
            <pre class="console" role="log" aria-label="Console">
              {snap.console.join("\n")}
            </pre>
          </Section>
        )}
        <Section title="kthread_create_list" count={snap.requests.length}>
          <ObjectTable
            label="kthread_create_list requests"
            head={["name", "done", "owner", "queued"]}
            rows={snap.requests.map((r) => [r.name, r.done, r.owner, r.queued ? "yes" : "no"])}
            keys={rows.requests}
            fresh={fresh}
          />
        </Section>
        <Section title="Completions" count={snap.completions.length}>
          <ObjectTable
            label="Completions"
            head={["completion", "done", "waiters"]}
            rows={snap.completions.map((c) => [c.what, c.done, c.waiters.join(", ")])}
            keys={rows.completions}
            fresh={fresh}
          />
        </Section>
        <Section title="Run queues" count={snap.runqueues.length}>
          <ObjectTable
            label="Run queues"
            head={["CPU", "curr", "queued"]}
            rows={snap.runqueues.map((q) => [`${q.cpu}${q.online ? "" : " (offline)"}`, q.curr, q.queued.join(", ")])}
            keys={rows.runqueues}
            fresh={fresh}
          />
        </Section>
        <Section title="Slab objects" count={snap.slab.length}>
          <ObjectTable
            label="Live slab objects"
            head={["id", "type", "size", "allocated in", "by"]}
            rows={snap.slab.map((o) => [o.id, { text: o.type, title: o.cache }, o.size, o.site, o.task])}
            keys={rows.slab}
            fresh={fresh}
          />
        </Section>
      </ScrollBox>
    </section>
  );
}
