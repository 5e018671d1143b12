/**
 * The chooser: the one place every nondeterministic decision of a run passes through.
 *
 * A decision is a choice point with `n` alternatives, numbered so that alternative 0 is
 * what the kernel's own policy does. The default chooser returns 0 except where the
 * kernel itself breaks a tie arbitrarily, which it breaks with the seeded PRNG. A run can
 * be recorded as the list of its choices and replayed to an identical trace.
 */

import { stateClass } from "./code.js";
import { createPrng, type Prng } from "./prng.js";

/** Names of the decisions the model asks the chooser about. */
export type ChoiceKind =
  | "pick_next_task" // which runnable task a CPU runs next (0 = leftmost / highest class)
  | "wake_cpu" // where a wakeup lands when several CPUs are equally good (0 = first)
  | "tick_preempt" // whether a tick that found the slice used up preempts (0 = yes)
  | "cpu_order" // which CPU steps next when the chooser orders them (0 = the earliest, lowest id)
  | "signal" // whether an injected signal is delivered now (0 = not yet)
  | "fault"; // whether an injectable allocation fails here (0 = it succeeds)

export interface Chooser {
  /** Returns an index in [0, n). Only called with n >= 2. */
  choose(kind: ChoiceKind, n: number): number;
  /**
   * Whether the chooser orders the CPUs: then at every step where more than one CPU has a
   * thread to run, `choose("cpu_order", n)` picks which steps next among them, earliest
   * clock first (0: the earliest, which is what time order alone does). Picking another is
   * a preemption: the chosen CPU then runs alone (it comes first, as 0, at the choices
   * that follow) until it goes idle, or another preemption; the CPUs
   * passed over are delayed, their clocks moved up to its time, as if stalled meanwhile.
   * When false, CPUs step in time order, ties lowest id first.
   */
  readonly ordersCpus: boolean;
}

/** Whether the kernel breaks ties of this kind arbitrarily (then the seed decides). */
const SEEDED_TIES: ReadonlySet<ChoiceKind> = new Set<ChoiceKind>(["wake_cpu"]);

/**
 * The kernel's own policy, with a seeded tie-break where the kernel has none. The choosers
 * here are classes whose state is fields, so a machine's snapshot copies them.
 */
class DefaultChooser implements Chooser {
  readonly ordersCpus = false;
  constructor(private readonly rng: Prng) {}

  choose(kind: ChoiceKind, n: number): number {
    return SEEDED_TIES.has(kind) ? this.rng.below(n) : 0;
  }
}

export function defaultChooser(seed: number): Chooser {
  return new DefaultChooser(createPrng(seed));
}

export interface RecordedChoice {
  kind: ChoiceKind;
  n: number;
  pick: number;
}

class RecordingChooser implements Chooser {
  readonly log: RecordedChoice[] = [];
  readonly ordersCpus: boolean;
  constructor(private readonly inner: Chooser) {
    this.ordersCpus = inner.ordersCpus;
  }

  choose(kind: ChoiceKind, n: number): number {
    const pick = this.inner.choose(kind, n);
    this.log.push({ kind, n, pick });
    return pick;
  }
}

/** Wraps a chooser and remembers every decision it made. */
export function recordingChooser(inner: Chooser): Chooser & { readonly log: RecordedChoice[] } {
  return new RecordingChooser(inner);
}

/** An error of tasklab itself: it ends the run instead of becoming a modeled oops. */
export class TasklabError extends Error {}

/** Thrown when a replay does not match the run it replays. */
export class ReplayDivergence extends TasklabError {}

/**
 * Replays a recorded list of decisions. A decision whose kind or arity differs from the
 * recording means the model took another path: that is reported, never silently absorbed.
 * Past the end of the recording it falls back to `rest`.
 */
export function replayChooser(log: readonly RecordedChoice[], rest: Chooser): Chooser {
  return new ReplayChooser(log, rest);
}

class ReplayChooser implements Chooser {
  private i = 0;
  readonly ordersCpus: boolean;
  constructor(
    private readonly log: readonly RecordedChoice[],
    private readonly rest: Chooser,
  ) {
    this.ordersCpus = rest.ordersCpus;
  }

  choose(kind: ChoiceKind, n: number): number {
    const i = this.i;
    if (i >= this.log.length) return this.rest.choose(kind, n);
    const c = this.log[i] as RecordedChoice;
    this.i = i + 1;
    if (c.kind !== kind || c.n !== n) {
      throw new ReplayDivergence(`replay diverged at choice ${i}: recorded ${c.kind}/${c.n}, run asked ${kind}/${n}`);
    }
    return c.pick;
  }
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("DefaultChooser", DefaultChooser);
stateClass("RecordingChooser", RecordingChooser);
stateClass("ReplayChooser", ReplayChooser);
