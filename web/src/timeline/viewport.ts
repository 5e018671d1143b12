/**
 * The timeline's model: which stretch of virtual time is in view (zoom, pan, fit), the
 * slices of each CPU's lane and which of them are visible (a binary search: the canvas
 * draws only those), the axis ticks. Pure: no DOM.
 */
import type { Marker, Slice, Snapshot, WakeArrow } from "../../../src/web/types.js";

/** A stretch of virtual time [t0, t1] in ns. */
export interface View {
  t0: number;
  t1: number;
}

/** The narrowest view (ns): zooming in stops there. */
export const MIN_SPAN = 200;

/** The whole run so far: from the first thing drawn to the position's time. */
export function fitView(s: Snapshot): View {
  const now = s.position.time;
  const first = Math.min(s.slices[0]?.start ?? now, s.traceTimes[0] ?? now, now);
  const span = Math.max(now - first, 10 * MIN_SPAN);
  return { t0: first - span * 0.02, t1: first + span * 1.04 };
}

/** Zoomed by `factor` (<1: in) around time `at`, which stays where it is on screen. */
export function zoomView(v: View, at: number, factor: number): View {
  const span = Math.max((v.t1 - v.t0) * factor, MIN_SPAN);
  const f = (at - v.t0) / (v.t1 - v.t0);
  return { t0: at - f * span, t1: at + (1 - f) * span };
}

/** A view kept within `bounds` (the whole run): no wider than it, shifted back inside it. */
export function clampView(v: View, bounds: View): View {
  const span = v.t1 - v.t0;
  if (span >= bounds.t1 - bounds.t0) return bounds;
  if (v.t0 < bounds.t0) return { t0: bounds.t0, t1: bounds.t0 + span };
  if (v.t1 > bounds.t1) return { t0: bounds.t1 - span, t1: bounds.t1 };
  return v;
}

export function panView(v: View, dt: number): View {
  return { t0: v.t0 + dt, t1: v.t1 + dt };
}

export function xOf(v: View, t: number, width: number): number {
  return ((t - v.t0) / (v.t1 - v.t0)) * width;
}

export function timeOf(v: View, x: number, width: number): number {
  return v.t0 + (x / width) * (v.t1 - v.t0);
}

/** The slices of each CPU, in time order (a CPU's slices do not overlap). */
export function lanes(slices: readonly Slice[], cpus: number): Slice[][] {
  const out: Slice[][] = Array.from({ length: cpus }, () => []);
  for (const s of slices) out[s.cpu]?.push(s);
  for (const lane of out) lane.sort((a, b) => a.start - b.start);
  return out;
}

/**
 * The items of a list sorted by time that overlap the view, found by binary search, not by a
 * scan: from the first whose `end` reaches the view's start, while their `start` is inside it.
 */
function inView<T>(items: readonly T[], end: (x: T) => number, start: (x: T) => number, v: View): T[] {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (end(items[mid] as T) < v.t0) lo = mid + 1;
    else hi = mid;
  }
  const out: T[] = [];
  for (let i = lo; i < items.length && start(items[i] as T) <= v.t1; i++) out.push(items[i] as T);
  return out;
}

/** The slices of a lane that overlap the view. */
export function visibleSlices(lane: readonly Slice[], v: View): Slice[] {
  return inView(
    lane,
    (s) => s.end,
    (s) => s.start,
    v,
  );
}

/** The markers (in time order) inside the view. */
export function visibleMarkers(markers: readonly Marker[], v: View): Marker[] {
  const time = (m: Marker) => m.time;
  return inView(markers, time, time, v);
}

/** The arrows (wakeups, creations) that cross the view. */
export function visibleArrows<A extends WakeArrow>(arrows: readonly A[], v: View): A[] {
  return arrows.filter((a) => a.to.time >= v.t0 && a.from.time <= v.t1);
}

/** The slice of a lane running at time `t` (the latest one starting at or before it). */
export function sliceAt(lane: readonly Slice[], t: number): Slice | undefined {
  for (let i = lane.length - 1; i >= 0; i--) {
    const s = lane[i] as Slice;
    if (s.start <= t) return s.end >= t ? s : undefined;
  }
  return undefined;
}

/** Round tick times for an axis of about `count` ticks over the view, and their step. */
export function ticks(v: View, count: number): { step: number; times: number[] } {
  const raw = (v.t1 - v.t0) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const times: number[] = [];
  for (let t = Math.ceil(v.t0 / step) * step; t <= v.t1; t += step) times.push(t);
  return { step, times };
}

/** Virtual time for people: "2.803 ms", "74.015 ms", "1.2 µs". */
export function formatTime(ns: number, step = 1000): string {
  const decimals = (unit: number) => Math.max(0, Math.min(6, Math.ceil(Math.log10(unit / step))));
  if (Math.abs(ns) >= 1e9) return `${(ns / 1e9).toFixed(decimals(1e9))} s`;
  if (Math.abs(ns) >= 1e6) return `${(ns / 1e6).toFixed(decimals(1e6))} ms`;
  if (Math.abs(ns) >= 1e3) return `${(ns / 1e3).toFixed(decimals(1e3))} µs`;
  return `${Math.round(ns)} ns`;
}

/** Time as ftrace prints it: seconds with 6 decimals. */
export function ftraceTime(ns: number): string {
  return (ns / 1e9).toFixed(6);
}

/**
 * Where the run is busy: the trace's events in bursts (split where nothing happens for 5%
 * of the run), and the view of the burst with the most events (the first of equals),
 * with a margin; the whole run when there is no trace.
 */
export function activityView(times: readonly number[], whole: View): View {
  if (times.length === 0) return whole;
  const gap = (whole.t1 - whole.t0) * 0.05;
  let best = { from: 0, to: 0 };
  let from = 0;
  for (let i = 1; i <= times.length; i++) {
    if (i < times.length && (times[i] as number) - (times[i - 1] as number) <= gap) continue;
    if (i - 1 - from > best.to - best.from) best = { from, to: i - 1 };
    from = i;
  }
  const t0 = times[best.from] as number;
  const t1 = times[best.to] as number;
  const margin = Math.max((t1 - t0) * 0.08, MIN_SPAN * 5);
  return clampView({ t0: t0 - margin, t1: t1 + margin }, whole);
}

export const AXIS_HEIGHT = 20;

/** A lane's height and the gap between lanes, by CPU count: roomy for a few, dense for hundreds. */
export function laneSize(cpus: number): { lane: number; gap: number } {
  if (cpus <= 8) return { lane: 24, gap: 6 };
  if (cpus <= 32) return { lane: 16, gap: 3 };
  if (cpus <= 128) return { lane: 10, gap: 2 };
  return { lane: 5, gap: 1 };
}

/** The height of every lane and the axis. */
export function contentHeight(cpus: number): number {
  const { lane, gap } = laneSize(cpus);
  return AXIS_HEIGHT + cpus * (lane + gap) + gap;
}
