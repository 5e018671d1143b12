/**
 * Where a compile error goes in the editor: the character range of its line and column
 * (1-based, as ScenarioSyntaxError gives them), or the first line when they are unknown. Pure.
 */
export function errorRange(source: string, line?: number, column?: number): { from: number; to: number } {
  const lines = source.split("\n");
  const l = Math.min(Math.max(line ?? 1, 1), lines.length);
  const start = lines.slice(0, l - 1).reduce((n, text) => n + text.length + 1, 0);
  const text = lines[l - 1] ?? "";
  if (column === undefined) return { from: start, to: start + text.length };
  const at = Math.min(Math.max(column - 1, 0), text.length);
  // One character wide, so that an error at the end of a line still shows.
  return at < text.length
    ? { from: start + at, to: start + at + 1 }
    : { from: start + Math.max(at - 1, 0), to: start + at };
}

/** "line 3, column 7: Unexpected token" */
export function errorText(e: { message: string; line?: number; column?: number }): string {
  if (e.line === undefined) return e.message;
  return `line ${e.line}${e.column === undefined ? "" : `, column ${e.column}`}: ${e.message}`;
}
