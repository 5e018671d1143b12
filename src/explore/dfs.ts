/**
 * Systematic exploration: every schedule up to a preemption bound, fewest preemptions first
 * (iterative context bounding: one pass per number of preemptions, 0, 1, … K).
 *
 * The schedules form a tree. The root is the run in which every choice takes alternative 0
 * (time order, the kernel's own policy, no signal). A node's children are its run with one
 * more deviation, at a choice point after the node's last one: so each schedule is
 * enumerated exactly once, as its list of deviations in increasing order. A deviation that
 * overrules time order or the scheduler (`isPreemption`) spends one of the bound's
 * preemptions; sending an injected signal at a chosen step and picking among tied CPUs
 * spend none (a signal is sent once, so it is one deviation per schedule at most).
 *
 * Reduction: a deviation at a choice point only reorders what the two alternatives do next.
 * When the step the default alternative takes there touched no shared state (`Choice.local`,
 * see reduce.ts), swapping it with the other's step gives an equivalent schedule (the same
 * order of every pair of steps that touch shared state, hence the same terminal state), so
 * that deviation is skipped: this is the sleep-set argument for a step that is independent
 * of every other.
 */
import { type Checkpoint, runFrom } from "./checkpoint.js";
import { isPreemption, type Outcome, picksScript, type Target } from "./schedule.js";
import { addOutcome, type Stats } from "./stats.js";

export interface DfsBounds {
  /** At most this many preemptions per schedule. */
  preemptions: number;
  /** Deviate only at the first `depth` choice points of a run. */
  depth: number;
  /** Skip deviations that only swap a step that touches no shared state (reduce.ts). */
  reduce: boolean;
}

/**
 * A schedule of the tree: its deviations (choice index → alternative), the last one's index,
 * the preemptions spent, and whether one of the deviations sent a signal (then no more
 * "signal" choices come: only preemptions and the rarer choices can follow).
 */
export interface TreeNode {
  picks: [number, number][];
  last: number;
  used: number;
  signalled?: boolean;
}

export const ROOT: TreeNode = { picks: [], last: -1, used: 0 };

/** The node's children, given the run of the node itself. */
export function childrenOf(node: TreeNode, o: Outcome, b: DfsBounds): TreeNode[] {
  const out: TreeNode[] = [];
  const end = Math.min(o.choices.length, b.depth);
  for (let i = node.last + 1; i < end; i++) {
    const c = o.choices[i];
    if (c === undefined) break;
    const cost = isPreemption(c.kind) ? 1 : 0;
    if (node.used + cost > b.preemptions) continue;
    if (b.reduce && c.local) continue;
    const signalled = node.signalled === true || c.kind === "signal";
    for (let alt = 1; alt < c.n; alt++)
      out.push({
        picks: [...node.picks, [i, alt]],
        last: i,
        used: node.used + cost,
        ...(signalled ? { signalled } : {}),
      });
  }
  return out;
}

export interface SubtreeControl {
  stopOnViolation: boolean;
  /** Called after each schedule (progress), with the schedule's node. */
  onSchedule?: (s: Stats, node: TreeNode) => void;
  /** Asked before each schedule: false stops the walk (another task found a violation first). */
  keepGoing?: () => boolean;
}

/**
 * Explores the subtree under `root` with up to `b.preemptions` preemptions, counting into
 * `stats` only the schedules with exactly `exactly` of them (the ones with fewer were
 * counted by an earlier pass; they are run again only to reach their children). `order`
 * places this subtree in the whole enumeration.
 */
export function exploreSubtree(
  t: Target,
  root: TreeNode,
  b: DfsBounds,
  order: number,
  stats: Stats,
  ctl: SubtreeControl,
  exactly: number = b.preemptions,
): void {
  // Each node waits with the checkpoints its run can start from (its parent's, up to its deviation).
  const stack: [TreeNode, readonly Checkpoint[]][] = [[root, []]];
  let seq = 0;
  while (stack.length > 0) {
    if (ctl.keepGoing !== undefined && !ctl.keepGoing()) return;
    const [node, from] = stack.pop() as [TreeNode, readonly Checkpoint[]];
    // A run whose children will be many (it can still preempt, or send the signal) keeps checkpoints.
    const keep = node.used < b.preemptions || node.signalled !== true;
    const { outcome, checkpoints } = runFrom(t, picksScript(new Map(node.picks)), from, keep ? node.last + 1 : -1);
    if (node.used === exactly) {
      addOutcome(stats, outcome, node.last);
      if (outcome.violation !== null && stats.counterexample === null) {
        stats.counterexample = { picks: node.picks, violation: outcome.violation, order: [order, seq] };
      }
      seq++;
      ctl.onSchedule?.(stats, node);
      if (outcome.violation !== null && ctl.stopOnViolation) return;
    }
    if (outcome.violation !== null) continue; // what follows a violation is not explored
    const kids = childrenOf(node, outcome, b);
    for (let j = kids.length - 1; j >= 0; j--) {
      const kid = kids[j] as TreeNode;
      stack.push([kid, checkpoints.filter((c) => c.at <= kid.last)]);
    }
  }
}
