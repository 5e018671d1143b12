/**
 * Minimizing a failing schedule: the fewest deviations from the default run, then the
 * earliest ones, that still end in a violation of the same kind. Deterministic: the same
 * failing schedule always minimizes to the same result.
 *
 * 1. Drop deviations one at a time, last first; keep each drop that still fails.
 * 2. Move each remaining deviation to the earliest choice point (after the one before it,
 *    same kind and width) at which the run still fails and fails no later.
 * A schedule is re-read from the run after each change (`deviations`): a change earlier in
 * the run can move the choice points after it, and the recorded run is the truth.
 */
import { deviations, type Outcome, picksScript, preemptions, runSchedule, type Target } from "./schedule.js";

export interface Minimized {
  picks: [number, number][];
  outcome: Outcome;
  /** Runs it took. */
  runs: number;
}

/** At most this many runs for the second phase (moving deviations earlier). */
const MOVE_BUDGET = 400;

export function minimize(t: Target, picks: readonly [number, number][], kind: string): Minimized {
  let runs = 0;
  const attempt = (p: readonly [number, number][]): Outcome | null => {
    runs++;
    const o = runSchedule(t, picksScript(new Map(p))).outcome;
    return o.violation?.kind === kind ? o : null;
  };
  let best = attempt(picks);
  if (best === null) throw new Error(`the schedule to minimize does not fail with ${kind}`);
  let cur = [...deviations(best.choices)];

  for (let j = cur.length - 1; j >= 0; j--) {
    const o = attempt(cur.filter((_, i) => i !== j));
    if (o !== null) {
      best = o;
      cur = [...deviations(o.choices)];
      j = Math.min(j, cur.length);
    }
  }

  const failStep = (o: Outcome): number => o.violation?.step ?? Number.POSITIVE_INFINITY;
  for (let j = 0; j < cur.length && runs < MOVE_BUDGET; j++) {
    const [at, alt] = cur[j] as [number, number];
    const from = j === 0 ? 0 : (cur[j - 1] as [number, number])[0] + 1;
    const c = best.choices[at];
    for (let i = from; i < at && runs < MOVE_BUDGET; i++) {
      const d = best.choices[i];
      if (d === undefined || c === undefined || d.kind !== c.kind || d.n !== c.n) continue;
      const moved = cur.map((x, k): [number, number] => (k === j ? [i, alt] : x));
      const o = attempt(moved);
      if (o !== null && preemptions(o.choices) <= preemptions(best.choices) && failStep(o) <= failStep(best)) {
        best = o;
        cur = [...deviations(o.choices)];
        break;
      }
    }
  }
  return { picks: cur, outcome: best, runs };
}
