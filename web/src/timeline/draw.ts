/**
 * Drawing the timeline on a canvas: an axis, one lane per CPU with the slices in view
 * (a slice narrower than a pixel is drawn once per pixel column), tracepoint markers, the
 * wakeup arrows and the position's time.
 */
import type { Marker, Slice, WakeArrow } from "../../../src/web/types.js";
import { eventColor, taskColor } from "../colors.js";
import { formatTime, ticks, type View, visibleArrows, visibleMarkers, visibleSlices, xOf } from "./viewport.js";

export const LABEL_WIDTH = 64;
const AXIS_HEIGHT = 20;
const LANE_HEIGHT = 26;
const LANE_GAP = 6;

export function canvasHeight(cpus: number): number {
  return AXIS_HEIGHT + cpus * (LANE_HEIGHT + LANE_GAP) + LANE_GAP;
}

/** The top of CPU `cpu`'s lane. */
function laneTop(cpu: number): number {
  return AXIS_HEIGHT + LANE_GAP + cpu * (LANE_HEIGHT + LANE_GAP);
}

export interface TimelineData {
  lanes: Slice[][];
  markers: readonly Marker[];
  wakeups: readonly WakeArrow[];
  now: number;
  selected: number | null;
}

export function drawTimeline(ctx: CanvasRenderingContext2D, width: number, d: TimelineData, v: View): void {
  const height = canvasHeight(d.lanes.length);
  const plot = width - LABEL_WIDTH;
  const x = (t: number) => LABEL_WIDTH + xOf(v, t, plot);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";

  drawAxis(ctx, width, height, v, x);
  for (let cpu = 0; cpu < d.lanes.length; cpu++) {
    ctx.fillStyle = "#333";
    ctx.fillText(`CPU ${cpu}`, 8, laneTop(cpu) + LANE_HEIGHT / 2);
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(LABEL_WIDTH, 0, plot, height);
  ctx.clip();
  for (const [cpu, lane] of d.lanes.entries()) drawLane(ctx, laneTop(cpu), visibleSlices(lane, v), x, d.selected);
  for (const m of visibleMarkers(d.markers, v)) {
    const mx = x(m.time);
    const top = laneTop(m.cpu);
    ctx.fillStyle = eventColor(m.event);
    ctx.beginPath();
    ctx.moveTo(mx - 3, top - 5);
    ctx.lineTo(mx + 3, top - 5);
    ctx.lineTo(mx, top);
    ctx.fill();
  }
  for (const a of visibleArrows(d.wakeups, v))
    drawArrow(ctx, x(a.from.time), mid(a.from.cpu), x(a.to.time), mid(a.to.cpu));
  ctx.strokeStyle = "#d22";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x(d.now), AXIS_HEIGHT);
  ctx.lineTo(x(d.now), height);
  ctx.stroke();
  ctx.restore();
}

const mid = (cpu: number) => laneTop(cpu) + LANE_HEIGHT / 2;

function drawAxis(ctx: CanvasRenderingContext2D, width: number, height: number, v: View, x: (t: number) => number) {
  const plot = width - LABEL_WIDTH;
  const { step, times } = ticks(v, Math.max(2, Math.floor(plot / 110)));
  ctx.strokeStyle = "#e4e4e4";
  ctx.lineWidth = 1;
  for (const t of times) {
    const tx = Math.round(x(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(tx, AXIS_HEIGHT - 4);
    ctx.lineTo(tx, height);
    ctx.stroke();
    ctx.fillStyle = "#666";
    ctx.fillText(formatTime(t, step), tx + 3, AXIS_HEIGHT / 2);
  }
}

function drawLane(
  ctx: CanvasRenderingContext2D,
  top: number,
  slices: readonly Slice[],
  x: (t: number) => number,
  selected: number | null,
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
    if (idle) ctx.fillRect(x0, top + LANE_HEIGHT / 2 - 2, x1 - x0, 4);
    else ctx.fillRect(x0, top, x1 - x0, LANE_HEIGHT);
    if (s.pid === selected && !idle) {
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + 1, top + 1, x1 - x0 - 2, LANE_HEIGHT - 2);
    }
    const label = `${s.comm}/${s.pid}`;
    if (!idle && x1 - x0 > ctx.measureText(label).width + 8) {
      ctx.fillStyle = "#111";
      ctx.fillText(label, Math.max(x0, LABEL_WIDTH) + 4, top + LANE_HEIGHT / 2);
    }
  }
}

function drawArrow(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.strokeStyle = "rgba(40, 40, 40, 0.65)";
  ctx.fillStyle = "rgba(40, 40, 40, 0.65)";
  ctx.lineWidth = 1;
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
