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

/** The stateful search's figures (null for the other strategies). */
export interface GraphStats {
  /** The distinct states' hashes (their number is the distinct state count; shards' sets unite). */
  visited: Set<string>;
  transitions: number;
  /** The longest path walked, in steps from the scenario's start. */
  depth: number;
  /** The most states waiting on the stack at once. */
  maxQueue: number;
  /** Whether the walk ended by itself (no violation, no state cap reached). */
  complete: boolean;
}

export interface Stats {
  /** Runs (dfs, sampling); for the stateful search, transitions to a terminal state. */
  schedules: number;
  states: Set<string>;
  sitesSeen: Set<string>;
  sitesTried: Set<string>;
  counterexample: Counterexample | null;
  graph: GraphStats | null;
}

export function emptyStats(): Stats {
  return {
    schedules: 0,
    states: new Set(),
    sitesSeen: new Set(),
    sitesTried: new Set(),
    counterexample: null,
    graph: null,
  };
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
  const g = s.graph;
  if (g !== null) {
    const to = into.graph;
    if (to === null) into.graph = { ...g, visited: new Set(g.visited) };
    else {
      for (const h of g.visited) to.visited.add(h);
      to.transitions += g.transitions;
      to.depth = Math.max(to.depth, g.depth);
      to.maxQueue = Math.max(to.maxQueue, g.maxQueue);
      to.complete &&= g.complete;
    }
  }
}

/** Stats as plain JSON (sorted, so equal stats give equal text). */
export interface StatsJson {
  schedules: number;
  states: string[];
  sitesSeen: string[];
  sitesTried: string[];
  counterexample: Counterexample | null;
  graph?: Omit<GraphStats, "visited"> & { visited: string[] };
}

export function statsToJson(s: Stats): StatsJson {
  return {
    schedules: s.schedules,
    states: [...s.states].sort(),
    sitesSeen: [...s.sitesSeen].sort(),
    sitesTried: [...s.sitesTried].sort(),
    counterexample: s.counterexample,
    ...(s.graph === null ? {} : { graph: { ...s.graph, visited: [...s.graph.visited].sort() } }),
  };
}

export function statsFromJson(j: StatsJson): Stats {
  return {
    schedules: j.schedules,
    states: new Set(j.states),
    sitesSeen: new Set(j.sitesSeen),
    sitesTried: new Set(j.sitesTried),
    counterexample: j.counterexample,
    graph: j.graph === undefined ? null : { ...j.graph, visited: new Set(j.graph.visited) },
  };
}
