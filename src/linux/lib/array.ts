/**
 * In-place array edits for hot paths: Array.prototype.splice allocates an array of the
 * removed elements on every call, even when the caller drops it.
 */

/** tasklab's own: removes a[i], keeping the order of the rest. */
export function removeAt<T>(a: T[], i: number): void {
  const last = a.length - 1;
  for (let j = i; j < last; j++) a[j] = a[j + 1] as T;
  a.pop();
}

/** tasklab's own: inserts x at index i (0 ≤ i ≤ length), moving the rest up by one. */
export function insertAt<T>(a: T[], i: number, x: T): void {
  a.push(x);
  for (let j = a.length - 1; j > i; j--) a[j] = a[j - 1] as T;
  a[i] = x;
}
