/**
 * The trace pane's arithmetic: which line goes with an instant of the timeline, and which
 * rows of a long list are on screen (only those are rendered). Pure.
 */

/** The last line at or before time `t` (ns) in lines ordered by time, or -1. */
export function lineAtOrBefore(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The rows [first, last) to render for a scroll position, with `overscan` rows either side. */
export function rowsInView(
  scrollTop: number,
  height: number,
  rowHeight: number,
  count: number,
  overscan = 10,
): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/** The scroll position that shows row `row` (unchanged if it is already in view). */
export function scrollFor(row: number, scrollTop: number, height: number, rowHeight: number): number {
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + height) return Math.max(0, top + rowHeight - height);
  return scrollTop;
}
