/**
 * Errors in what the user gave tasklab (options, specs, scenario code), and the "did you
 * mean" that goes with a name it does not know. An InputError is one line of text: the CLI
 * prints it and exits with status 2; the library throws it.
 */

/** Something the user gave is wrong; the message says what, in one line. */
export class InputError extends Error {}

/** Levenshtein distance: the fewest single-character edits that turn a into b. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(sub, (prev[j] as number) + 1, (row[j - 1] as number) + 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** Up to this many valid choices are all listed; beyond, only the closest ones are named. */
const LIST_ALL = 12;

/**
 * The choices closest to `name`, closest first, at most three: within a third of the name's
 * length in edits (at least one), or starting with it (for names of four characters or more).
 */
export function closest(name: string, choices: readonly string[]): string[] {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  return [...new Set(choices)]
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= limit || (lower.length >= 4 && c.toLowerCase().startsWith(lower)))
    .sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1))
    .slice(0, 3)
    .map(({ c }) => c);
}

/**
 * What to tell a user who wrote `name` where one of `choices` was expected: the closest
 * choices ("did you mean X or Y?"), and the whole list when it is short. Empty when there
 * are many choices and none is close.
 */
export function suggest(name: string, choices: readonly string[]): string {
  const close = closest(name, choices);
  const mean = close.length === 0 ? "" : `did you mean ${close.join(" or ")}?`;
  if (choices.length > LIST_ALL) return mean;
  const all = `one of ${choices.join(", ")}`;
  return mean === "" ? all : `${mean} (${all})`;
}

/** "unknown WHAT 'name': did you mean …" as one line; `elsewhere` says where to look when nothing is close. */
export function unknownName(what: string, name: string, choices: readonly string[], elsewhere = ""): string {
  const hint = suggest(name, choices) || elsewhere;
  return `unknown ${what} '${name}'${hint === "" ? "" : `: ${hint}`}`;
}

/** A value the user's code gave where another was expected, as an error shows it. */
export function shownValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol") return v.toString();
  if (typeof v === "object" && v !== null) return Array.isArray(v) ? "an array" : "an object";
  return String(v);
}
