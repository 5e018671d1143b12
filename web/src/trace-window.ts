/**
 * The trace pane's arithmetic: which line goes with an instant of the timeline, how many
 * rows each line takes once wrapped in a monospace box, and which lines are on screen
 * (only those are rendered). Pure.
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

/** The rows a line of `length` characters takes in a box `cols` wide, its continuation rows indented by `indent`. */
export function wrappedRows(length: number, cols: number, indent: number): number {
  if (length <= cols) return 1;
  return 1 + Math.ceil((length - cols) / Math.max(1, cols - indent));
}

/** The first row of each line once wrapped, and the total at the end (length n + 1). */
export function wrapOffsets(lines: readonly string[], cols: number, indent: number): number[] {
  const out = [0];
  let row = 0;
  for (const l of lines) {
    row += wrappedRows(l.length, cols, indent);
    out.push(row);
  }
  return out;
}

/** The line that row `row` belongs to, by binary search over the offsets. */
function lineOfRow(offsets: readonly number[], row: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((offsets[mid] as number) <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The lines [first, last) to render for a scroll position, with `overscan` lines either side. */
export function linesInView(
  offsets: readonly number[],
  scrollTop: number,
  height: number,
  rowHeight: number,
  overscan = 10,
): { first: number; last: number } {
  const count = offsets.length - 1;
  const first = Math.max(0, lineOfRow(offsets, Math.floor(scrollTop / rowHeight)) - overscan);
  const last = Math.min(count, lineOfRow(offsets, Math.ceil((scrollTop + height) / rowHeight)) + 1 + overscan);
  return { first: Math.min(first, count), last: Math.max(first, last) };
}

/** The scroll position that shows the span [top, bottom) (px; unchanged if it is already in view). */
export function scrollFor(top: number, bottom: number, scrollTop: number, height: number): number {
  if (top < scrollTop) return top;
  if (bottom > scrollTop + height) return Math.max(0, bottom - height);
  return scrollTop;
}
