/**
 * The page's state in its URL: the run (scenario, era, CPUs, seed; a custom scenario's
 * source), the position (engine step) and the selected task, so that a link opens exactly
 * what its sender saw. Pure: no DOM.
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
export const MAX_CPUS = 64;

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
  return { spec, step: int(q.get("step"), 0, Number.MAX_SAFE_INTEGER), task: int(q.get("task"), 0, 2 ** 22) };
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
  if (s.step !== null) q.set("step", String(s.step));
  if (s.task !== null) q.set("task", String(s.task));
  return `?${q}`;
}
