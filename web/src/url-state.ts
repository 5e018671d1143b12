/**
 * The page's state in its URL: the run (scenario, era, CPUs, seed; a custom scenario's
 * source; an explorer schedule's mutant and picks), the position (engine step) and the
 * selected task, so that a link opens exactly what its sender saw. Pure: no DOM.
 */
import type { RunSpec } from "../../src/web/types.js";

export interface UrlState {
  spec: RunSpec;
  /** The engine step to open at (null: where the scenario starts). */
  step: number | null;
  /** The selected task's pid. */
  task: number | null;
}

export const DEFAULT_SPEC: RunSpec = { scenario: "kthread-run", cpus: 2, seed: 1, era: "6.19" };
export const MAX_CPUS = 1024;

function int(text: string | null, min: number, max: number): number | null {
  if (text === null || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** UTF-8 text as base64url (custom sources in a query string). */
export function encodeSource(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeSource(code: string): string | null {
  try {
    const bin = atob(code.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** An explorer schedule's picks, "52.1,56.1" ("" for none); null when malformed. */
export function parsePicks(text: string): [number, number][] | null {
  if (text === "") return [];
  const picks: [number, number][] = [];
  for (const pair of text.split(",")) {
    const m = /^(\d+)\.(\d+)$/.exec(pair);
    const choice = int(m?.[1] ?? null, 0, Number.MAX_SAFE_INTEGER);
    const alt = int(m?.[2] ?? null, 0, 2 ** 16);
    if (choice === null || alt === null) return null;
    picks.push([choice, alt]);
  }
  return picks;
}

export function formatPicks(picks: [number, number][]): string {
  return picks.map(([choice, alt]) => `${choice}.${alt}`).join(",");
}

/** Reads a query string ("?scenario=…"); what is missing or malformed takes its default. */
export function parseUrl(search: string): UrlState {
  const q = new URLSearchParams(search);
  const spec: RunSpec = {
    scenario: q.get("scenario") ?? DEFAULT_SPEC.scenario,
    cpus: int(q.get("cpus"), 1, MAX_CPUS) ?? DEFAULT_SPEC.cpus,
    seed: int(q.get("seed"), 0, 2 ** 32 - 1) ?? DEFAULT_SPEC.seed,
    era: q.get("era") ?? DEFAULT_SPEC.era,
  };
  const source = q.get("source");
  const text = spec.scenario === "custom" && source !== null ? decodeSource(source) : null;
  if (text !== null) spec.source = text;
  if (spec.scenario !== "custom") {
    const mutant = q.get("mutant");
    if (mutant !== null && mutant !== "") spec.mutant = mutant; // knownSpec checks the name
    const picks = q.get("picks");
    const parsed = picks === null ? null : parsePicks(picks);
    if (parsed !== null) spec.picks = parsed;
  }
  return { spec, step: int(q.get("step"), 0, Number.MAX_SAFE_INTEGER), task: int(q.get("task"), 0, 2 ** 22) };
}

/** What the engine can run (its catalog): the names a link may use. */
export interface Known {
  scenarios: readonly string[];
  eras: readonly string[];
  mutants: readonly string[];
}

/**
 * A link's run with what the engine does not know (a scenario, era or mutant name) replaced by
 * its default, and a notice saying so for each: a bad link opens the default view, never a
 * blank page.
 */
export function knownSpec(spec: RunSpec, known: Known): { spec: RunSpec; notices: string[] } {
  const out: RunSpec = { ...spec };
  const notices: string[] = [];
  const quote = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
  if (spec.scenario !== "custom" && !known.scenarios.includes(spec.scenario)) {
    notices.push(`no scenario named ${quote(spec.scenario)}: showing ${DEFAULT_SPEC.scenario}`);
    out.scenario = DEFAULT_SPEC.scenario;
  }
  if (!known.eras.includes(spec.era)) {
    notices.push(`no kernel era ${quote(spec.era)}: showing ${DEFAULT_SPEC.era}`);
    out.era = DEFAULT_SPEC.era;
  }
  const mutant = spec.mutant ?? null;
  if (mutant !== null && !known.mutants.includes(mutant)) {
    notices.push(`no mutant named ${quote(mutant)}: showing the real protocol`);
    delete out.mutant;
  }
  return { spec: out, notices };
}

/** The query string of a state (parseUrl's inverse). */
export function formatUrl(s: UrlState): string {
  const q = new URLSearchParams({
    scenario: s.spec.scenario,
    era: s.spec.era,
    cpus: String(s.spec.cpus),
    seed: String(s.spec.seed),
  });
  if (s.spec.scenario === "custom") q.set("source", encodeSource(s.spec.source ?? ""));
  else {
    const mutant = s.spec.mutant ?? null;
    if (mutant !== null) q.set("mutant", mutant);
    if (s.spec.picks !== undefined) q.set("picks", formatPicks(s.spec.picks));
  }
  if (s.step !== null) q.set("step", String(s.step));
  if (s.task !== null) q.set("task", String(s.task));
  // Commas separate nothing in a query string: picks read "52.1,56.1", not "52.1%2C56.1".
  return `?${q}`.replace(/%2C/g, ",");
}
