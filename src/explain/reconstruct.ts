/**
 * The tasks of a trace and how each came to be: who created whom (task_newtask,
 * sched_process_fork), when and on which CPU, with which clone flags and of which kind,
 * then its first run, execs, exit, kthread_stop and reaping; and for every task the runs
 * on CPUs (sched_switch) and the wakeups, which the kthread protocol and the Perfetto view
 * read. Events arrive in trace order through `add`.
 */
import { CLONE_PARENT, CLONE_THREAD, CLONE_UNTRACED, CLONE_VFORK } from "../linux/include/uapi/sched.js";
import { hasFlag } from "./era.js";
import type { Fields } from "./fields.js";
import type { TraceLine } from "./parse.js";

export type CreationKind =
  | "kthread"
  | "kernel_thread"
  | "init"
  | "usermode_helper"
  | "fork"
  | "vfork"
  | "thread"
  | "io_worker";

/** A point of the trace: where and when something happened. */
export interface At {
  ts: number | null;
  cpu: number;
  line: number;
}

export interface Creation extends At {
  /** The task that called clone (kthreadd for a kthread). */
  parent: number;
  /** The hex value task_newtask printed; null when only sched_process_fork was traced. */
  clone_flags: number | null;
  kind: CreationKind;
  /** The child's name at fork. */
  comm: string;
  /** sched_wakeup_new: when and onto which CPU. */
  wakeup_new: (At & { target_cpu: number }) | null;
}

export interface Task {
  pid: number;
  /** The last name seen (the events' comm fields; the TASK column only if nothing else). */
  comm: string;
  /** Every name it had, in order (fork, task_rename, exec). */
  names: string[];
  tgid: number;
  /** Its parent process for the tree (real_parent's tgid), null when not known. */
  ppid: number | null;
  /** null: existed before the trace starts. */
  creation: Creation | null;
  /** The first time it was switched in. */
  firstRun: At | null;
  execs: (At & { filename: string })[];
  /** task_rename: by whom (current), from and to. */
  renames: (At & { by: number | null; from: string; to: string })[];
  exit: (At & { group_dead: boolean | null }) | null;
  /** Off the task list: reaped by a wait, released at exit (X) or freed. */
  reaped: At | null;
  freed: At | null;
  /** kthread_stop(): who, when, and what it returned. */
  stop: (At & { by: number; ret: number | null; retAt: At | null }) | null;
  /** First and last line it appears in. */
  seen: [number, number];
}

/** A sched_switch, kept for the protocol and the CPU tracks. */
export interface Switch extends At {
  prev: number;
  prev_state: string;
  next: number;
}

/** A wakeup (sched_waking, or sched_wakeup where the trace has no sched_waking). */
export interface Wake extends At {
  event: string;
  waker: number | null;
  woken: number;
}

export class Reconstruction {
  /** Every task, in the order first seen; a reused pid gets a new entry. */
  readonly tasks: Task[] = [];
  private byPid = new Map<number, Task>();
  readonly switches: Switch[] = [];
  readonly wakes: Wake[] = [];
  readonly lost: { line: number; cpu: number; count: number | null }[] = [];
  /** The kthread_stop calls waiting for their sched_kthread_stop_ret, by caller. */
  private stopping = new Map<number, Task>();
  /** Waits begun (sched_process_wait) and not yet satisfied: the waiter's tgid → pid asked. */
  private waits = new Map<number, { pid: number; at: At }>();
  /** task_newtask seen in a task the layout does not name: waits for sched_process_fork. */
  private pendingNewtask = new Map<number, { flags: number; at: At }>();
  /** Children task_newtask made, whose sched_process_fork comes next. */
  private forked = new Set<number>();
  first: number | null = null;
  last: number | null = null;
  events = 0;
  cpus = new Set<number>();

  /**
   * The task holding `pid`, made if new. `comm` from an event's fields is its name then;
   * with `column` it is the TASK column, the name when the trace was read (maybe later than
   * the trace), used only until an event names the task.
   */
  task(pid: number, line: number, comm?: string, column = false): Task {
    let t = this.byPid.get(pid);
    if (t === undefined) {
      t = newTask(pid, "", line, null);
      this.tasks.push(t);
      this.byPid.set(pid, t);
    }
    // An event's comm is the task's name at that moment (a comm written without task_rename,
    // as ≤4.9's kthread creators do, shows only this way).
    if (comm !== undefined && comm !== "<...>" && comm !== t.comm && (t.comm === "" || !column)) {
      if (this.columnNamed.has(t)) t.names.pop();
      rename(t, comm);
      if (column) this.columnNamed.add(t);
      else this.columnNamed.delete(t);
    }
    t.seen[1] = line;
    return t;
  }
  private columnNamed = new Set<Task>();

  /** The task now holding `pid`, if any. */
  get(pid: number): Task | undefined {
    return this.byPid.get(pid);
  }

  add(l: TraceLine, f: Fields): void {
    this.events++;
    this.cpus.add(l.cpu);
    if (l.ts !== null) {
      if (this.first === null) this.first = l.ts;
      this.last = l.ts;
    }
    const at: At = { ts: l.ts, cpu: l.cpu, line: l.line };
    const ctx = l.pid === null ? null : this.task(l.pid, l.line, l.comm ?? undefined, true);
    if (ctx !== null && l.tgid !== undefined && ctx.creation === null) ctx.tgid = l.tgid;
    switch (l.event) {
      case "sched_switch": {
        const prev = this.task(f.prev_pid as number, l.line, f.prev_comm as string);
        const next = this.task(f.next_pid as number, l.line, f.next_comm as string);
        this.switches.push({ ...at, prev: prev.pid, prev_state: f.prev_state as string, next: next.pid });
        if (next.firstRun === null && next.creation !== null) next.firstRun = at;
        if (prev.exit !== null && /X/.test(f.prev_state as string) && prev.reaped === null) prev.reaped = at;
        return;
      }
      case "sched_waking":
      case "sched_wakeup":
        this.task(f.pid as number, l.line, f.comm as string);
        this.wakes.push({ ...at, event: l.event, waker: ctx?.pid ?? null, woken: f.pid as number });
        return;
      case "sched_wakeup_new": {
        const child = this.task(f.pid as number, l.line, f.comm as string);
        if (child.creation !== null && child.creation.wakeup_new === null)
          child.creation.wakeup_new = { ...at, target_cpu: f.target_cpu as number };
        return;
      }
      case "task_newtask": {
        const flags = Number.parseInt(f.clone_flags as string, 16);
        if (ctx === null) this.pendingNewtask.set(f.pid as number, { flags, at });
        else {
          this.created(f.pid as number, ctx.pid, f.comm as string, at, flags);
          this.forked.add(f.pid as number);
        }
        return;
      }
      case "sched_process_fork": {
        const parent = this.task(f.pid as number, l.line, f.comm as string);
        // Its task_newtask made the child already (function_graph without the task column: not yet).
        if (this.forked.delete(f.child_pid as number)) return;
        const pending = this.pendingNewtask.get(f.child_pid as number);
        this.pendingNewtask.delete(f.child_pid as number);
        this.created(
          f.child_pid as number,
          parent.pid,
          f.child_comm as string,
          pending?.at ?? at,
          pending?.flags ?? null,
        );
        return;
      }
      case "task_rename":
        this.renamed(ctx, f, at);
        return;
      case "sched_process_exec": {
        const t = this.task(f.pid as number, l.line);
        if ((f.old_pid as number) !== t.pid) this.execThread(f.old_pid as number, t, at);
        t.execs.push({ ...at, filename: f.filename as string });
        const base = (f.filename as string).split("/").pop() as string;
        if (t.comm !== base.slice(0, 15) && base !== "") rename(t, base.slice(0, 15));
        this.cancelWait(t);
        return;
      }
      case "sched_process_exit": {
        const t = this.task(f.pid as number, l.line, f.comm as string);
        const gd = f.group_dead === undefined ? null : (f.group_dead as boolean);
        t.exit = { ...at, group_dead: gd };
        this.cancelWait(t);
        if (t.tgid !== t.pid || gd === false || t.ppid === 2 || t.creation?.kind === "kthread") t.reaped ??= at;
        else this.zombie(t);
        return;
      }
      case "sched_process_free": {
        const t = this.task(f.pid as number, l.line, f.comm as string);
        t.freed = at;
        t.reaped ??= at;
        return;
      }
      case "sched_process_wait":
        if (ctx !== null) this.waited(ctx, f.pid as number, at);
        return;
      case "sched_kthread_stop": {
        const k = this.task(f.pid as number, l.line, f.comm as string);
        k.stop = { ...at, by: ctx?.pid ?? -1, ret: null, retAt: null };
        if (ctx !== null) this.stopping.set(ctx.pid, k);
        return;
      }
      case "sched_kthread_stop_ret": {
        const k = ctx === null ? undefined : this.stopping.get(ctx.pid);
        if (k?.stop != null) {
          k.stop.ret = f.ret as number;
          k.stop.retAt = at;
          this.stopping.delete((ctx as Task).pid);
        }
        return;
      }
    }
  }

  private created(pid: number, parentPid: number, comm: string, at: At, flags: number | null): void {
    const old = this.byPid.get(pid);
    // A reused pid: its previous task has left, whether or not the trace showed it.
    if (old !== undefined) old.reaped ??= at;
    const parent = this.task(parentPid, at.line);
    const child = newTask(pid, comm, at.line, {
      ...at,
      parent: parentPid,
      clone_flags: flags,
      kind: kindOf(flags, parent, pid),
      comm,
      wakeup_new: null,
    });
    const threadish = flags !== null && hasFlag(flags, CLONE_THREAD);
    child.tgid = threadish ? parent.tgid : pid;
    child.ppid =
      child.creation?.kind === "kthread"
        ? 2
        : threadish || (flags !== null && hasFlag(flags, CLONE_PARENT))
          ? parent.ppid
          : parent.tgid;
    this.tasks.push(child);
    this.byPid.set(pid, child);
    this.cancelWait(parent);
  }

  /** task_rename: 6.9+ print no pid; then the renamed task is current, or (4.14–6.3) a kthread its creator names. */
  private renamed(ctx: Task | null, f: Fields, at: At): void {
    let t: Task | undefined = f.pid === undefined ? undefined : this.task(f.pid as number, at.line);
    if (t === undefined && ctx !== null) {
      t = ctx.comm === f.oldcomm ? ctx : undefined;
      for (let i = this.tasks.length - 1; t === undefined && i >= 0; i--) {
        const c = this.tasks[i] as Task;
        if (c.comm === f.oldcomm && c.creation?.kind === "kthread" && c.exit === null) t = c;
      }
      t ??= ctx;
    }
    if (t === undefined) return;
    t.renames.push({ ...at, by: ctx?.pid ?? null, from: f.oldcomm as string, to: f.newcomm as string });
    rename(t, f.newcomm as string);
  }

  /** A thread's exec took over the group leader's pid (de_thread): the leader is gone. */
  private execThread(oldPid: number, leader: Task, at: At): void {
    const thread = this.get(oldPid);
    if (thread === undefined) return;
    thread.exit ??= { ...at, group_dead: false };
    thread.reaped ??= at;
    leader.seen[1] = at.line;
  }

  /** A process that exited waits for its parent's wait (or is released if the parent waits already). */
  private zombie(t: Task): void {
    const parent = t.ppid === null ? undefined : this.get(t.ppid);
    if (parent === undefined) return;
    const w = this.waits.get(parent.tgid);
    if (w !== undefined && (w.pid <= 0 || w.pid === t.pid)) {
      this.waits.delete(parent.tgid);
      t.reaped = t.exit;
    }
    // Its own zombie children go to init (no subreaper is seen in a trace).
    for (const c of this.tasks) if (c.ppid === t.tgid && c !== t && c.reaped === null && t.tgid === t.pid) c.ppid = 1;
  }

  /** sched_process_wait: reaps a zombie child at once, or waits for the next one to exit. */
  private waited(w: Task, pid: number, at: At): void {
    const zombie = this.tasks.find(
      (c) => c.exit !== null && c.reaped === null && c.ppid === w.tgid && (pid <= 0 || c.pid === pid),
    );
    if (zombie !== undefined) zombie.reaped = at;
    else this.waits.set(w.tgid, { pid, at });
  }

  /** A task that forks, execs or exits is no longer inside a wait it began. */
  private cancelWait(t: Task): void {
    this.waits.delete(t.tgid);
  }

  /** The task that created `t`: the one holding its parent's pid when it was created (pids are reused). */
  creatorOf(t: Task): Task | undefined {
    if (t.creation === null) return undefined;
    let found: Task | undefined;
    for (const q of this.tasks) {
      if (q === t) break;
      if (q.pid === t.creation.parent) found = q;
    }
    return found;
  }

  /** The tasks on the task list at the trace's end (not reaped). */
  alive(): Task[] {
    return this.tasks.filter((t) => t.reaped === null && t.pid !== 0);
  }
}

function newTask(pid: number, comm: string, line: number, creation: Creation | null): Task {
  return {
    pid,
    comm,
    names: comm === "" ? [] : [comm],
    tgid: pid,
    ppid: pid <= 2 && creation === null ? 0 : null,
    creation,
    firstRun: null,
    execs: [],
    renames: [],
    exit: null,
    reaped: null,
    freed: null,
    stop: null,
    seen: [line, line],
  };
}

function rename(t: Task, comm: string): void {
  t.comm = comm;
  if (t.names[t.names.length - 1] !== comm) t.names.push(comm);
}

/** The kind of a creation, from the creator and the flags (null: only sched_process_fork traced). */
function kindOf(flags: number | null, parent: Task, child: number): CreationKind {
  if (parent.pid === 2) return "kthread";
  if (parent.pid === 0) return child === 1 ? "init" : "kernel_thread";
  if (flags === null) return "fork";
  if (hasFlag(flags, CLONE_THREAD)) return hasFlag(flags, CLONE_UNTRACED) ? "io_worker" : "thread";
  if (hasFlag(flags, CLONE_UNTRACED)) return "usermode_helper";
  return hasFlag(flags, CLONE_VFORK) ? "vfork" : "fork";
}
