/**
 * What changed between two snapshots, for the kernel objects pane to flash: the rows (as
 * text keys: a row's identity and content) that were not there before. Pure.
 */

/** Keys in `next` not in `prev`; nothing is new on the first snapshot (prev null). */
export function newKeys(prev: readonly string[] | null, next: readonly string[]): Set<string> {
  if (prev === null) return new Set();
  const before = new Set(prev);
  return new Set(next.filter((k) => !before.has(k)));
}

/** A row's key: its values joined (rows are plain records of strings, numbers, lists). */
export function rowKey(row: object): string {
  return JSON.stringify(row);
}
