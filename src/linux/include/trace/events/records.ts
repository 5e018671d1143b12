/**
 * Typed trace events: what each tracepoint records (its TP_STRUCT__entry), without any
 * text. Formatters turn them into ftrace text or other formats.
 */
import type { Era } from "../../../eras/profiles.js";

export interface EventHeader {
  /** Virtual time, ns. */
  ts: number;
  cpu: number;
  /** The task the event happened in (the ftrace TASK-PID column). */
  pid: number;
  tgid: number;
  /** irqs-off, need-resched, hardirq/softirq, preempt-depth, migrate-disable. */
  irqflags: string;
}

export type WakeupEvent = {
  type: "sched_waking" | "sched_wakeup" | "sched_wakeup_new";
  comm: string;
  tpid: number;
  prio: number;
  target_cpu: number;
  /** Recorded only by the releases whose event has it (2.6.32–4.1): 0 when 2.6.32 found the task still queued. */
  success?: number;
};

export type TraceEvent =
  | WakeupEvent
  | {
      type: "sched_switch";
      prev_comm: string;
      prev_pid: number;
      prev_prio: number;
      /** As __trace_sched_switch_state computes it: a TASK_REPORT bit, 0 (R) or TASK_REPORT_MAX (R+). */
      prev_state: number;
      next_comm: string;
      next_pid: number;
      next_prio: number;
    }
  | { type: "sched_migrate_task"; comm: string; tpid: number; prio: number; orig_cpu: number; dest_cpu: number }
  | { type: "sched_process_fork"; comm: string; tpid: number; child_comm: string; child_pid: number }
  | { type: "sched_process_exit"; comm: string; tpid: number; prio: number; group_dead: boolean }
  | { type: "sched_process_free"; comm: string; tpid: number; prio: number }
  | { type: "sched_process_wait"; comm: string; tpid: number; prio: number }
  | { type: "sched_wait_task"; comm: string; tpid: number; prio: number }
  | { type: "sched_process_exec"; filename: string; tpid: number; old_pid: number }
  /** `interp` is bprm->interp: the file itself unless a script's interpreter replaced it. */
  | { type: "sched_prepare_exec"; interp: string; filename: string; tpid: number; comm: string }
  | { type: "task_newtask"; tpid: number; comm: string; clone_flags: number; oom_score_adj: number }
  | { type: "task_rename"; tpid: number; oldcomm: string; newcomm: string; oom_score_adj: number }
  | { type: "sched_kthread_stop"; comm: string; tpid: number }
  | { type: "sched_kthread_stop_ret"; ret: number }
  /** `work` and `worker` are hashed pointers, as %p prints them; `function` a symbol name. */
  | { type: "sched_kthread_work_queue_work"; work: number; function: string; worker: number }
  | { type: "sched_kthread_work_execute_start" | "sched_kthread_work_execute_end"; work: number; function: string }
  /** The function tracer: a modeled function was entered, called from `parent` (-1: none). */
  | { type: "function"; fn: number; parent: number }
  /** The function_graph tracer: entry and return of a modeled function, at a call depth. */
  | { type: "funcgraph_entry"; fn: number; depth: number }
  | { type: "funcgraph_exit"; fn: number; depth: number; calltime: number; retval: string | null };

export type EventType = Exclude<TraceEvent["type"], "function" | "funcgraph_entry" | "funcgraph_exit">;
export type TraceRecord = EventHeader & TraceEvent;

export const EVENT_SYSTEMS: Readonly<Record<EventType, "sched" | "task">> = {
  sched_waking: "sched",
  sched_wakeup: "sched",
  sched_wakeup_new: "sched",
  sched_switch: "sched",
  sched_migrate_task: "sched",
  sched_process_fork: "sched",
  sched_process_exit: "sched",
  sched_process_free: "sched",
  sched_process_wait: "sched",
  sched_wait_task: "sched",
  sched_process_exec: "sched",
  sched_prepare_exec: "sched",
  sched_kthread_stop: "sched",
  sched_kthread_stop_ret: "sched",
  sched_kthread_work_queue_work: "sched",
  sched_kthread_work_execute_start: "sched",
  sched_kthread_work_execute_end: "sched",
  task_newtask: "task",
  task_rename: "task",
};

export const ALL_EVENTS = Object.keys(EVENT_SYSTEMS) as EventType[];

/**
 * Whether release `era` has tracepoint `e` (include/trace/events/sched.h and task.h of the
 * trees): none in 2.6.24; sched_process_exec and the task events from 3.x; sched_waking from
 * 4.4; the kthread_work events from 5.17; sched_prepare_exec from 6.10. An event a release lacks is never recorded.
 */
export function eventExists(era: Era, e: EventType): boolean {
  if (!era.tracepoints) return false;
  switch (e) {
    case "sched_waking":
      return era.trace_sched_waking;
    case "task_newtask":
    case "task_rename":
      return era.trace_task_events;
    case "sched_process_exec":
      return era.trace_process_exec;
    case "sched_prepare_exec":
      return era.trace_prepare_exec;
    case "sched_kthread_work_queue_work":
    case "sched_kthread_work_execute_start":
    case "sched_kthread_work_execute_end":
      return era.trace_kthread_work;
    default:
      return true;
  }
}

/**
 * The events named by a comma-separated list, as set_event takes them: `sched:*`,
 * `sched:sched_switch`, `sched_switch`, `*:*` or `all`; `none` for no event. Throws on a name
 * that matches nothing.
 */
export function parseEvents(list: string): EventType[] {
  if (list.trim() === "none" || list.trim() === "") return [];
  const out = new Set<EventType>();
  for (const item of list.split(",").map((x) => x.trim())) {
    const [sys, name] = item.includes(":") ? (item.split(":") as [string, string]) : ["*", item];
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/\?/g, ".")}$`,
      );
    const sysRe = glob(sys === "all" ? "*" : sys);
    const nameRe = glob(item === "all" ? "*" : name);
    const matched = ALL_EVENTS.filter((e) => sysRe.test(EVENT_SYSTEMS[e]) && nameRe.test(e));
    if (matched.length === 0) throw new Error(`no event matches '${item}' (events: ${ALL_EVENTS.join(", ")})`);
    for (const e of matched) out.add(e);
  }
  return ALL_EVENTS.filter((e) => out.has(e));
}
