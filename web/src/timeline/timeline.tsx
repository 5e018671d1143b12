/**
 * The timeline pane: the canvas (zoom with the wheel, pan by dragging, a click moves the run
 * to that instant) over a box of lanes of bounded height that scrolls whatever the CPU
 * count, and, for screen readers and tests, each lane's visible slices as a list.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Snapshot } from "../../../src/web/types.js";
import { drawTimeline, LABEL_WIDTH, readTheme } from "./draw.js";
import {
  activityView,
  clampView,
  contentHeight,
  fitView,
  formatTime,
  ftraceTime,
  lanes,
  panView,
  sliceAt,
  timeOf,
  type View,
  visibleSlices,
  zoomView,
} from "./viewport.js";

/** At most about this many slices in the accessible lists, all lanes together (the latest ones in view). */
const LISTED = 2000;

interface Props {
  snap: Snapshot;
  /** The view chosen by zooming, panning or Fit; null follows the run (shows it all). */
  view: View | null;
  onView(v: View | null): void;
  selected: number | null;
  onSeekTime(t: number): void;
  /** Bumped when the colour scheme changes (the canvas redraws in the new colours). */
  scheme: string;
}

/** The view "Fit" shows: where the run is busy. */
export function fitActivity(snap: Snapshot): View | null {
  const whole = fitView(snap);
  const v = activityView(snap.traceTimes, whole);
  return v === whole ? null : v;
}

export function Timeline({ snap, view, onView, selected, onSeekTime, scheme }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ width: 800, height: 120, top: 0 });
  const cpus = snap.runqueues.length;
  const byCpu = useMemo(() => lanes(snap.slices, cpus), [snap.slices, cpus]);
  const names = useMemo(() => new Map(snap.tasks.map((t) => [t.pid, t.name])), [snap.tasks]);
  const whole = fitView(snap);
  const v = view === null ? whole : clampView(view, whole);
  /** Zooming and panning stay within the run; zoomed out to all of it, the view follows the run again. */
  const show = (next: View) => {
    const c = clampView(next, whole);
    onView(c === whole ? null : c);
  };
  const total = contentHeight(cpus);
  const { width } = size;

  useEffect(() => {
    const el = box.current as HTMLDivElement;
    const measure = () =>
      setSize({ width: Math.max(200, el.clientWidth), height: Math.max(40, el.clientHeight), top: el.scrollTop });
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    el.addEventListener("scroll", measure, { passive: true });
    return () => {
      ro.disconnect();
      el.removeEventListener("scroll", measure);
    };
  }, []);

  useEffect(() => {
    const c = canvas.current as HTMLCanvasElement;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(size.height * dpr);
    const ctx = c.getContext("2d") as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const data = {
      lanes: byCpu,
      markers: snap.markers,
      wakeups: snap.wakeups,
      creations: snap.creations,
      now: snap.position.time,
      selected,
      names,
    };
    drawTimeline(ctx, width, data, v, size, readTheme(c));
  });

  // The wheel zooms around the pointer (a non-passive listener, to keep the page from scrolling);
  // with Shift it scrolls the lanes.
  const latest = useRef({ v, show });
  latest.current = { v, show };
  useEffect(() => {
    const c = canvas.current as HTMLCanvasElement;
    const wheel = (e: WheelEvent) => {
      if (e.shiftKey) return;
      e.preventDefault();
      const x = e.offsetX - LABEL_WIDTH;
      const { v: cur, show: to } = latest.current;
      to(zoomView(cur, timeOf(cur, x, c.clientWidth - LABEL_WIDTH), Math.exp(e.deltaY * 0.002)));
    };
    c.addEventListener("wheel", wheel, { passive: false });
    return () => c.removeEventListener("wheel", wheel);
  }, []);

  const drag = useRef<{ x: number; view: View; moved: boolean } | null>(null);
  const plot = width - LABEL_WIDTH;
  const onPointerDown = (e: PointerEvent) => {
    (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
    drag.current = { x: e.offsetX, view: v, moved: false };
  };
  const onPointerMove = (e: PointerEvent) => {
    const d = drag.current;
    if (d === null || (!d.moved && Math.abs(e.offsetX - d.x) < 4)) return;
    d.moved = true;
    show(panView(d.view, ((d.x - e.offsetX) / plot) * (d.view.t1 - d.view.t0)));
  };
  const onPointerUp = (e: PointerEvent) => {
    const d = drag.current;
    drag.current = null;
    if (d !== null && !d.moved && e.offsetX > LABEL_WIDTH) onSeekTime(timeOf(v, e.offsetX - LABEL_WIDTH, plot));
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const span = v.t1 - v.t0;
    const mid = (v.t0 + v.t1) / 2;
    const next: Record<string, () => View> = {
      ArrowLeft: () => panView(v, -span / 10),
      ArrowRight: () => panView(v, span / 10),
      "+": () => zoomView(v, mid, 0.8),
      "=": () => zoomView(v, mid, 0.8),
      "-": () => zoomView(v, mid, 1.25),
    };
    const f = next[e.key];
    if (f === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    show(f());
  };
  const mid = (v.t0 + v.t1) / 2;
  const listed = Math.max(3, Math.floor(LISTED / Math.max(1, cpus)));

  return (
    <section class="pane timeline" aria-labelledby="timeline-title" data-scheme={scheme}>
      <header class="pane-head">
        <h2 id="timeline-title">Timeline</h2>
        <span class="muted range">
          {formatTime(v.t0)} – {formatTime(v.t1)}
        </span>
        <span class="legend-note muted">
          <span class="key-arrow wake" aria-hidden="true" /> wakeup <span class="key-arrow create" aria-hidden="true" />{" "}
          fork → first run
        </span>
        <button type="button" aria-label="Zoom in" onClick={() => show(zoomView(v, mid, 0.5))}>
          +
        </button>
        <button type="button" aria-label="Zoom out" onClick={() => show(zoomView(v, mid, 2))}>
          −
        </button>
        <button
          type="button"
          aria-label="Fit the timeline to the activity"
          title="Zoom to where the run is busy (f)"
          aria-keyshortcuts="f"
          onClick={() => onView(fitActivity(snap))}
        >
          Fit
        </button>
        <button
          type="button"
          aria-label="All of the run"
          title="The whole run so far, following it (a)"
          aria-keyshortcuts="a"
          aria-pressed={view === null}
          onClick={() => onView(null)}
        >
          All
        </button>
      </header>
      <div class="lanes-box" ref={box} style={{ height: `${total}px` }}>
        <canvas
          ref={canvas}
          style={{ width: `${width}px`, height: `${size.height}px` }}
          role="img"
          tabIndex={0}
          aria-label={`Timeline of ${cpus} CPUs from ${formatTime(v.t0)} to ${formatTime(v.t1)}: wheel or +/- zooms, drag or arrow keys pan, a click goes to that instant`}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onKeyDown={onKeyDown}
        />
        <div style={{ height: `${Math.max(0, total - size.height)}px` }} />
      </div>
      <div class="sr-only">
        {byCpu.map((lane, cpu) => {
          const now = sliceAt(lane, snap.position.time);
          const shown = visibleSlices(lane, v).slice(-listed);
          return (
            <ul
              key={cpu}
              class="lane"
              aria-label={`CPU ${cpu} lane`}
              data-cpu={cpu}
              data-running={now === undefined ? "" : `${now.comm}/${now.pid}`}
            >
              {shown.map((s) => (
                <li key={s.start}>
                  {s.comm}/{s.pid} from {ftraceTime(s.start)} to {ftraceTime(s.end)}
                </li>
              ))}
            </ul>
          );
        })}
      </div>
    </section>
  );
}
