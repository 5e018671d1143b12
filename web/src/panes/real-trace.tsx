/**
 * A real trace in the visualizer (read-only): opened with a file picker or dropped on the
 * page, read in the page (nothing leaves the browser), shown in the timeline, task tree and
 * trace panes, with `tasklab explain`'s report beside them.
 */
import { useState } from "preact/hooks";
import { TraceFormatError } from "../../../src/explain/parse.js";
import { openRealTrace, type RealTrace } from "../../../src/web/real-trace.js";
import { Timeline } from "../timeline/timeline.js";
import type { View } from "../timeline/viewport.js";
import { lineAtOrBefore } from "../trace-window.js";
import { TasksPane } from "./tasks-pane.js";
import { TracePane } from "./trace-pane.js";

export interface Opened extends RealTrace {
  name: string;
}

/** Reads a File into a real trace, or the one-line reason it is not one. */
export async function readDroppedTrace(file: File): Promise<Opened | { error: string }> {
  const text = await file.text();
  try {
    return { name: file.name, ...openRealTrace(text, file.name) };
  } catch (e) {
    if (e instanceof TraceFormatError) return { error: `${file.name}: ${e.message}` };
    throw e;
  }
}

/** The file picker. */
export function TraceOpener({ onFile }: { onFile(file: File): void }) {
  return (
    <label class="trace-opener">
      Open a real trace
      <input
        type="file"
        aria-label="Open a trace file"
        accept=".txt,.trace,text/plain"
        onChange={(e) => {
          const f = (e.currentTarget as HTMLInputElement).files?.[0];
          if (f !== undefined) onFile(f);
        }}
      />
    </label>
  );
}

/** `scheme`: the page's colour scheme, for the timeline's canvas. */
export function RealTraceView({ opened, onClose, scheme }: { opened: Opened; onClose(): void; scheme: string }) {
  const { snap, report } = opened;
  const [view, setView] = useState<View | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const focus = view === null ? snap.trace.length - 1 : lineAtOrBefore(snap.traceTimes, (view.t0 + view.t1) / 2);
  return (
    <>
      <p class="status" role="status">
        {opened.name}: a trace read in this page, read-only ({snap.trace.length} events, {snap.tasks.length} tasks at
        its end, read as {snap.spec.era}){" "}
        <button type="button" onClick={onClose}>
          Close the trace
        </button>
      </p>
      <Timeline
        snap={snap}
        view={view}
        onView={setView}
        selected={selected}
        onSeekTime={() => undefined}
        scheme={scheme}
      />
      <main class="panes">
        <TasksPane tasks={snap.tasks} selected={selected} onSelect={setSelected} />
        <section class="pane explanation" aria-labelledby="explanation-title">
          <header class="pane-head">
            <h2 id="explanation-title">Explanation</h2>
          </header>
          <pre class="scroll">{report}</pre>
        </section>
        <TracePane lines={snap.trace} focus={focus} current={snap.trace.length - 1} onPick={() => undefined} />
      </main>
    </>
  );
}
