/** The keyboard shortcuts: one key per control of the scenario bar. Pure. */

export type Command =
  | "step-decision"
  | "step-call"
  | "step-event"
  | "back"
  | "run"
  | "pause"
  | "breakpoint"
  | "start"
  | "fit"
  | "whole"
  | "help";

const SHORTCUTS: Readonly<Record<string, Command>> = {
  s: "step-decision",
  c: "step-call",
  e: "step-event",
  b: "back",
  r: "run",
  " ": "pause",
  g: "breakpoint",
  Home: "start",
  f: "fit",
  a: "whole",
  "?": "help",
};

/** What each key does, for the keyboard help (`?`), in the order it lists them. */
export const KEY_HELP: readonly [Command, string][] = [
  ["run", "run (in chunks, at the chosen speed)"],
  ["pause", "pause / go on"],
  ["step-decision", "step one scheduling decision"],
  ["step-call", "step to the next modeled call"],
  ["step-event", "step to the next trace event"],
  ["back", "back one step"],
  ["start", "back to where the scenario starts"],
  ["breakpoint", "run to the breakpoint"],
  ["fit", "fit the timeline to where the run is busy"],
  ["whole", "show the whole run on the timeline"],
  ["help", "this help"],
];

/** The key of a command, as aria-keyshortcuts writes it. */
export function keyOf(c: Command): string {
  const k = Object.keys(SHORTCUTS).find((key) => SHORTCUTS[key] === c) ?? "";
  return k === " " ? "Space" : k;
}

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** Whether the key went to something that takes text (an input, a select, the editor). */
  typing: boolean;
}

/** The command a key press means, or null (modified keys and typing are left alone). */
export function commandFor(k: KeyPress): Command | null {
  if (k.typing || k.ctrlKey || k.metaKey || k.altKey) return null;
  return SHORTCUTS[k.key] ?? null;
}
