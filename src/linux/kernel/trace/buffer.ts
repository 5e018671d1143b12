/**
 * The trace ring buffer: a bounded list of records that overwrites its oldest entries
 * when full, as ftrace's does, plus the saved-cmdlines cache that the TASK-PID column is
 * resolved from when the trace is read.
 *
 * The records are kept in chunks of CHUNK (ftrace's ring is made of pages, too): a chunk is
 * only ever appended to, and once full never changes again, so a snapshot's copy shares
 * every full chunk and copies only the one being written (a copy of a machine with a
 * million records costs a few hundred pointers, not a million). The oldest records go a
 * whole chunk at a time once no record of it is held any more; which records are held (the
 * last `capacity` written) is exactly as with a ring of single entries.
 */

import { COPY } from "../../../sim/classes.js";
import { stateClass } from "../../../sim/code.js";
import type { Copier, CustomCopy } from "../../../sim/copy.js";
import { DEFAULT_ERA, type Era, era as eraProfile } from "../../eras/profiles.js";
import { ALL_EVENTS, type EventType, eventExists, type TraceRecord } from "../../include/trace/events/records.js";

export type Tracer = "nop" | "function" | "function_graph";

/**
 * Every event off: the table each buffer starts from, copied by a spread (not frozen: V8
 * copies a frozen object's properties one by one, an unfrozen one's in one go). Never changed.
 */
const ALL_OFF: Readonly<Record<EventType, boolean>> = Object.fromEntries(ALL_EVENTS.map((e) => [e, false])) as Record<
  EventType,
  boolean
>;

/** Records per chunk of the ring (fewer for a smaller buffer: then a chunk is the whole buffer). */
export const CHUNK = 4096;

export class TraceBuffer implements CustomCopy {
  /** The records, oldest first, in chunks of `chunk`: every chunk but the last is full and never changes. */
  private chunks: TraceRecord[][] = [];
  /** The number (in the order written) of the first record of `chunks[0]`. */
  private first = 0;
  /** Records per chunk. */
  private readonly chunk: number;
  /** Events ever written (entries-written); the buffer holds the last `capacity`. */
  written = 0;
  /** pid → comm, as ftrace's saved_cmdlines: the last name seen for each pid. */
  readonly cmdlines = new Map<number, string>();
  /**
   * One flag per event type: a tracepoint that is off costs one branch. Set through `enable`,
   * which leaves off the events the release does not have, so they are never recorded.
   */
  readonly enabled: Readonly<Record<EventType, boolean>>;
  /** The current tracer (current_tracer): nop, function or function_graph. */
  tracer: Tracer = "nop";

  constructor(
    readonly capacity: number,
    events: Iterable<EventType> = ALL_EVENTS,
    /** The release traced: which events exist, and the formats the formatters write. */
    readonly era: Era = eraProfile(DEFAULT_ERA),
  ) {
    if (!(capacity >= 1)) throw new RangeError("trace buffer capacity must be at least 1");
    this.chunk = Math.min(CHUNK, capacity);
    this.enabled = { ...ALL_OFF };
    this.enable(events);
  }

  /** Turns events on (set_event), those of them that this release has. */
  enable(events: Iterable<EventType>): void {
    const on = this.enabled as Record<EventType, boolean>;
    for (const e of events) if (eventExists(this.era, e)) on[e] = true;
  }

  /** Every event off and the records dropped (`echo 0 > events/enable; echo > trace`). */
  clear(): void {
    for (const e of ALL_EVENTS) (this.enabled as Record<EventType, boolean>)[e] = false;
    this.chunks = [];
    this.first = 0;
    this.written = 0;
  }

  get anyEnabled(): boolean {
    return ALL_EVENTS.some((e) => this.enabled[e]);
  }

  push(r: TraceRecord): void {
    this.written++;
    const chunks = this.chunks;
    const last = chunks[chunks.length - 1];
    if (last !== undefined && last.length < this.chunk) last.push(r);
    else chunks.push([r]);
    // The oldest chunk goes once the records held (the last `capacity`) start past it.
    if (this.written - this.capacity >= this.first + this.chunk) {
      chunks.shift();
      this.first += this.chunk;
    }
  }

  /** The objects given a hashed pointer so far (a Map, not a WeakMap: a snapshot copies it). */
  private readonly pointers = new Map<object, number>();

  /**
   * A stable stand-in for the hashed address %p prints for `obj` (the kernel prints a
   * keyed hash of the pointer, never the address): unique per object within a trace.
   */
  hashedPointer(obj: object): number {
    let h = this.pointers.get(obj);
    if (h === undefined) {
      // A 32-bit mix of a counter: looks like the kernel's hashes, is the same every run.
      let x = Math.imul((this.written + 1) ^ 0x9e3779b9, 0x85ebca6b) ^ (this.pointerCount++ * 0xc2b2ae35);
      x ^= x >>> 16;
      x = Math.imul(x, 0x27d4eb2f);
      h = (x ^ (x >>> 15)) >>> 0;
      this.pointers.set(obj, h);
    }
    return h;
  }

  private pointerCount = 0;

  /** pid last recorded per CPU: the running task's name is saved once per switch, as ftrace does. */
  private readonly lastPid: number[] = [];

  saveCmdline(pid: number, comm: string): void {
    this.cmdlines.set(pid, pid === 0 ? "<idle>" : comm);
  }

  /** Records the name of the task an event happened in, when it is not known yet on that CPU. */
  noteCurrent(cpu: number, pid: number, comm: string): void {
    if (this.lastPid[cpu] === pid) return;
    this.lastPid[cpu] = pid;
    this.saveCmdline(pid, comm);
  }

  /**
   * A snapshot's copy: the records are shared (none changes once written), and so are the
   * full chunks; the chunk being written and the tables are copied, the hashed pointers
   * keyed by the copies of their objects.
   */
  [COPY](c: Copier): object {
    const n = c.made(this, Object.create(TraceBuffer.prototype) as TraceBuffer);
    const pointers = new Map<object, number>();
    for (const [o, h] of this.pointers) pointers.set(c.ref(o), h);
    const chunks = this.chunks.slice();
    const open = chunks.length - 1;
    if (open >= 0 && (chunks[open] as TraceRecord[]).length < this.chunk)
      chunks[open] = (chunks[open] as TraceRecord[]).slice();
    return Object.assign(n, this, {
      chunks,
      cmdlines: new Map(this.cmdlines),
      enabled: { ...this.enabled },
      pointers,
      lastPid: this.lastPid.slice(),
    });
  }

  /** The records held, oldest first. */
  records(): TraceRecord[] {
    const all = this.chunks.flat();
    const skip = this.written - this.entries - this.first;
    return skip > 0 ? all.slice(skip) : all;
  }

  /** Records held (entries-in-buffer): the last `capacity` written. */
  get entries(): number {
    return Math.min(this.written, this.capacity);
  }
}

/** trace_find_cmdline: the name shown for a pid — `<idle>` for 0, `<...>` when never saved. */
export function trace_find_cmdline(cmdlines: ReadonlyMap<number, string>, pid: number): string {
  return pid === 0 ? "<idle>" : (cmdlines.get(pid) ?? "<...>");
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("TraceBuffer", TraceBuffer);
