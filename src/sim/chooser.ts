/**
 * The chooser: the one place every nondeterministic decision of a run passes through.
 *
 * A decision is a choice point with `n` alternatives, numbered so that alternative 0 is
 * what the kernel's own policy does. The default chooser returns 0 except where the
 * kernel itself breaks a tie arbitrarily, which it breaks with the seeded PRNG. A run can
 * be recorded as the list of its choices and replayed to an identical trace.
 */
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

/** The kernel's own policy, with a seeded tie-break where the kernel has none. */
export function defaultChooser(seed: number): Chooser {
  const rng: Prng = createPrng(seed);
  return {
    ordersCpus: false,
    choose(kind, n) {
      return SEEDED_TIES.has(kind) ? rng.below(n) : 0;
    },
  };
}

export interface RecordedChoice {
  kind: ChoiceKind;
  n: number;
  pick: number;
}

/** Wraps a chooser and remembers every decision it made. */
export function recordingChooser(inner: Chooser): Chooser & { readonly log: RecordedChoice[] } {
  const log: RecordedChoice[] = [];
  return {
    log,
    ordersCpus: inner.ordersCpus,
    choose(kind, n) {
      const pick = inner.choose(kind, n);
      log.push({ kind, n, pick });
      return pick;
    },
  };
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
  let i = 0;
  return {
    ordersCpus: rest.ordersCpus,
    choose(kind, n) {
      if (i >= log.length) return rest.choose(kind, n);
      const c = log[i++] as RecordedChoice;
      if (c.kind !== kind || c.n !== n) {
        throw new ReplayDivergence(
          `replay diverged at choice ${i - 1}: recorded ${c.kind}/${c.n}, run asked ${kind}/${n}`,
        );
      }
      return c.pick;
    },
  };
}
