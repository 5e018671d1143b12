/**
 * Moving a session to a trace line or an instant (a click on the trace or the timeline),
 * with the session's own moves: positions replay deterministically, so a position is found
 * by going to candidates.
 */
import type { Session } from "../../../src/web/session.js";
import type { Snapshot } from "../../../src/web/types.js";

/**
 * The first position at which the trace has line `line` (0-based): the position right after
 * that event. The trace only grows, so a binary search over the positions up to here finds
 * it; a line not traced yet leaves the session where it is.
 */
export function gotoLine(s: Session, line: number): Snapshot {
  const here = s.snapshot();
  if (here.trace.length <= line) return here;
  let lo = here.start;
  let hi = here.position.step;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (s.goto(mid).trace.length > line) hi = mid;
    else lo = mid + 1;
  }
  return s.goto(lo);
}

/** The last position at or before virtual time `time` (ns). */
export function gotoTime(s: Session, time: number): Snapshot {
  return s.goto(s.stepAt(time));
}
