/** The timeline's model (web/src/timeline/viewport.ts): what is in view, zoom and pan, the axis. */
import { describe, expect, it } from "vitest";
import type { Slice } from "../../src/web/types.js";
import {
  AXIS_HEIGHT,
  activityView,
  clampView,
  contentHeight,
  fitView,
  formatTime,
  laneSize,
  lanes,
  panView,
  sliceAt,
  ticks,
  timeOf,
  visibleMarkers,
  visibleSlices,
  xOf,
  zoomView,
} from "../../web/src/timeline/viewport.js";

const slice = (cpu: number, pid: number, start: number, end: number): Slice => ({
  cpu,
  pid,
  comm: `t${pid}`,
  start,
  end,
});

describe("the timeline", () => {
  it("splits slices into one lane per CPU, in time order", () => {
    const l = lanes([slice(1, 5, 10, 20), slice(0, 2, 0, 30), slice(1, 6, 0, 10)], 2);
    expect(l.map((lane) => lane.map((s) => s.pid))).toEqual([[2], [6, 5]]);
  });

  it("finds the visible slices of thousands by binary search", () => {
    const lane = Array.from({ length: 10_000 }, (_, i) => slice(0, i, i * 100, i * 100 + 100));
    const shown = visibleSlices(lane, { t0: 250_050, t1: 250_350 });
    expect(shown.map((s) => s.pid)).toEqual([2500, 2501, 2502, 2503]);
    expect(visibleSlices(lane, { t0: 2e6, t1: 3e6 })).toEqual([]);
    expect(sliceAt(lane, 250_050)?.pid).toBe(2500);
    expect(sliceAt(lane, 5e6)).toBeUndefined();
  });

  it("zooms around a point that stays put, pans, and maps time to x and back", () => {
    const v = { t0: 1000, t1: 2000 };
    const z = zoomView(v, 1250, 0.5);
    expect(z).toEqual({ t0: 1125, t1: 1625 });
    expect(xOf(z, 1250, 400)).toBe(xOf(v, 1250, 400));
    expect(zoomView(v, 1500, 1e-9).t1 - zoomView(v, 1500, 1e-9).t0).toBe(200); // not narrower than MIN_SPAN
    expect(panView(v, 100)).toEqual({ t0: 1100, t1: 2100 });
    expect(timeOf(v, xOf(v, 1234, 800), 800)).toBeCloseTo(1234);
  });

  it("keeps zoom and pan within the run", () => {
    const run = { t0: 0, t1: 1000 };
    expect(clampView({ t0: -500, t1: 2000 }, run)).toBe(run);
    expect(clampView({ t0: -100, t1: 100 }, run)).toEqual({ t0: 0, t1: 200 });
    expect(clampView({ t0: 900, t1: 1100 }, run)).toEqual({ t0: 800, t1: 1000 });
    expect(clampView({ t0: 100, t1: 300 }, run)).toEqual({ t0: 100, t1: 300 });
  });

  it("fits the run so far, and keeps markers in view", () => {
    const s = { position: { time: 5000 }, slices: [slice(0, 1, 1000, 5000)], traceTimes: [1200] };
    const v = fitView(s as Parameters<typeof fitView>[0]);
    expect(v.t0).toBeLessThan(1000);
    expect(v.t1).toBeGreaterThan(5000);
    const m = (time: number) => ({ cpu: 0, time, event: "sched_wakeup", line: 0 });
    expect(visibleMarkers([m(10), m(20), m(30), m(40)], { t0: 15, t1: 30 }).map((x) => x.time)).toEqual([20, 30]);
  });

  it("fits the activity: the burst of events with the most of them, not the idle stretches", () => {
    const whole = { t0: 0, t1: 24_000_000 };
    // A creation burst near 2.8 ms, then a wakeup every few ms.
    const burst = Array.from({ length: 40 }, (_, i) => 2_780_000 + i * 15_000);
    const times = [...burst, 8e6, 8.01e6, 14e6, 20e6, 23.9e6];
    const v = activityView(times, whole);
    expect(v.t0).toBeLessThan(2_780_000);
    expect(v.t0).toBeGreaterThan(2_600_000);
    expect(v.t1).toBeGreaterThan(2_780_000 + 39 * 15_000);
    expect(v.t1).toBeLessThan(3_500_000);
    // Busy all along: the whole run; nothing traced: the whole run.
    expect(
      activityView(
        Array.from({ length: 100 }, (_, i) => i * 240_000),
        whole,
      ),
    ).toBe(whole);
    expect(activityView([], whole)).toBe(whole);
  });

  it("draws lanes denser as CPUs get more numerous, down to a few pixels for 1024", () => {
    expect(laneSize(2)).toEqual({ lane: 24, gap: 6 });
    expect(laneSize(24).lane).toBeLessThan(laneSize(8).lane);
    expect(laneSize(64).lane).toBeLessThan(laneSize(24).lane);
    expect(contentHeight(2)).toBe(AXIS_HEIGHT + 2 * 30 + 6);
    expect(contentHeight(1024)).toBe(AXIS_HEIGHT + 1024 * 6 + 1);
  });

  it("puts round ticks on the axis and writes times for people", () => {
    expect(ticks({ t0: 1_000_000, t1: 2_000_000 }, 5)).toEqual({
      step: 200_000,
      times: [1_000_000, 1_200_000, 1_400_000, 1_600_000, 1_800_000, 2_000_000],
    });
    expect(formatTime(2_803_370, 1)).toBe("2.803370 ms");
    expect(formatTime(1_200_000, 200_000)).toBe("1.2 ms");
    expect(formatTime(1500)).toBe("2 µs");
    expect(formatTime(74_015_440_000)).toBe("74.015440 s");
  });
});
