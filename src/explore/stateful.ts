/**
 * Stateful search (`--stateful`): a depth-first walk of the target's state graph, with a
 * visited set of canonical state hashes, as TLC and Spin do.
 *
 * A state is the machine between two engine steps, from the moment the scenario starts (the
 * booted snapshot, checkpoint.ts). A transition is one step of the run loop under one
 * vector of answers to the choices that step asks (which CPU steps, whether the signal is
 * sent now, which task the scheduler picks, …): the vectors of a step are enumerated as a
 * tree, the way dfs enumerates the schedules of a run, each from a copy of the state. A
 * state whose hash was met before is not expanded again; with a preemption bound, only
 * when it was met with at least as many preemptions left (what it can reach with fewer is
 * a subset of what it reached then). A state in which the machine stops (idle, or a limit)
 * is terminal: the end-of-run checks run on it.
 *
 * The hash is the machine's canonical state hash (snapshot.ts) with nothing abstracted but
 * what is no state of the model: the host hooks (left out by the hash) and the explorer's
 * chooser's bookkeeping (its script and log: cacheFields below). So two states hash equal
 * only when they are equal, virtual time included, and a state's future is a function of
 * the state: skipping a state seen before drops no behaviour (up to a 64-bit hash collision).
 */
import type { Machine } from "../machine.js";
import { DEFAULT_UNTIL, finishRun, type RunOptions } from "../run.js";
import type { Scenario } from "../scenarios/scenario.js";
import { cacheFields } from "../sim/classes.js";
import type { StopReason } from "../sim/engine.js";
import { InputError } from "../sim/suggest.js";
import { copyMachine, hashMachine, type MachineSnapshot, SnapshotError } from "../snapshot.js";
import { arm, bootSnapshot, resume, runIterations } from "./checkpoint.js";
import {
  type Choice,
  firstViolation,
  hash64,
  isPreemption,
  reportProgress,
  ScriptedChooser,
  scheduleOptions,
  type Target,
  targetScenario,
  terminalState,
  type Violation,
} from "./schedule.js";
import { emptyStats, type GraphStats, type Stats } from "./stats.js";

cacheFields(ScriptedChooser, "script", "log", "before", "subjects", "waiting", "steps", "mark");

/** The non-default answers on the way to a state: a step's, then its predecessor's. */
interface Trail {
  up: Trail | null;
  /** The run's index of the step's first choice. */
  base: number;
  /** (index within the step, alternative), nonzero alternatives only. */
  picks: [number, number][];
}

interface Node {
  machine: Machine;
  /** Preemptions spent on the way (the first path that reached it). */
  used: number;
  depth: number;
  /** How many choices the run made up to this state. */
  choices: number;
  trail: Trail | null;
  /** Only the default answers are taken from here (a shard's walk of the default run). */
  defaultOnly: boolean;
  /** The one vector the step starts from (a shard's start: its first deviation), instead of all. */
  first?: Vector;
}

/** A step's answers (zero past its end), the index after its last nonzero one, the preemptions they spend. */
type Vector = [number[], number, number];

/** The most distinct states a walk keeps (its visited set: ~100 bytes a state). */
export const MAX_STATES = 2_000_000;

export interface StatefulJob {
  target: Target;
  /** At most this many preemptions on a path; Infinity: unbounded. */
  preemptions: number;
  /** Give up (incomplete) after this many distinct states (default MAX_STATES). */
  maxStates?: number;
  shard: { index: number; count: number };
}

/** The picks of the run that leads to the state after `trail`, in choice order. */
function picksOf(trail: Trail | null): [number, number][] {
  const out: [number, number][] = [];
  for (let t = trail; t !== null; t = t.up)
    for (let i = t.picks.length - 1; i >= 0; i--) {
      const [j, alt] = t.picks[i] as [number, number];
      out.push([t.base + j, alt]);
    }
  return out.reverse();
}

/** One transition: a copy of `from` runs one step of the run loop under `vector`. */
function stepOnce(
  from: Machine,
  s: Scenario,
  vector: readonly number[],
): { m: Machine; log: Choice[]; stop: StopReason } {
  const m = copyMachine(from, { hooks: "drop" });
  const log: Choice[] = [];
  arm(m, s, (i) => vector[i] ?? 0, log, undefined);
  const stop = m.run({ maxSteps: 1 });
  return { m, log, stop };
}

/** Per step of the run loop, how many choices the default run had made before it. */
function defaultBoundaries(boot: MachineSnapshot, s: Scenario): { before: number[]; choices: Choice[] } {
  const log: Choice[] = [];
  const m = resume(boot, s, () => 0, log, undefined);
  const before: number[] = [0];
  const track = m.engine.afterStep;
  m.engine.afterStep = (cpu) => {
    track?.(cpu);
    before.push(log.length);
  };
  m.run({ until: DEFAULT_UNTIL, maxSteps: 50_000_000 });
  return { before, choices: log };
}

/**
 * Walks the state graph of the job's target (its shard of it: see explore.ts) into a Stats:
 * `schedules` counts the transitions into a terminal state, `states` the distinct terminal
 * states, `graph` the figures of the walk. `onProgress` is called every 256 new states.
 *
 * Without a bound, walks with a bound of 0, 1, 2, … preemptions (the fewest first, as dfs
 * does: a violation is found with the fewest preemptions), until a walk in which the bound
 * cut nothing: that walk saw the whole graph, and is the result (its transitions counted
 * with those of the walks before).
 */
export function exploreStateful(job: StatefulJob, onProgress: (s: Stats) => void = () => {}): Stats {
  try {
    return walkAll(job, onProgress);
  } catch (err) {
    // A state that is not data (the scenario's code runs a generator the frames transform
    // never saw, as a user's file under a built package does): no search, one line.
    if (err instanceof SnapshotError)
      throw new InputError(
        `the stateful search needs to copy and hash ${job.target.scenario}'s machine: ${err.message}`,
      );
    throw err;
  }
}

function walkAll(job: StatefulJob, onProgress: (s: Stats) => void): Stats {
  if (Number.isFinite(job.preemptions)) return walk(job, onProgress).stats;
  let transitions = 0;
  for (let k = 0; ; k++) {
    const { stats, cut } = walk({ ...job, preemptions: k }, onProgress);
    const g = stats.graph as GraphStats;
    g.transitions += transitions;
    transitions = g.transitions;
    if (!cut || stats.counterexample !== null || !g.complete) {
      if (cut) g.complete = false;
      return stats;
    }
  }
}

/** One walk with a finite bound; `cut`: whether the bound left out an alternative. */
function walk(job: StatefulJob, onProgress: (s: Stats) => void): { stats: Stats; cut: boolean } {
  let cut = false;
  const t = job.target;
  const s = targetScenario(t);
  const opts: RunOptions = scheduleOptions(t, () => 0, [], false);
  const boot = bootSnapshot(t);
  if (boot === null)
    throw new InputError(
      `the stateful search needs snapshots of ${t.scenario}'s machine, which cannot be taken (its threads must be made of frames: TASKLAB_RUNTIME=frames)`,
    );
  const stats = emptyStats();
  const graph: GraphStats = { visited: new Set(), transitions: 0, depth: 0, maxQueue: 0, complete: false };
  stats.graph = graph;
  /** Hash → the most preemptions left with which the state was expanded (-1: only its default step). */
  const visited = new Map<string, number>();
  const stack: Node[] = [];
  /** Records the state after a transition; false when the walk is over (a violation, the cap). */
  const arrive = (
    m: Machine,
    log: Choice[],
    stop: StopReason,
    from: Node | null,
    used: number,
    trail: Trail | null,
    defaultOnly: boolean,
  ): boolean => {
    graph.transitions++;
    reportProgress(m.engine);
    for (const c of log) stats.sitesSeen.add(c.site);
    if (stop !== "steps") {
      // The machine stopped (idle, a limit, a panic): a terminal state.
      const r = finishRun(s, m, opts, stop);
      stats.schedules++;
      stats.states.add(hash64(terminalState(r)));
      const v = firstViolation(r.reports);
      if (v !== null) return found(stats, trail, v);
      return true;
    }
    const v = firstViolation(m.reports);
    if (v !== null) return found(stats, trail, v);
    const h = hashMachine(m);
    const seen = visited.get(h);
    const left = defaultOnly ? -1 : job.preemptions - used;
    if (seen !== undefined && seen >= left) return true;
    visited.set(h, left);
    if (!graph.visited.has(h)) {
      graph.visited.add(h);
      if (graph.visited.size % 256 === 0) onProgress(stats);
    }
    const depth = (from?.depth ?? 0) + 1;
    if (depth > graph.depth) graph.depth = depth;
    stack.push({ machine: m, used, depth, choices: (from?.choices ?? 0) + log.length, trail, defaultOnly });
    if (stack.length > graph.maxQueue) graph.maxQueue = stack.length;
    return graph.visited.size < (job.maxStates ?? MAX_STATES);
  };
  const { index, count } = job.shard;
  if (count === 1) {
    const root = boot.restore();
    const h = hashMachine(root);
    visited.set(h, job.preemptions);
    graph.visited.add(h);
    stack.push({ machine: root, used: 0, depth: 0, choices: 0, trail: null, defaultOnly: false });
  } else {
    // The behaviours are split by their first deviation from the default run, as dfs's jobs
    // are; shard 0 also walks the default run itself.
    const def = defaultBoundaries(boot, s);
    let k = 0;
    const starts: [number, number, number][] = [];
    def.choices.forEach((c, i) => {
      const cost = isPreemption(c.kind) ? 1 : 0;
      if (cost > job.preemptions) {
        cut = true;
        return;
      }
      for (let alt = 1; alt < c.n; alt++)
        if (k++ % count === index) {
          starts.push([i, alt, cost]);
          stats.sitesTried.add(c.site);
        }
    });
    // Last pushed, first walked: in reverse, so that the walk goes in the order of the deviations.
    for (let j = starts.length - 1; j >= 0; j--) {
      const [at, alt, cost] = starts[j] as [number, number, number];
      // The state before the step that makes choice `at`, reached by the default answers.
      let step = 0;
      while ((def.before[step + 1] ?? Number.POSITIVE_INFINITY) <= at) step++;
      const base = def.before[step] as number;
      const m = resume(boot, s, () => 0, [], undefined);
      runIterations(m, step);
      const vector = new Array<number>(at - base).fill(0);
      vector.push(alt);
      stack.push({
        machine: m,
        used: 0,
        depth: step,
        choices: base,
        trail: null,
        defaultOnly: false,
        first: [vector, at - base + 1, cost],
      });
    }
    if (index === 0) {
      const root = boot.restore();
      const h = hashMachine(root);
      visited.set(h, -1);
      graph.visited.add(h);
      stack.push({ machine: root, used: 0, depth: 0, choices: 0, trail: null, defaultOnly: true });
    }
  }
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    // The step's answer vectors, as a tree: [vector, the index after its last nonzero pick, preemptions it spends].
    const vectors: Vector[] = [node.first ?? [[], 0, 0]];
    while (vectors.length > 0) {
      const [vector, from, cost] = vectors.pop() as Vector;
      const { m, log, stop } = stepOnce(node.machine, s, vector);
      if (!node.defaultOnly) {
        for (let j = from; j < log.length; j++) {
          const c = log[j] as Choice;
          const extra = isPreemption(c.kind) ? 1 : 0;
          if (node.used + cost + extra > job.preemptions) {
            cut = true;
            continue;
          }
          stats.sitesTried.add(c.site);
          const prefix = log.slice(0, j).map((x) => x.pick);
          for (let alt = c.n - 1; alt >= 1; alt--) vectors.push([[...prefix, alt], j + 1, cost + extra]);
        }
      }
      const picks = log.flatMap((c, j): [number, number][] => (c.pick === 0 ? [] : [[j, c.pick]]));
      const trail = picks.length > 0 ? { up: node.trail, base: node.choices, picks } : node.trail;
      if (!arrive(m, log, stop, node, node.used + cost, trail, node.defaultOnly)) return { stats, cut };
    }
  }
  graph.complete = true;
  return { stats, cut };
}

function found(stats: Stats, trail: Trail | null, v: Violation): false {
  stats.counterexample = { picks: picksOf(trail), violation: v, order: [0] };
  return false;
}
