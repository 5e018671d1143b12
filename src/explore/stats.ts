/**
 * What an exploration found, in a form that adds up: schedules run, distinct terminal
 * states, the choice points seen and the ones where an alternative was tried, and the
 * first violation. Shards and workers each produce one; `mergeStats` combines them.
 */
import type { Outcome, Violation } from "./schedule.js";

/** A failing schedule: the non-default picks (choice index → alternative) and what failed. */
export interface Counterexample {
  picks: [number, number][];
  violation: Violation;
  /** Where in the enumeration it was found (task index, then order within it), for a stable choice. */
  order: number[];
}

export interface Stats {
  schedules: number;
  states: Set<string>;
  sitesSeen: Set<string>;
  sitesTried: Set<string>;
  counterexample: Counterexample | null;
}

export function emptyStats(): Stats {
  return { schedules: 0, states: new Set(), sitesSeen: new Set(), sitesTried: new Set(), counterexample: null };
}

/** Adds one schedule's outcome; `tried` is the index of the choice it deviated at last (-1: none). */
export function addOutcome(s: Stats, o: Outcome, tried: number): void {
  s.schedules++;
  s.states.add(o.state);
  for (const c of o.choices) s.sitesSeen.add(c.site);
  const c = o.choices[tried];
  if (c !== undefined) s.sitesTried.add(c.site);
}

function before(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return a.length < b.length;
}

/** The counterexample found first in enumeration order (independent of which worker ran what). */
export function earlier(a: Counterexample | null, b: Counterexample | null): Counterexample | null {
  if (a === null) return b;
  if (b === null) return a;
  return before(b.order, a.order) ? b : a;
}

export function mergeStats(into: Stats, s: Stats): void {
  into.schedules += s.schedules;
  for (const x of s.states) into.states.add(x);
  for (const x of s.sitesSeen) into.sitesSeen.add(x);
  for (const x of s.sitesTried) into.sitesTried.add(x);
  into.counterexample = earlier(into.counterexample, s.counterexample);
}

/** Stats as plain JSON (sorted, so equal stats give equal text). */
export interface StatsJson {
  schedules: number;
  states: string[];
  sitesSeen: string[];
  sitesTried: string[];
  counterexample: Counterexample | null;
}

export function statsToJson(s: Stats): StatsJson {
  return {
    schedules: s.schedules,
    states: [...s.states].sort(),
    sitesSeen: [...s.sitesSeen].sort(),
    sitesTried: [...s.sitesTried].sort(),
    counterexample: s.counterexample,
  };
}

export function statsFromJson(j: StatsJson): Stats {
  return {
    schedules: j.schedules,
    states: new Set(j.states),
    sitesSeen: new Set(j.sitesSeen),
    sitesTried: new Set(j.sitesTried),
    counterexample: j.counterexample,
  };
}
