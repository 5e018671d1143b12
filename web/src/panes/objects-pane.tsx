/**
 * The kernel objects pane: kthread_create_list's requests (each one's done token and
 * owner), the completions tasks wait on, the run queues, the live slab objects and the
 * reports. A row that appeared or changed since the last position flashes.
 */
import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";
import type { Snapshot } from "../../../src/web/types.js";
import { newKeys, rowKey } from "../changes.js";

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

function Section({ title, count, children }: { title: string; count: number; children: ComponentChildren }) {
  const id = `objects-${title.replace(/\W+/g, "-")}`;
  return (
    <section class="objects-section" aria-labelledby={id}>
      <h3 id={id}>
        {title} <span class="muted">{count}</span>
      </h3>
      {count === 0 ? <p class="muted">(empty)</p> : children}
    </section>
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
  const flash = (key: string | undefined) => (key !== undefined && fresh.has(key) ? "fresh" : undefined);
  // Keyed by content: a row that changes is a new element, so its flash starts again.
  return (
    <section class="pane objects" aria-labelledby="objects-title">
      <header class="pane-head">
        <h2 id="objects-title">Kernel objects</h2>
      </header>
      <div class="scroll">
        {snap.reports.length > 0 && (
          <Section title="Reports" count={snap.reports.length}>
            <pre class="reports" role="log" aria-label="Reports">
              {snap.reports.join("\n")}
            </pre>
          </Section>
        )}
        <Section title="kthread_create_list" count={snap.requests.length}>
          <table aria-label="kthread_create_list requests">
            <thead>
              <tr>
                <th>name</th>
                <th>done</th>
                <th>owner</th>
                <th>queued</th>
              </tr>
            </thead>
            <tbody>
              {snap.requests.map((r, i) => (
                <tr key={`${i}:${rows.requests[i]}`} class={flash(rows.requests[i])}>
                  <td>{r.name}</td>
                  <td>{r.done}</td>
                  <td>{r.owner}</td>
                  <td>{r.queued ? "yes" : "no"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
        <Section title="Completions" count={snap.completions.length}>
          <table aria-label="Completions">
            <thead>
              <tr>
                <th>completion</th>
                <th>done</th>
                <th>waiters</th>
              </tr>
            </thead>
            <tbody>
              {snap.completions.map((c, i) => (
                <tr key={`${i}:${rows.completions[i]}`} class={flash(rows.completions[i])}>
                  <td>{c.what}</td>
                  <td>{c.done}</td>
                  <td>{c.waiters.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
        <Section title="Run queues" count={snap.runqueues.length}>
          <table aria-label="Run queues">
            <thead>
              <tr>
                <th>CPU</th>
                <th>curr</th>
                <th>queued</th>
              </tr>
            </thead>
            <tbody>
              {snap.runqueues.map((q, i) => (
                <tr key={`${i}:${rows.runqueues[i]}`} class={flash(rows.runqueues[i])}>
                  <td>
                    {q.cpu}
                    {q.online ? "" : " (offline)"}
                  </td>
                  <td>{q.curr}</td>
                  <td>{q.queued.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
        <Section title="Slab objects" count={snap.slab.length}>
          <table aria-label="Live slab objects">
            <thead>
              <tr>
                <th>id</th>
                <th>type</th>
                <th>size</th>
                <th>allocated in</th>
                <th>by</th>
              </tr>
            </thead>
            <tbody>
              {snap.slab.map((o, i) => (
                <tr key={`${i}:${rows.slab[i]}`} class={flash(rows.slab[i])}>
                  <td>{o.id}</td>
                  <td title={o.cache}>{o.type}</td>
                  <td>{o.size}</td>
                  <td>{o.site}</td>
                  <td>{o.task}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      </div>
    </section>
  );
}
