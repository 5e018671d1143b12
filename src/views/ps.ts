/**
 * The task table as procps shows it: `ps -eo pid,ppid,stat,pri,ni,psr,comm` and
 * `ps -ef`, read from the model's task list the way ps reads /proc (fs/proc/array.c):
 * kernel threads show their full name (up to 63 characters), user tasks their comm.
 */
import { PF_KTHREAD, SCHED_FIFO } from "../linux/include/sched.js";
import type { task_struct } from "../linux/include/task_struct.js";
import { proc_task_name, task_state_letter } from "./proc.js";

export interface PsRow {
  pid: number;
  ppid: number;
  tgid: number;
  /** Threads in the task's group (ps's NLWP). */
  nlwp: number;
  /** The state letter /proc/<pid>/stat shows (R S D T t X Z P I). */
  state: string;
  /** ps's STAT column: the state letter plus '<' (nice < 0) or 'N' (nice > 0). */
  stat: string;
  /** What ps's PRI column shows: 139 - prio (19 for nice 0, 139 for SCHED_FIFO 99). */
  pri: number;
  prio: number;
  nice: number;
  policy: number;
  cpu: number;
  flags: number;
  kthread: boolean;
  /** task->comm (15 characters at most). */
  comm: string;
  /** The name /proc shows (kernel threads: the full name). */
  name: string;
  start_time: number;
  /** Run time so far, ns. */
  runtime: number;
}

export function psRow(p: task_struct): PsRow {
  const state = task_state_letter(p);
  const nice = p.static_prio - 120;
  const rt = p.policy === SCHED_FIFO;
  return {
    pid: p.pid,
    ppid: p.pid === 0 ? 0 : p.group_leader.real_parent.tgid,
    tgid: p.tgid,
    nlwp: p.signal.nr_threads,
    state,
    stat: state + (!rt && nice < 0 ? "<" : !rt && nice > 0 ? "N" : ""),
    pri: 139 - p.prio,
    prio: p.prio,
    nice,
    policy: p.policy,
    cpu: p.cpu,
    flags: p.flags,
    kthread: (p.flags & PF_KTHREAD) !== 0,
    comm: p.comm,
    name: proc_task_name(p),
    start_time: p.start_time,
    runtime: p.se.sum_exec_runtime,
  };
}

/** Columns as procps lays them out: fixed minimum widths, growing to fit. */
function table(
  header: string[],
  rows: string[][],
  rightAligned: readonly boolean[],
  minWidths: readonly number[],
): string {
  const widths = header.map((h, i) =>
    Math.max(minWidths[i] ?? 0, h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const last = header.length - 1;
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === last ? c : rightAligned[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number),
      )
      .join(" ");
  return [fmt(header), ...rows.map(fmt)].join("\n");
}

/** `ps -eo pid,ppid,stat,pri,ni,psr,comm` */
export function formatPsEo(rows: readonly PsRow[]): string {
  return `${table(
    ["PID", "PPID", "STAT", "PRI", "NI", "PSR", "COMMAND"],
    rows.map((r) => [
      String(r.pid),
      String(r.ppid),
      r.stat,
      String(r.pri),
      r.policy === SCHED_FIFO ? "-" : String(r.nice),
      String(r.cpu),
      r.name,
    ]),
    [true, true, false, true, true, true, false],
    [5, 5, 4, 3, 3, 3],
  )}\n`;
}

/** `ps -eLo pid,lwp,nlwp,stat,pri,ni,psr,comm`: one row per thread, PID the process's. */
export function formatPsL(rows: readonly PsRow[]): string {
  return `${table(
    ["PID", "LWP", "NLWP", "STAT", "PRI", "NI", "PSR", "COMMAND"],
    rows.map((r) => [
      String(r.tgid),
      String(r.pid),
      String(r.nlwp),
      r.stat,
      String(r.pri),
      r.policy === SCHED_FIFO ? "-" : String(r.nice),
      String(r.cpu),
      r.name,
    ]),
    [true, true, true, false, true, true, true, false],
    [5, 5, 4, 4, 3, 3, 3],
  )}\n`;
}

function hhmmss(ns: number): string {
  const s = Math.floor(ns / 1e9);
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${p2(Math.floor(s / 3600))}:${p2(Math.floor(s / 60) % 60)}:${p2(s % 60)}`;
}

/** `ps -ef`: kernel threads' commands in brackets, as ps prints tasks with no command line. */
export function formatPsEf(rows: readonly PsRow[]): string {
  return `${table(
    ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
    rows.map((r) => [
      "root",
      String(r.pid),
      String(r.ppid),
      "0",
      hhmmss(r.start_time).slice(0, 5),
      "?",
      hhmmss(r.runtime),
      r.kthread ? `[${r.name}]` : r.name,
    ]),
    [false, true, true, true, false, false, false, false],
    [8, 7, 7, 1, 5, 8, 8],
  )}\n`;
}
