/** What `tasklab explore` prints: the line that says what is explored, the progress bar, the summary, the proof line. */

import type { ExploreOptions, Progress } from "../explore/explore.js";
import { type Target, targetScenario } from "../explore/schedule.js";
import type { Stats } from "../explore/stats.js";
import { DEFAULT_ERA } from "../linux/eras/profiles.js";

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** One progress line: bar, share of the jobs done, schedules, rate and an estimate of the time left. */
export function progressLine(p: Progress, elapsedMs: number): string {
  const frac = p.jobs === 0 ? 1 : p.jobsDone / p.jobs;
  const width = 24;
  const filled = Math.round(frac * width);
  const rate = elapsedMs > 0 ? (p.schedules * 1000) / elapsedMs : 0;
  const eta = frac > 0 ? clock((elapsedMs * (1 - frac)) / frac) : "?";
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}%  ${fmt(p.schedules)} schedules  ${fmt(rate)}/s  ETA ${eta}`;
}

/** "at most K preemptions", or "no preemption bound". */
function bound(k: number): string {
  return Number.isFinite(k) ? `at most ${k} preemption${k === 1 ? "" : "s"}` : "no preemption bound";
}

export function describe(t: Target, o: ExploreOptions): string {
  const how =
    o.strategy === "stateful"
      ? `stateful (a visited set of state hashes), ${bound(o.preemptions)}`
      : o.strategy === "dfs" || o.strategy === "dpor"
        ? `${o.strategy === "dpor" ? "dpor (source sets over races of shared steps)" : "dfs"}, ${bound(o.preemptions)}${Number.isFinite(o.depth) ? `, first ${o.depth} choice points` : ""}, reduction ${o.reduce ? "on (sleep sets over local steps)" : "off"}`
        : `${o.strategy}, ${fmt(o.runs)} runs, seed ${o.seed}${o.strategy === "pct" ? `, depth ${Number.isFinite(o.depth) ? o.depth : 3}` : ""}`;
  const shard = o.shard.count > 1 ? `, shard ${o.shard.index}/${o.shard.count}` : "";
  const from = t.state === undefined ? "" : ` from the state in ${t.state.path}`;
  return `explore ${t.scenario}${t.mutant === null ? "" : ` (mutant ${t.mutant})`}${from} on ${t.cpus} CPUs: ${how}${shard}`;
}

export function summary(s: Stats, elapsedMs: number): string[] {
  const rate = elapsedMs > 0 ? (s.schedules * 1000) / elapsedMs : 0;
  const pct = s.sitesSeen.size === 0 ? 100 : (100 * s.sitesTried.size) / s.sitesSeen.size;
  const g = s.graph;
  if (g !== null) {
    const n = g.visited.size;
    return [
      `distinct states: ${fmt(n)} in ${(elapsedMs / 1000).toFixed(1)} s (${fmt(elapsedMs > 0 ? (n * 1000) / elapsedMs : 0)}/s)${g.complete ? "" : " (incomplete)"}`,
      `transitions: ${fmt(g.transitions)}, depth ${fmt(g.depth)} steps, queue peak ${fmt(g.maxQueue)} states`,
      `visited set: ${fmt(n)} hashes (~${fmt((n * VISITED_BYTES) / 1024)} KiB)`,
      `terminal states: ${s.states.size} (reached ${fmt(s.schedules)} times)`,
      `choice points: ${fmt(s.sitesSeen.size)} sites seen, ${fmt(s.sitesTried.size)} with an alternative tried (${pct.toFixed(0)} %)`,
    ];
  }
  return [
    `schedules: ${fmt(s.schedules)} in ${(elapsedMs / 1000).toFixed(1)} s (${fmt(rate)}/s)`,
    `terminal states: ${s.states.size}`,
    `choice points: ${fmt(s.sitesSeen.size)} sites seen, ${fmt(s.sitesTried.size)} with an alternative tried (${pct.toFixed(0)} %)`,
  ];
}

/** What one entry of a visited set takes, estimated: a 16-character string and its place in a Map and a Set. */
const VISITED_BYTES = 100;

/** What the stateful search checked (the detectors of every run, and the scenario's invariants). */
export function proofLine(t: Target, o: ExploreOptions, s: Stats, ref: string): string | null {
  const g = s.graph;
  if (g === null || !g.complete || s.counterexample !== null) return null;
  const inv = targetScenario(t).invariants ?? [];
  return (
    `proof: all ${fmt(g.visited.size)} distinct states of ${ref}${t.mutant === null ? "" : ` (mutant ${t.mutant})`} on ${t.cpus} CPU${t.cpus === 1 ? "" : "s"}, kernel ${t.kernel ?? DEFAULT_ERA}` +
    `${Number.isFinite(o.preemptions) ? ` within ${o.preemptions} preemption${o.preemptions === 1 ? "" : "s"}` : ""}` +
    `${o.shard.count > 1 ? ` (shard ${o.shard.index}/${o.shard.count}: merge the shards for the whole)` : ""}: ` +
    "no oops, no leak, no use-after-free, no lost wakeup, no hung task, no deadlock, no lockdep report" +
    `${inv.length === 0 ? "" : `; invariants hold: ${inv.map((i) => i.name).join(", ")}`}`
  );
}
