/**
 * The trace ring buffer kept in chunks (src/linux/kernel/trace/buffer.ts): it holds exactly
 * the last `capacity` records written, as a ring of single entries would, and a snapshot's
 * copy shares the full chunks while the two go on independently.
 */
import { describe, expect, it } from "vitest";
import type { TraceRecord } from "../../src/linux/include/trace/events/records.js";
import { CHUNK, TraceBuffer } from "../../src/linux/kernel/trace/buffer.js";
import { deepCopy } from "../../src/sim/copy.js";
import { stateHash } from "../../src/sim/hash.js";

/** A record numbered `i` (only its identity and number matter to the buffer). */
const rec = (i: number) => ({ ts: i }) as unknown as TraceRecord;
const numbers = (b: TraceBuffer) => b.records().map((r) => r.ts);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe("the chunked trace ring", () => {
  it.each([
    [1, 5],
    [10, 35],
    [CHUNK, 3 * CHUNK + 7],
    [CHUNK + 3, 3 * CHUNK],
    [2 * CHUNK, 2 * CHUNK],
    [5000, 4999],
    [5000, 20_001],
  ])("capacity %i, %i written: the last `capacity`, oldest first", (capacity, n) => {
    const b = new TraceBuffer(capacity);
    for (let i = 0; i < n; i++) b.push(rec(i));
    expect(b.written).toBe(n);
    expect(b.entries).toBe(Math.min(n, capacity));
    expect(numbers(b)).toEqual(range(Math.max(0, n - capacity), n));
  });

  it("a copy shares the full chunks, copies the open one, and both go on on their own", () => {
    const b = new TraceBuffer(3 * CHUNK);
    for (let i = 0; i < 2 * CHUNK + 10; i++) b.push(rec(i));
    const c = deepCopy(b);
    const chunks = (x: TraceBuffer) => (x as unknown as { chunks: TraceRecord[][] }).chunks;
    expect(chunks(c)[0] === chunks(b)[0] && chunks(c)[1] === chunks(b)[1]).toBe(true);
    expect(chunks(c)[2] === chunks(b)[2]).toBe(false);
    expect(stateHash(c)).toBe(stateHash(b));
    for (let i = 2 * CHUNK + 10; i < 4 * CHUNK; i++) b.push(rec(i));
    c.push(rec(-1));
    expect(numbers(b)).toEqual(range(CHUNK, 4 * CHUNK));
    expect(numbers(c)).toEqual([...range(0, 2 * CHUNK + 10), -1]);
    expect(c.written).toBe(2 * CHUNK + 11);
  });
});
