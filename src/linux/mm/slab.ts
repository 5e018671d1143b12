/**
 * kmalloc/kzalloc/kfree (mm/slub.c, mm/slab_common.c) with every object's lifetime
 * tracked: who allocated it, where and when, and who freed it. A double free or a use of
 * a freed object is reported with both call stacks (as KASAN does); objects that nothing
 * references any more at the end of a run are leaks (as kmemleak reports them).
 */
import { activeEngine } from "../../sim/engine.js";
import { functionName } from "../../sim/functions.js";

export interface SlabRecord {
  readonly id: number;
  /** The slab cache ("task_struct", "kmalloc-64", ...). */
  readonly cache: string;
  /** What the object is ("kthread_create_info"); the cache name for dedicated caches. */
  readonly type: string;
  readonly size: number;
  /** Modeled-function ids, innermost last (names are looked up only for a report). */
  readonly allocStack: readonly number[];
  readonly allocTime: number;
  readonly allocCpu: number;
  readonly allocTask: string;
  freed: boolean;
  freeStack: readonly number[];
  freeTime: number;
  freeTask: string;
  /** The object itself, while it is live (for the leak scan). */
  object: object | null;
}

/** A structure that lives in slab memory. */
export interface Tracked {
  __slab: SlabRecord | null;
}

/** Decides whether an allocation fails (should_failslab): cache, type, size, call stack. */
export type FailHook = (cache: string, type: string, size: number, stack: readonly number[]) => boolean;

export interface SlabState {
  nextId: number;
  /** Live objects by id, in allocation order. */
  live: Map<number, SlabRecord>;
  allocs: number;
  frees: number;
  /** Decides whether an allocation fails (fault injection); null: never. */
  shouldFail: FailHook | null;
  /** Observers of allocations and frees (ownership checks, the explorer's invariants). */
  onAlloc: ((rec: SlabRecord) => void) | null;
  onFree: ((rec: SlabRecord) => void) | null;
  describeCurrent: () => string;
  /** Saved stacks by their text: records made on the same call path share one array. */
  stacks: Map<string, readonly number[]>;
}

export function createSlabState(describeCurrent: () => string): SlabState {
  return {
    stacks: new Map(),
    nextId: 1,
    live: new Map(),
    allocs: 0,
    frees: 0,
    shouldFail: null,
    onAlloc: null,
    onFree: null,
    describeCurrent,
  };
}

let slab: SlabState;

/** Points the allocator at a machine's slab state (done when the machine runs). */
export function useSlab(s: SlabState): void {
  slab = s;
}

function here(): { stack: readonly number[]; time: number; cpu: number } {
  const e = activeEngine();
  return { stack: savedStack(e.running.fnStack), time: e.runningCpu.clock, cpu: e.runningCpu.id };
}

/**
 * The stack to keep in a record: one shared copy per distinct call path (a live kthread's
 * eight records would otherwise hold eight arrays; there are few paths, and many objects).
 */
function savedStack(stack: readonly number[]): readonly number[] {
  const key = stack.join(",");
  let saved = slab.stacks.get(key);
  if (saved === undefined) {
    saved = stack.slice();
    slab.stacks.set(key, saved);
  }
  return saved;
}

/** The free stack of a live object. */
const NOT_FREED: readonly number[] = [];

/** A saved stack as report lines, innermost first, each prefixed with `indent`. */
function stackLines(stack: readonly number[], indent: string): string[] {
  const out: string[] = [];
  for (let i = stack.length - 1; i >= 0; i--) out.push(indent + functionName(stack[i] as number));
  return out;
}

function innermost(stack: readonly number[]): string {
  const top = stack[stack.length - 1];
  return top === undefined ? "?" : functionName(top);
}

/** The kmalloc cache an allocation of `size` bytes comes from (power-of-two buckets). */
export function kmalloc_cache(size: number): string {
  if (size <= 8) return "kmalloc-8";
  if (size > 64 && size <= 96) return "kmalloc-96";
  if (size > 128 && size <= 192) return "kmalloc-192";
  return `kmalloc-${2 ** Math.ceil(Math.log2(size))}`;
}

function slab_alloc<T extends Tracked>(cache: string, type: string, size: number, init: () => T): T | null {
  const at = here();
  if (slab.shouldFail?.(cache, type, size, at.stack)) return null;
  const obj = init();
  const rec: SlabRecord = {
    id: slab.nextId++,
    cache,
    type,
    size,
    allocStack: at.stack,
    allocTime: at.time,
    allocCpu: at.cpu,
    allocTask: slab.describeCurrent(),
    freed: false,
    freeStack: NOT_FREED,
    freeTime: 0,
    freeTask: "",
    object: obj,
  };
  obj.__slab = rec;
  slab.live.set(rec.id, rec);
  slab.allocs++;
  slab.onAlloc?.(rec);
  return obj;
}

/**
 * kmalloc: an object of `size` bytes, of kind `type` ("kthread_create_info"), from the
 * kmalloc cache of its size, built by `init`. Returns null when the allocation fails
 * (only by fault injection).
 */
export function kmalloc<T extends Tracked>(type: string, size: number, init: () => T): T | null {
  return slab_alloc(kmalloc_cache(size), type, size, init);
}

/** kmem_cache_alloc: an object from a dedicated cache ("task_struct", "pid", ...). */
export function kmem_cache_alloc<T extends Tracked>(cache: string, size: number, init: () => T): T | null {
  return slab_alloc(cache, cache, size, init);
}

function formatTime(ns: number): string {
  return `${Math.floor(ns / 1e9)}.${String(Math.floor((ns % 1e9) / 1e3)).padStart(6, "0")}`;
}

function objectHistory(rec: SlabRecord): string[] {
  const lines = [
    `Allocated by task ${rec.allocTask} on cpu ${rec.allocCpu} at ${formatTime(rec.allocTime)}s:`,
    ...stackLines(rec.allocStack, " "),
  ];
  if (rec.freed) {
    lines.push(`Freed by task ${rec.freeTask} at ${formatTime(rec.freeTime)}s:`, ...stackLines(rec.freeStack, " "));
  }
  lines.push(
    `The buggy address belongs to the object of cache ${rec.cache} (${rec.type}, size ${rec.size}), id ${rec.id}`,
  );
  return lines;
}

/** kzalloc: the same as kmalloc here, since every object is built whole by its `init`. */
export const kzalloc = kmalloc;

/** Frees a slab object; kfree(NULL) does nothing. A second free is reported. */
export function kfree(obj: Tracked | null): void {
  if (obj === null) return;
  const rec = obj.__slab;
  const at = here();
  if (rec === null) {
    activeEngine().report({
      kind: "kasan",
      title: `BUG: KASAN: invalid-free in ${innermost(at.stack)}`,
      lines: ["The object was not allocated by kmalloc.", "Call Trace:", ...stackLines(at.stack, " ")],
    });
    return;
  }
  if (rec.freed) {
    activeEngine().report({
      kind: "kasan",
      title: `BUG: KASAN: double-free in ${innermost(at.stack)}`,
      lines: [`Free of object by task ${slab.describeCurrent()}:`, ...stackLines(at.stack, " "), ...objectHistory(rec)],
    });
    return;
  }
  rec.freed = true;
  rec.freeStack = at.stack;
  rec.freeTime = at.time;
  rec.freeTask = slab.describeCurrent();
  rec.object = null;
  slab.live.delete(rec.id);
  slab.frees++;
  slab.onFree?.(rec);
}

/** Reports a read or write of a freed object (a KASAN check at a modeled access). */
export function kasan_check(obj: Tracked, access: "read" | "write"): void {
  const rec = obj.__slab;
  if (rec === null || !rec.freed) return;
  const at = here();
  activeEngine().report({
    kind: "kasan",
    title: `BUG: KASAN: slab-use-after-free in ${innermost(at.stack)}`,
    lines: [
      `${access === "read" ? "Read" : "Write"} by task ${slab.describeCurrent()}:`,
      ...stackLines(at.stack, " "),
      ...objectHistory(rec),
    ],
  });
}

/**
 * The leak scan (kmemleak's idea): every live object that cannot be reached from
 * `roots` by following references is unreferenced, hence leaked. Only objects allocated
 * at or after `since` (virtual ns) are candidates; with none live, nothing is scanned.
 */
export function find_leaks(roots: readonly unknown[], since = 0): SlabRecord[] {
  let candidates = 0;
  for (const rec of slab.live.values()) if (rec.object !== null && rec.allocTime >= since) candidates++;
  if (candidates === 0) return [];
  const seen = new Set<object>();
  const stack: unknown[] = [...roots];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) continue;
    if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
      continue;
    }
    for (const key in v) {
      if (key === "__slab" || key === "sim") continue;
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  const leaks: SlabRecord[] = [];
  for (const rec of slab.live.values()) {
    if (rec.object !== null && rec.allocTime >= since && !seen.has(rec.object)) leaks.push(rec);
  }
  return leaks;
}

/** kmemleak's report text for one unreferenced object. */
export function formatLeak(rec: SlabRecord): string[] {
  const slash = rec.allocTask.lastIndexOf("/");
  return [
    `unreferenced object id ${rec.id} (cache ${rec.cache}, ${rec.type}, size ${rec.size}):`,
    `  comm "${rec.allocTask.slice(0, slash)}", pid ${rec.allocTask.slice(slash + 1)}, cpu ${rec.allocCpu}, time ${formatTime(rec.allocTime)}s`,
    "  backtrace:",
    ...stackLines(rec.allocStack, "    "),
  ];
}
