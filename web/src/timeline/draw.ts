/**
 * Drawing the timeline on a canvas: an axis, one lane per CPU with the slices in view
 * (a slice narrower than a pixel is drawn once per pixel column), tracepoint markers, the
 * wakeup arrows, the parent→child creation arrows and the position's time. The canvas is
 * the visible part of a taller list of lanes: the axis stays on top, the lanes scroll under
 * it. Lanes get thinner as CPUs get more numerous (a density mode), and the colours are
 * the page's theme (CSS custom properties).
 */
import type { CreateArrow, Marker, Slice, WakeArrow } from "../../../src/web/types.js";
import { eventColor, taskColor } from "../colors.js";
import {
  AXIS_HEIGHT,
  formatTime,
  laneSize,
  ticks,
  type View,
  visibleArrows,
  visibleMarkers,
  visibleSlices,
  xOf,
} from "./viewport.js";

export const LABEL_WIDTH = 64;
/** The colours, from the page's theme. */
export interface Theme {
  text: string;
  muted: string;
  grid: string;
  now: string;
  arrow: string;
  create: string;
  selected: string;
  bg: string;
}

export function readTheme(el: Element): Theme {
  const css = getComputedStyle(el);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    text: v("--text"),
    muted: v("--text-2"),
    grid: v("--grid"),
    now: v("--now"),
    arrow: v("--arrow"),
    create: v("--create"),
    selected: v("--text"),
    bg: v("--surface"),
  };
}

export interface TimelineData {
  lanes: Slice[][];
  markers: readonly Marker[];
  wakeups: readonly WakeArrow[];
  creations: readonly CreateArrow[];
  now: number;
  selected: number | null;
  /** A live task's name as ps shows it, by pid (the slices carry the trace's 15-character comm). */
  names: ReadonlyMap<number, string>;
}

/** Where the canvas is in the list of lanes: scrolled down `top` px, `height` px tall. */
export interface Window {
  top: number;
  height: number;
}

export function drawTimeline(
  ctx: CanvasRenderingContext2D,
  width: number,
  d: TimelineData,
  v: View,
  w: Window,
  theme: Theme,
): void {
  const cpus = d.lanes.length;
  const { lane: laneH, gap } = laneSize(cpus);
  const laneTop = (cpu: number) => AXIS_HEIGHT + gap + cpu * (laneH + gap) - w.top;
  const mid = (cpu: number) => laneTop(cpu) + laneH / 2;
  const plot = width - LABEL_WIDTH;
  const x = (t: number) => LABEL_WIDTH + xOf(v, t, plot);
  ctx.clearRect(0, 0, width, w.height);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";

  // The lanes in the window only.
  const first = Math.max(0, Math.floor((w.top - gap) / (laneH + gap)));
  const last = Math.min(cpus, Math.ceil((w.top + w.height) / (laneH + gap)));
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, AXIS_HEIGHT, width, w.height - AXIS_HEIGHT);
  ctx.clip();
  const tk = axisTicks(v, x, plot);
  drawGrid(ctx, w.height, tk, theme);
  if (laneH >= 9) {
    ctx.fillStyle = theme.muted;
    for (let cpu = first; cpu < last; cpu++) ctx.fillText(`CPU ${cpu}`, 8, mid(cpu));
  } else {
    // Too thin for a label each: every 16th lane.
    ctx.fillStyle = theme.muted;
    for (let cpu = first; cpu < last; cpu++) if (cpu % 16 === 0) ctx.fillText(`CPU ${cpu}`, 8, mid(cpu));
  }
  ctx.beginPath();
  ctx.rect(LABEL_WIDTH, AXIS_HEIGHT, plot, w.height - AXIS_HEIGHT);
  ctx.clip();
  for (let cpu = first; cpu < last; cpu++)
    drawLane(ctx, laneTop(cpu), laneH, visibleSlices(d.lanes[cpu] ?? [], v), x, d, theme);
  for (const m of visibleMarkers(d.markers, v)) {
    if (m.cpu < first || m.cpu >= last) continue;
    const mx = x(m.time);
    const top = laneTop(m.cpu);
    const size = Math.min(3, gap + 1);
    ctx.fillStyle = eventColor(m.event);
    ctx.beginPath();
    ctx.moveTo(mx - size, top - size - 1);
    ctx.lineTo(mx + size, top - size - 1);
    ctx.lineTo(mx, top);
    ctx.fill();
  }
  for (const a of visibleArrows(d.wakeups, v))
    drawArrow(ctx, x(a.from.time), mid(a.from.cpu), x(a.to.time), mid(a.to.cpu), theme.arrow, 1);
  for (const a of visibleArrows(d.creations, v)) {
    const x0 = x(a.from.time);
    const x1 = x(a.to.time);
    drawArrow(ctx, x0, mid(a.from.cpu), x1, mid(a.to.cpu), theme.create, 1.5);
    const label = `→ ${d.names.get(a.pid) ?? a.comm}/${a.pid}`;
    if (Math.abs(x1 - x0) > ctx.measureText(label).width + 12 || laneH >= 16) {
      ctx.fillStyle = theme.create;
      ctx.fillText(label, x0 + 4, mid(a.from.cpu) - laneH / 2 - 1);
    }
  }
  ctx.strokeStyle = theme.now;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x(d.now), AXIS_HEIGHT);
  ctx.lineTo(x(d.now), w.height);
  ctx.stroke();
  ctx.restore();
  drawAxis(ctx, width, tk, theme);
}

/** The axis's round tick times, each with its x, and their step. */
interface Ticks {
  step: number;
  at: { t: number; x: number }[];
}

function axisTicks(v: View, x: (t: number) => number, plot: number): Ticks {
  const { step, times } = ticks(v, Math.max(2, Math.floor(plot / 110)));
  return { step, at: times.map((t) => ({ t, x: Math.round(x(t)) + 0.5 })) };
}

function drawGrid(ctx: CanvasRenderingContext2D, height: number, tk: Ticks, theme: Theme): void {
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  for (const { x } of tk.at) {
    ctx.beginPath();
    ctx.moveTo(x, AXIS_HEIGHT);
    ctx.lineTo(x, height);
    ctx.stroke();
  }
}

function drawAxis(ctx: CanvasRenderingContext2D, width: number, tk: Ticks, theme: Theme): void {
  ctx.fillStyle = theme.bg;
  ctx.fillRect(0, 0, width, AXIS_HEIGHT);
  ctx.strokeStyle = theme.grid;
  ctx.beginPath();
  ctx.moveTo(0, AXIS_HEIGHT - 0.5);
  ctx.lineTo(width, AXIS_HEIGHT - 0.5);
  ctx.stroke();
  ctx.fillStyle = theme.muted;
  for (const { t, x } of tk.at) {
    if (x < LABEL_WIDTH) continue;
    ctx.fillRect(x, AXIS_HEIGHT - 5, 1, 5);
    ctx.fillText(formatTime(t, tk.step), x + 3, AXIS_HEIGHT / 2);
  }
}

function drawLane(
  ctx: CanvasRenderingContext2D,
  top: number,
  laneH: number,
  slices: readonly Slice[],
  x: (t: number) => number,
  d: TimelineData,
  theme: Theme,
): void {
  let lastColumn = -1;
  for (const s of slices) {
    const x0 = x(s.start);
    const x1 = Math.max(x(s.end), x0 + 1);
    if (x1 - x0 < 2) {
      // Thousands of slices in a few pixels: one mark per pixel column.
      if (Math.floor(x0) === lastColumn) continue;
      lastColumn = Math.floor(x0);
    }
    const idle = s.pid === 0;
    ctx.fillStyle = taskColor(s.pid);
    if (idle) ctx.fillRect(x0, top + laneH / 2 - 1, x1 - x0, 2);
    else ctx.fillRect(x0, top, x1 - x0, laneH);
    if (s.pid === d.selected && !idle) {
      ctx.strokeStyle = theme.selected;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + 1, top + 1, x1 - x0 - 2, laneH - 2);
    }
    if (idle || laneH < 14) continue;
    const label = `${d.names.get(s.pid) ?? s.comm}/${s.pid}`;
    if (x1 - x0 > ctx.measureText(label).width + 8) {
      ctx.fillStyle = "#111";
      ctx.fillText(label, Math.max(x0, LABEL_WIDTH) + 4, top + laneH / 2);
    }
  }
}

function drawArrow(
  ctx: CanvasRenderingContext2D,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: string,
  width: number,
): void {
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  const bend = Math.max(12, Math.abs(x1 - x0) / 3);
  ctx.bezierCurveTo(x0 + bend, y0, x1 - bend, y1, x1, y1);
  ctx.stroke();
  const angle = Math.atan2(y1 - y0, bend);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - 6 * Math.cos(angle - 0.4), y1 - 6 * Math.sin(angle - 0.4));
  ctx.lineTo(x1 - 6 * Math.cos(angle + 0.4), y1 - 6 * Math.sin(angle + 0.4));
  ctx.fill();
}
