/**
 * The kthread creation protocol of a release, step by step with the model's function names
 * (src/linux/kernel/kthread_create.ts, kthread.ts), found in a trace: the creator queues a
 * request and wakes kthreadd, kthreadd forks, the new thread completes the creator and
 * sleeps, the creator returns and (kthread_run) wakes it, it runs its function. Each step
 * with the time since the one before; where the trace departs from the release's protocol,
 * what and where. Also the vfork parent's wait for its child's exec or exit.
 */
import { type Era, since } from "../linux/eras/profiles.js";
import { SIGCHLD } from "../linux/include/signal.js";
import { CLONE_FILES, CLONE_FS, CLONE_UNTRACED, CLONE_VM } from "../linux/include/uapi/sched.js";
import { decodeCloneFlags } from "./era.js";
import type { At, Reconstruction, Switch, Task, Wake } from "./reconstruct.js";

export interface Step {
  /** What happens, in words. */
  what: string;
  /** Where in the model (and Linux) it happens. */
  fn: string;
  /** The task it happens in. */
  pid: number | null;
  at: At | null;
  /** ns since the previous step found; null for the first or without timestamps. */
  took: number | null;
}

export interface Protocol {
  child: Task;
  creator: Task | null;
  steps: Step[];
  /** From the request (or the first step found) to the last step found, ns. */
  total: number | null;
  /** Steps the trace does not hold because it starts or ends in the middle, or lost events. */
  outside: string[];
  departures: string[];
}

/** The ns from the trace's start or end within which a missing step is taken as outside it. */
const EDGE = 1e6;

/** clone_flags of a kthread: create_kthread's CLONE_FS|CLONE_FILES|SIGCHLD, kernel_thread's CLONE_VM|CLONE_UNTRACED. */
function kthreadFlags(era: Era): number {
  return CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED | (era.trace_flags_with_signal ? SIGCHLD : 0);
}

/** The steps' function names in `era`. */
function names(era: Era) {
  const creator =
    era.kthread >= 4
      ? "__kthread_create_on_node"
      : era.kthread_api.has("kthread_create_on_node")
        ? "kthread_create_on_node"
        : "kthread_create";
  return {
    request: `${creator} → wake_up_process(kthreadd_task)`,
    kthreadd: "kthreadd: the request off kthread_create_list",
    fork: `create_kthread → kernel_thread → ${era.fork_fn} → copy_process`,
    wakeupNew: "wake_up_new_task",
    childRuns: "kthread",
    complete: "kthread → complete(&create->done)",
    sleeps: `kthread → ${since(era, "5.4") ? "schedule_preempt_disabled" : "schedule"} (TASK_UNINTERRUPTIBLE)`,
    creatorRuns: `${era.kthread_killed_errno === null ? "wait_for_completion" : "wait_for_completion_killable"} returns`,
    rename: "set_task_comm",
    wake: "wake_up_process",
    runs: "kthread → threadfn",
  };
}

/** Finds the protocol of every kthread creation; `markers` are the lines of lost-event and buffer-started markers. */
export function kthreadProtocols(r: Reconstruction, era: Era, markers: readonly number[]): Protocol[] {
  const wakes = wakeEvents(r);
  return r.tasks.filter((t) => t.creation?.kind === "kthread").map((t) => protocol(r, t, era, wakes, markers));
}

/** sched_waking, where the trace has it (the waker's side), else sched_wakeup. */
function wakeEvents(r: Reconstruction): Wake[] {
  const waking = r.wakes.filter((w) => w.event === "sched_waking");
  return waking.length > 0 ? waking : r.wakes;
}

const after = <T extends At>(xs: readonly T[], line: number, ok: (x: T) => boolean) =>
  xs.find((x) => x.line > line && ok(x)) ?? null;
function before<T extends At>(xs: readonly T[], line: number, ok: (x: T) => boolean): T | null {
  for (let i = xs.length - 1; i >= 0; i--) {
    const x = xs[i] as T;
    if (x.line < line && ok(x)) return x;
  }
  return null;
}

function protocol(r: Reconstruction, child: Task, era: Era, wakes: Wake[], markers: readonly number[]): Protocol {
  const c = child.creation as NonNullable<Task["creation"]>;
  const n = names(era);
  const sw = r.switches;
  const complete = after(wakes, c.line, (w) => w.waker === child.pid);
  const creatorPid = complete?.woken ?? null;
  // A waker not known (function_graph without its task column, before a CPU's first switch) may be the creator.
  const request = before(
    wakes,
    c.line,
    (w) => w.woken === 2 && (creatorPid === null || w.waker === creatorPid || w.waker === null),
  );
  const kthreadd = before(sw, c.line, (s) => s.next === 2 && (request === null || s.line > request.line));
  const childRuns = after(sw, c.line, (s) => s.next === child.pid);
  const sleeps = complete === null ? null : after(sw, complete.line, (s) => s.prev === child.pid);
  const creatorRuns = complete === null ? null : after(sw, complete.line, (s) => s.next === creatorPid);
  const rename = child.renames.find((x) => x.from === "kthreadd") ?? null;
  const wake = complete === null ? null : after(wakes, complete.line, (w) => w.woken === child.pid);
  const runs = wake === null ? null : after(sw, wake.line, (s) => s.next === child.pid);

  const step = (what: string, fn: string, pid: number | null, at: At | null): Step => ({
    what,
    fn,
    pid,
    at,
    took: null,
  });
  const steps: Step[] = [
    step("the creator queues a request and wakes kthreadd", n.request, creatorPid, request),
    step("kthreadd runs", n.kthreadd, 2, kthreadd),
    step("kthreadd forks the thread", n.fork, 2, c),
    step("kthreadd wakes the new thread", n.wakeupNew, 2, c.wakeup_new),
    step("the new thread runs", n.childRuns, child.pid, childRuns),
    step("the new thread wakes its creator", n.complete, child.pid, complete),
    step("the new thread sleeps", n.sleeps, child.pid, sleeps),
    step("the creator runs again", n.creatorRuns, creatorPid, creatorRuns),
  ];
  if (era.kthread_naming === "set_task_comm" || rename !== null)
    steps.push(step("the creator names the thread", n.rename, rename?.by ?? creatorPid, rename));
  steps.push(
    step(
      `${wake?.waker === creatorPid ? "the creator" : "someone"} wakes the thread`,
      n.wake,
      wake?.waker ?? null,
      wake,
    ),
    step("the thread runs its function", n.runs, child.pid, runs),
  );
  let prev: At | null = null;
  for (const s of steps) {
    if (s.at === null) continue;
    if (prev !== null && prev.ts !== null && s.at.ts !== null) s.took = s.at.ts - prev.ts;
    prev = s.at;
  }
  const found = steps.filter((s) => s.at !== null).map((s) => s.at as At);
  const first = found[0] ?? null;
  const last = found[found.length - 1] ?? null;
  const total = first?.ts != null && last?.ts != null ? last.ts - first.ts : null;

  const p: Protocol = {
    child,
    creator: creatorPid === null ? null : (r.get(creatorPid) ?? null),
    steps,
    total,
    outside: [],
    departures: [],
  };
  missing(p, r, markers);
  departures(p, r, era, { sleeps, wake, request, complete });
  return p;
}

/** The mandatory steps (up to the creator's return) that are not in the trace: outside it, or a departure. */
function missing(p: Protocol, r: Reconstruction, markers: readonly number[]): void {
  const mandatory = p.steps.slice(0, 8);
  const present = mandatory.map((s) => s.at !== null);
  const firstIdx = present.indexOf(true);
  const lastIdx = present.lastIndexOf(true);
  const exit = p.child.exit;
  const gone = exit !== null && p.steps[5]?.at === null;
  if (gone)
    p.departures.push(
      `the new thread exited (line ${exit.line}) without waking a creator: its creator had left (a fatal signal ended the killable wait), so the thread ends the request itself`,
    );
  mandatory.forEach((s, i) => {
    if (s.at !== null || (gone && i >= 5)) return;
    const neighbour = i < firstIdx ? mandatory[firstIdx]?.at : i > lastIdx ? mandatory[lastIdx]?.at : null;
    const edge = i < firstIdx ? r.first : r.last;
    const lostBetween = markers.some((m) => {
      const lo =
        before(
          mandatory.slice(0, i).map((x) => x.at ?? { ts: null, cpu: 0, line: Number.POSITIVE_INFINITY }),
          Number.POSITIVE_INFINITY,
          () => true,
        )?.line ?? 0;
      const hi = mandatory.slice(i + 1).find((x) => x.at !== null)?.at?.line ?? Number.POSITIVE_INFINITY;
      return m > lo && m < hi;
    });
    const nearEdge =
      neighbour != null && neighbour.ts !== null && edge !== null && Math.abs(neighbour.ts - edge) < EDGE;
    if (lostBetween) p.outside.push(`${s.what}: lost (the ring buffer dropped events here)`);
    else if (nearEdge)
      p.outside.push(`${s.what}: ${i < firstIdx ? "before the trace starts" : "after the trace ends"}`);
    else p.departures.push(`${s.what} (${s.fn}): not in the trace`);
  });
}

function departures(
  p: Protocol,
  r: Reconstruction,
  era: Era,
  found: { sleeps: Switch | null; wake: Wake | null; request: Wake | null; complete: Wake | null },
): void {
  const c = p.child.creation as NonNullable<Task["creation"]>;
  const where = (at: At) => `line ${at.line}`;
  const namedAtFork = c.comm !== "kthreadd";
  if (era.kthread_naming === "copy_process" && !namedAtFork)
    p.departures.push(
      `forked as 'kthreadd' (${where(c)}): ${era.name} names the thread in copy_process, before the fork's events`,
    );
  if (era.kthread_naming !== "copy_process" && namedAtFork)
    p.departures.push(
      `named '${c.comm}' already at the fork (${where(c)}): ${era.name} forks it as 'kthreadd' and ${era.kthread_naming === "comm" ? "the creator writes its comm" : "the creator renames it with set_task_comm (task_rename)"} afterwards; 6.4+ name it in copy_process`,
    );
  const flags = kthreadFlags(era);
  if (c.clone_flags !== null && c.clone_flags !== flags)
    p.departures.push(
      `clone_flags=${c.clone_flags.toString(16)} (${decodeCloneFlags(c.clone_flags, era).join("|")}) at ${where(c)}: ${era.name} forks kthreads with ${flags.toString(16)} (${decodeCloneFlags(flags, era).join("|")})`,
    );
  if (found.sleeps !== null && found.complete !== null && !/D/.test(found.sleeps.prev_state))
    p.departures.push(
      `the new thread slept in ${found.sleeps.prev_state} (${where(found.sleeps)}), the protocol sleeps in D (TASK_UNINTERRUPTIBLE)`,
    );
  const creator = p.creator?.pid;
  if (creator !== undefined && found.request !== null && found.complete !== null) {
    const early = r.wakes.find(
      (w) =>
        w.line > (found.request as Wake).line &&
        w.line < (found.complete as Wake).line &&
        w.woken === creator &&
        w.waker !== p.child.pid &&
        w.waker !== null,
    );
    if (early !== undefined)
      p.departures.push(
        `the creator was woken by pid ${early.waker} (${where(early)}) before the new thread completed it (a fatal signal ends the killable wait)`,
      );
  }
  if (found.sleeps !== null) {
    const ranAgain = after(r.switches, found.sleeps.line, (s) => s.next === p.child.pid);
    if (ranAgain !== null && (found.wake === null || ranAgain.line < found.wake.line))
      p.departures.push(`the new thread ran again (${where(ranAgain)}) before anyone woke it`);
  }
}

export interface VforkWait {
  child: Task;
  parent: Task;
  /** The child's wake of its parent (exec releasing the mm, or exit): the vfork completion. */
  released: At | null;
  /** From the fork to the release, ns. */
  waited: number | null;
  departures: string[];
}

/** Every vfork: the parent sleeps (D) until the child's exec or exit wakes it. */
export function vforkWaits(r: Reconstruction): VforkWait[] {
  const wakes = wakeEvents(r);
  return r.tasks
    .filter((t) => t.creation?.kind === "vfork")
    .map((child) => {
      const c = child.creation as NonNullable<Task["creation"]>;
      const parent = r.get(c.parent) as Task;
      const released = after(wakes, c.line, (w) => w.waker === child.pid && w.woken === parent.pid);
      const departures: string[] = [];
      const sleep = after(r.switches, c.line, (s) => s.prev === parent.pid);
      // D, or before 4.14's state report D|K (TASK_KILLABLE: 3.x–5.x wait killably).
      if (sleep !== null && /D/.test(sleep.prev_state)) {
        const ran = after(r.switches, sleep.line, (s) => s.next === parent.pid);
        if (ran !== null && (released === null || ran.line < released.line))
          departures.push(`the parent ran (line ${ran.line}) before its vfork child's exec or exit released it`);
      } else if (sleep !== null && !sleep.prev_state.startsWith("R"))
        departures.push(
          `the parent slept in ${sleep.prev_state} after vfork (line ${sleep.line}), not D (wait_for_vfork_done)`,
        );
      const waited = released?.ts != null && c.ts !== null ? released.ts - c.ts : null;
      return { child, parent, released, waited, departures };
    });
}
