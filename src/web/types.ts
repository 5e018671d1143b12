/**
 * What the visualizer's panes show, as plain data (structured-cloneable: it crosses from the
 * Web Worker that runs the engine to the page). `Session` (session.ts) makes a `Snapshot`
 * of a machine at any position of a run; the page only draws them.
 */

/** What is run: a built-in scenario or the source of one, on a machine. */
export interface RunSpec {
  /** A built-in scenario's name, or "custom" with `source`. */
  scenario: string;
  /** The source of a custom scenario (see session.ts: compileScenario). */
  source?: string;
  cpus: number;
  seed: number;
  /** The kernel release to model (linux/eras/profiles.ts ERA_NAMES). */
  era: string;
  /** A broken protocol variant (`tasklab mutants`), for the explorer and its replays. */
  mutant?: string | null;
  /**
   * A schedule of the explorer, as a replay file has it ([choice index, alternative]): the
   * run is the explorer's (minimal boot, these choices), e.g. a counterexample opened here.
   */
  picks?: [number, number][];
}

/** How far a step goes. */
export type StepKind = "decision" | "call" | "event";

/** A position in a run: engine steps taken (a run is replayed to reach any position). */
export interface Position {
  step: number;
  /** Virtual time (ns) at that position. */
  time: number;
}

export interface TaskView {
  pid: number;
  tgid: number;
  ppid: number;
  /** task->comm: 15 characters at most, as the trace prints it. */
  comm: string;
  /** The name ps shows: a kernel thread's full name (up to 63 characters), else comm. */
  name: string;
  /** The state letter /proc shows: R S D T t X Z P I. */
  state: string;
  kthread: boolean;
  /** The CPU it is on (or last ran on), and whether it is running there now. */
  cpu: number;
  running: boolean;
  /** Modeled call stack, innermost first (like `bt`). */
  stack: string[];
  /** task_struct fields worth showing, as [name, value text]. */
  fields: [string, string][];
}

export interface RequestView {
  /** The kthread's full name, as queued. */
  name: string;
  /** `create->done`: "set" while the creator waits, "null" once someone took the token. */
  done: "set" | "null";
  /** Who owns the request now ("creator comm/pid", "kthreadd", "new thread comm/pid"). */
  owner: string;
  /** Whether it is still on kthread_create_list (kthreadd has not taken it). */
  queued: boolean;
}

export interface CompletionView {
  /** What it is (e.g. "kthread_create_info.done of 'victim'", "kthreadd_done"). */
  what: string;
  done: number;
  /** Tasks waiting on it, "comm/pid". */
  waiters: string[];
}

export interface RunQueueView {
  cpu: number;
  online: boolean;
  /** The running task, "comm/pid" ("swapper/N/0" when idle). */
  curr: string;
  /** Queued tasks, leftmost first, "comm/pid". */
  queued: string[];
}

export interface SlabObjectView {
  id: number;
  cache: string;
  type: string;
  size: number;
  /** Where it was allocated: the innermost modeled function of the allocating stack. */
  site: string;
  /** "comm/pid" of the allocating task. */
  task: string;
}

/** A stretch of time a task ran on a CPU (the timeline's slices). */
export interface Slice {
  cpu: number;
  pid: number;
  comm: string;
  start: number;
  /** The end, or the snapshot's time for the slice still running. */
  end: number;
}

export interface Marker {
  cpu: number;
  time: number;
  /** The event name (sched_wakeup, task_newtask, ...). */
  event: string;
  /** The index of its line in `Snapshot.trace`. */
  line: number;
}

/** A wakeup and the woken task's next run (an arrow on the timeline). */
export interface WakeArrow {
  pid: number;
  from: { cpu: number; time: number };
  to: { cpu: number; time: number };
}

/** A fork (sched_process_fork) and the child's first run: the parent→child arrow. */
export interface CreateArrow extends WakeArrow {
  /** The child's comm, as the fork event names it. */
  comm: string;
}

export interface SourceView {
  /** The modeled function and its file under src/ (e.g. "kernel/kthread.ts"). */
  fn: string;
  file: string;
  /** Its source text and the line (1-based, within `text`) the task is at. */
  text: string;
  line: number;
}

export interface Snapshot {
  spec: RunSpec;
  position: Position;
  /** Whether the run is over (the machine is idle, or a limit). */
  done: boolean;
  /** The first position (where the scenario starts, after boot) and the last, once known (for a scrubber), else null. */
  start: number;
  end: number | null;
  tasks: TaskView[];
  requests: RequestView[];
  completions: CompletionView[];
  runqueues: RunQueueView[];
  slab: SlabObjectView[];
  /** The ftrace text lines so far (header excluded). */
  trace: string[];
  /** The time of each trace line (same index), for syncing with the timeline. */
  traceTimes: number[];
  slices: Slice[];
  markers: Marker[];
  wakeups: WakeArrow[];
  creations: CreateArrow[];
  /** The detectors' reports so far (dmesg style): lockdep, KASAN, deadlock, hung task… */
  reports: string[];
  /** The console so far (printk and the run's notes, dmesg style): output, not findings. */
  console: string[];
}

/** Messages to the engine worker. */
export type ToWorker =
  | { type: "load"; spec: RunSpec; position?: number }
  | { type: "step"; kind: StepKind }
  | { type: "back" }
  | { type: "goto"; step: number }
  | { type: "run"; breakpoint?: string; maxSteps?: number }
  | { type: "source"; pid: number }
  | {
      type: "explore";
      strategy: "dfs" | "dpor" | "stateful" | "random" | "pct";
      preemptions: number;
      runs: number;
      mutant?: string | null;
    };

/** Messages from the engine worker. */
export type FromWorker =
  | { type: "snapshot"; snapshot: Snapshot }
  | { type: "source"; pid: number; source: SourceView | null }
  | { type: "error"; message: string; line?: number; column?: number }
  | { type: "explore-progress"; schedules: number; done: number; total: number }
  | {
      type: "explore-done";
      schedules: number;
      states: number;
      /** The stateful search: distinct states walked (null for the other strategies). */
      distinct: number | null;
      violation: string | null;
      replay: string | null;
    };
