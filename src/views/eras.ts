/**
 * `tasklab eras`: the modeled releases, each with its kthread-creation era and what it
 * changed; `--json` gives every field of every profile.
 */
import { ERAS, type Era } from "../linux/eras/profiles.js";

export function formatEras(): string {
  const lines = ["KERNEL  KTHREAD  WHAT CHANGED"];
  for (const e of ERAS.values()) lines.push(`${e.name.padEnd(7)} E${e.kthread}       ${e.summary}`);
  lines.push(
    "",
    "Run any scenario on one with --kernel VERSION; compare two with tasklab diff SCENARIO --kernel A --kernel B.",
  );
  return `${lines.join("\n")}\n`;
}

/** A profile as plain JSON (sets become sorted arrays). */
export function eraJson(e: Era): Record<string, unknown> {
  return { ...e, kthread_api: [...e.kthread_api].sort() };
}

export function formatErasJson(): string {
  return `${JSON.stringify([...ERAS.values()].map(eraJson), null, 2)}\n`;
}
