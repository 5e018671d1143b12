/**
 * kmalloc/kzalloc/kfree (mm/slub.c, mm/slab_common.c) with every object's lifetime
 * tracked: who allocated it, where and when, and who freed it. A double free or a use of
 * a freed object is reported with both call stacks (as KASAN does); objects that nothing
 * references any more at the end of a run are leaks (as kmemleak reports them).
 *
 * Size: over 400 lines because the allocator, its lifetime records and the kmemleak scan read the
 * same record type: kept together so a record's every field has its reader in one file.
 */

import { immutable, timeFields } from "../../sim/classes.js";
import { stateClass } from "../../sim/code.js";
import { activeEngine } from "../../sim/engine.js";
import { functionName } from "../../sim/functions.js";

/** What an object is and where it was allocated: one shared object per distinct site. */
interface AllocSite {
  /** The slab cache ("task_struct", "kmalloc-64", ...). */
  readonly cache: string;
  /** What the object is ("kthread_create_info"); the cache name for dedicated caches. */
  readonly type: string;
  readonly size: number;
  readonly cpu: number;
  /** Modeled-function ids, innermost last (names are looked up only for a report). */
  readonly stack: readonly number[];
}

/** Who freed an object, where and when (made by the free). */
class SlabFree {
  constructor(
    readonly stack: readonly number[],
    readonly time: number,
    readonly task: string,
  ) {}
}
immutable(SlabFree);
timeFields(SlabFree, "time");

/** The free stack of a live object. */
const NOT_FREED: readonly number[] = Object.freeze([]);

/**
 * One object's history. It is kept small, for there is one per live object: what the object
 * is and where it came from are shared (`site`), and the free's details exist only after it.
 */
export class SlabRecord {
  /** Neighbours in the list of live objects (null once freed). */
  prev: SlabRecord | null = null;
  next: SlabRecord | null = null;

  constructor(
    readonly id: number,
    private readonly site: AllocSite,
    readonly allocTime: number,
    /** "comm/pid" of the allocating task. */
    readonly allocTask: string,
    /** The object while it is live (for the leak scan), then who freed it. */
    public life: object,
  ) {}

  get cache(): string {
    return this.site.cache;
  }
  get type(): string {
    return this.site.type;
  }
  get size(): number {
    return this.site.size;
  }
  get allocStack(): readonly number[] {
    return this.site.stack;
  }
  get allocCpu(): number {
    return this.site.cpu;
  }
  get freed(): boolean {
    return this.life instanceof SlabFree;
  }
  get object(): object | null {
    return this.life instanceof SlabFree ? null : this.life;
  }
  get freeStack(): readonly number[] {
    return this.life instanceof SlabFree ? this.life.stack : NOT_FREED;
  }
  get freeTime(): number {
    return this.life instanceof SlabFree ? this.life.time : 0;
  }
  get freeTask(): string {
    return this.life instanceof SlabFree ? this.life.task : "";
  }
}
timeFields(SlabRecord, "allocTime");

/** The live objects' records in allocation order: a list linked through the records. */
class LiveRecords {
  size = 0;
  private first: SlabRecord | null = null;
  private last: SlabRecord | null = null;

  add(rec: SlabRecord): void {
    rec.prev = this.last;
    if (this.last === null) this.first = rec;
    else this.last.next = rec;
    this.last = rec;
    this.size++;
  }

  /** Unlinks a record of this list (kfree's freed check keeps it from being removed twice). */
  remove(rec: SlabRecord): void {
    if (rec.prev === null) this.first = rec.next;
    else rec.prev.next = rec.next;
    if (rec.next === null) this.last = rec.prev;
    else rec.next.prev = rec.prev;
    rec.prev = rec.next = null;
    this.size--;
  }

  /** The records in allocation order; freeing one during the walk would end it there. */
  *values(): IterableIterator<SlabRecord> {
    for (let rec = this.first; rec !== null; rec = rec.next) yield rec;
  }
}

/** A structure that lives in slab memory. */
export interface Tracked {
  __slab: SlabRecord | null;
}

/** The dedicated caches the model allocates from (kmem_cache_alloc), as /proc/slabinfo names them. */
export const SLAB_CACHES = [
  "task_struct",
  "thread_stack",
  "pid",
  "pid_namespace",
  "cred_jar",
  "user_namespace",
  "nsproxy",
  "mnt_namespace",
  "uts_namespace",
  "ipc_namespace",
  "net_namespace",
  "cgroup_namespace",
  "time_namespace",
  "fs_cache",
  "files_cache",
  "filp",
  "sighand_cache",
  "signal_cache",
  "mm_struct",
  "vm_area_struct",
  "shmem_inode_cache",
  "page",
] as const;

export type SlabCache = (typeof SLAB_CACHES)[number];

/** The kinds of object the model kmallocs (a scenario may kmalloc its own besides). */
export const KMALLOC_TYPES: readonly string[] = [
  "full_name",
  "kthread",
  "kthread_create_info",
  "kthread_worker",
  "smpboot_thread_data",
];

/** Decides whether an allocation fails (should_failslab): cache, type, size, call stack. */
export type FailHook = (cache: string, type: string, size: number, stack: readonly number[]) => boolean;

export interface SlabState {
  nextId: number;
  /** Live objects, in allocation order. */
  readonly live: LiveRecords;
  allocs: number;
  frees: number;
  /** Decides whether an allocation fails (fault injection); null: never. */
  shouldFail: FailHook | null;
  /** Observers of allocations and frees (ownership checks, the explorer's invariants). */
  onAlloc: ((rec: SlabRecord) => void) | null;
  onFree: ((rec: SlabRecord) => void) | null;
  describeCurrent: () => string;
  /** Saved stacks by innermost function id + 1: records made on the same call path share one array. */
  readonly stacks: (readonly number[])[][];
  /** Allocation sites by innermost function id + 1. */
  readonly sites: AllocSite[][];
}

export function createSlabState(describeCurrent: () => string): SlabState {
  return {
    stacks: [],
    sites: [],
    nextId: 1,
    live: new LiveRecords(),
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

/**
 * Where a stack's entries are kept: by its innermost function (few call paths share one).
 * The lists are searched newest first: a steady workload allocates on the paths it added last.
 */
function bucket(stack: readonly number[]): number {
  return stack.length === 0 ? 0 : (stack[stack.length - 1] as number) + 1;
}

function sameStack(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The stack to keep in a record: one shared copy per distinct call path (a live kthread's
 * records would otherwise hold an array each; there are few paths, and many objects).
 */
function savedStack(stack: readonly number[]): readonly number[] {
  const b = bucket(stack);
  const saved = (slab.stacks[b] ??= []);
  for (let i = saved.length - 1; i >= 0; i--) {
    const s = saved[i] as readonly number[];
    if (sameStack(s, stack)) return s;
  }
  // Frozen: shared by a machine's snapshots, never copied (nothing changes a saved stack).
  const copy = Object.freeze(stack.slice());
  saved.push(copy);
  return copy;
}

/** The shared site of an allocation of this kind on this CPU and call path. */
function allocSite(cache: string, type: string, size: number, cpu: number, stack: readonly number[]): AllocSite {
  const b = bucket(stack);
  const sites = (slab.sites[b] ??= []);
  for (let i = sites.length - 1; i >= 0; i--) {
    const s = sites[i] as AllocSite;
    if (s.cpu === cpu && s.size === size && s.type === type && s.cache === cache && sameStack(s.stack, stack)) return s;
  }
  const site: AllocSite = Object.freeze({ cache, type, size, cpu, stack: savedStack(stack) });
  sites.push(site);
  return site;
}

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

/** The kmalloc cache an allocation of `size` bytes comes from (power-of-two buckets). Models kmalloc_slab. */
export function kmallocCache(size: number): string {
  if (size <= 8) return "kmalloc-8";
  if (size > 64 && size <= 96) return "kmalloc-96";
  if (size > 128 && size <= 192) return "kmalloc-192";
  return `kmalloc-${2 ** Math.ceil(Math.log2(size))}`;
}

/** kmallocCache's answers by size (a kmalloc does not build the name again). */
const kmallocCaches = new Map<number, string>();

function kmallocCacheOf(size: number): string {
  let cache = kmallocCaches.get(size);
  if (cache === undefined) {
    cache = kmallocCache(size);
    kmallocCaches.set(size, cache);
  }
  return cache;
}

function slab_alloc<T extends Tracked>(cache: string, type: string, size: number, init: () => T): T | null {
  const e = activeEngine();
  const cpu = e.runningCpu;
  const time = cpu.clock;
  const site = allocSite(cache, type, size, cpu.id, e.running.fnStack);
  if (slab.shouldFail?.(cache, type, size, site.stack)) return null;
  const obj = init();
  const rec = new SlabRecord(slab.nextId++, site, time, slab.describeCurrent(), obj);
  obj.__slab = rec;
  slab.live.add(rec);
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
  return slab_alloc(kmallocCacheOf(size), type, size, init);
}

/** kmem_cache_alloc: an object from a dedicated cache ("task_struct", "pid", ...). */
export function kmem_cache_alloc<T extends Tracked>(cache: SlabCache, size: number, init: () => T): T | null {
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
  const e = activeEngine();
  const stack = e.running.fnStack;
  if (rec === null) {
    e.report({
      kind: "kasan",
      title: `BUG: KASAN: invalid-free in ${innermost(stack)}`,
      lines: ["The object was not allocated by kmalloc.", "Call Trace:", ...stackLines(stack, " ")],
    });
    return;
  }
  if (rec.freed) {
    e.report({
      kind: "kasan",
      title: `BUG: KASAN: double-free in ${innermost(stack)}`,
      lines: [`Free of object by task ${slab.describeCurrent()}:`, ...stackLines(stack, " "), ...objectHistory(rec)],
    });
    return;
  }
  rec.life = new SlabFree(savedStack(stack), e.runningCpu.clock, slab.describeCurrent());
  slab.live.remove(rec);
  slab.frees++;
  slab.onFree?.(rec);
}

/**
 * Reports a read or write of a freed object (a KASAN check at a modeled access).
 * Models kasan_check_read / kasan_check_write.
 */
export function kasanCheck(obj: Tracked, access: "read" | "write"): void {
  const rec = obj.__slab;
  if (rec === null || !rec.freed) return;
  const e = activeEngine();
  const stack = e.running.fnStack;
  e.report({
    kind: "kasan",
    title: `BUG: KASAN: slab-use-after-free in ${innermost(stack)}`,
    lines: [
      `${access === "read" ? "Read" : "Write"} by task ${slab.describeCurrent()}:`,
      ...stackLines(stack, " "),
      ...objectHistory(rec),
    ],
  });
}

/**
 * The leak scan (kmemleak's idea): every live object that cannot be reached from
 * `roots` by following references is unreferenced, hence leaked. Only objects allocated
 * at or after `since` (virtual ns) are candidates; with none live, nothing is scanned.
 * A live record's `life` is its object. `opaque` objects are not looked into (host objects
 * that kernel data points at, such as the machine). Models kmemleak_scan.
 */
export function findLeaks(roots: readonly unknown[], since = 0, opaque: readonly object[] = []): SlabRecord[] {
  let candidates = 0;
  for (const rec of slab.live.values()) if (rec.allocTime >= since) candidates++;
  if (candidates === 0) return [];
  const seen = new Set<object>(opaque);
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
    if (rec.allocTime >= since && !seen.has(rec.life)) leaks.push(rec);
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

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("LiveRecords", LiveRecords);
stateClass("SlabRecord", SlabRecord);
stateClass("SlabFree", SlabFree);
