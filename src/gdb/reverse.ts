/**
 * The debugger's reverse execution: what a reverse command looks for, and the record a
 * replay of one stretch of the run keeps of where it would have stopped. The debugger
 * replays the stretches before the current position from their snapshots, latest first
 * (src/timetravel.ts), until one has a place to stop; then it seeks there.
 *
 * Positions are engine step counts at the end of a pass of the run loop that stepped a
 * thread (see timetravel.ts). An event of a pass that only took an interrupt (a breakpoint
 * on a function the tick calls) belongs to the next pass that steps a thread: the forward
 * run stops there too.
 */
import type { Thread } from "../sim/engine.js";
import type { Anchor } from "./anchor.js";

/** What a reverse command goes back to (besides any breakpoint hit or watchpoint change). */
export type Reverse =
  | { kind: "step"; t: Thread }
  | { kind: "next"; t: Thread; depth: number }
  | { kind: "finish"; t: Thread; depth: number; fn: number }
  | { kind: "continue" };

/** A place to stop found going back. */
export interface Candidate {
  /** The position to go back to. */
  pos: number;
  what: "break" | "step" | "finish" | "watch";
  /** The breakpoint or watchpoint number (break, watch). */
  num: number;
  /** The task the event was in (the one selected there). */
  task: Anchor | null;
  /** A watchpoint's value after the change (the one the run goes back from). */
  later: string;
}

type Event = Omit<Candidate, "pos">;

/** The record of one replayed stretch: the last place before `limit` where the command stops. */
export class Recorder {
  best: Candidate | null = null;
  /** Events in an interrupt: their place is the end of the next pass that steps a thread. */
  private pending: Event[] = [];
  /** The positions of the last watchpoint check and of the last one before it. */
  private checkedAt: number;
  private checkedBefore: number;

  /**
   * `limit`: the position the command goes back from (a place must be before it). `from`:
   * where the stretch starts. `who`: the mode's task (null: none).
   */
  constructor(
    readonly mode: Reverse,
    private readonly who: Anchor | null,
    private readonly limit: number,
    from: number,
  ) {
    this.checkedAt = from;
    this.checkedBefore = from;
  }

  /** The mode's thread in this stretch's machine, once seen. */
  private t: Thread | null = null;

  /** Whether `t` (whose task's anchor is `a`) is the mode's task. */
  isTask(t: Thread, a: Anchor | null): boolean {
    if (this.t !== null) return t === this.t;
    const w = this.who;
    if (w === null || a === null) return false;
    const same = "slab" in w ? "slab" in a && a.slab === w.slab : "pid" in a && a.pid === w.pid && a.comm === w.comm;
    if (same) this.t = t;
    return same;
  }

  /** A place to stop at position `pos` (null: in an interrupt, see `pending`). */
  event(e: Event, pos: number | null): void {
    if (pos === null) this.pending.push(e);
    // The first event at a position is where a forward run stops there.
    else if (pos < this.limit && (this.best === null || pos > this.best.pos)) this.best = { ...e, pos };
  }

  /** The end of a pass that stepped a thread, at step count `steps`: the interrupt's events get their place. */
  passed(steps: number): void {
    const p = this.pending;
    this.pending = [];
    for (const e of p) this.event(e, steps);
  }

  /** A watchpoint check at `pos`: returns the position of the last check before it (where a change found now goes back to). */
  checked(pos: number): number {
    if (pos !== this.checkedAt) {
      this.checkedBefore = this.checkedAt;
      this.checkedAt = pos;
    }
    return this.checkedBefore;
  }
}
