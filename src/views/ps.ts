/**
 * The task table as procps shows it: `ps -eo pid,ppid,stat,pri,ni,psr,comm` and
 * `ps -ef`, read from the model's task list the way ps reads /proc (fs/proc/array.c):
 * kernel threads show their full name (up to 63 characters), user tasks their comm.
 */
import { PF_KTHREAD, SCHED_FIFO, task_state_to_char } from "../linux/include/sched.js";
import type { task_struct } from "../linux/include/task_struct.js";
import { pid_nr } from "../linux/kernel/pid.js";
import { functionName } from "../sim/functions.js";
import { proc_task_name, SCHED_TEXT } from "./proc.js";

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
  uid: number;
  rtprio: number;
  /** Pages mapped (VSZ) and resident (RSS) of its address space; 0 for a kernel thread. */
  vsz: number;
  rss: number;
  /** The modeled function it sleeps in (WCHAN), "" when it runs. */
  wchan: string;
  /** Its process group and session (0: init_struct_pid's, as a kernel thread has). */
  pgid: number;
  sid: number;
}

/** get_wchan: the innermost function of a sleeping task's stack outside the scheduler (as /proc/<pid>/stack skips). */
function wchan(p: task_struct): string {
  const stack = p.sim?.fnStack ?? [];
  for (let i = stack.length - 1; i >= 0; i--) {
    const name = functionName(stack[i] as number);
    if (!SCHED_TEXT.has(name)) return name;
  }
  return "";
}

export function psRow(p: task_struct): PsRow {
  const state = task_state_to_char(p);
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
    uid: p.cred.uid,
    rtprio: p.rt_priority,
    vsz: p.mm?.total_vm ?? 0,
    rss: p.mm === null ? 0 : p.mm.rss_anon + p.mm.mmap.reduce((n, v) => n + (v.pages === null ? v.file_pages : 0), 0),
    wchan: wchan(p),
    pgid: pid_nr(p.signal.pgrp),
    sid: pid_nr(p.signal.session),
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

/** One column ps -o knows: its header, alignment, minimum width and value. */
interface Column {
  header: string;
  right: boolean;
  width: number;
  get: (r: PsRow) => string;
}

const CLASSES = ["TS", "FF", "RR", "B", "ISO", "IDL", "DLN"];
const nice = (r: PsRow) => (r.policy === SCHED_FIFO ? "-" : String(r.nice));
const kb = (pages: number) => String(pages * 4);

/** The columns of `ps -o` (procps names; aliases share a spec). */
export const PS_COLUMNS: Readonly<Record<string, Column>> = {
  pid: { header: "PID", right: true, width: 5, get: (r) => String(r.tgid) },
  ppid: { header: "PPID", right: true, width: 5, get: (r) => String(r.ppid) },
  tid: { header: "TID", right: true, width: 5, get: (r) => String(r.pid) },
  lwp: { header: "LWP", right: true, width: 5, get: (r) => String(r.pid) },
  spid: { header: "SPID", right: true, width: 5, get: (r) => String(r.pid) },
  tgid: { header: "TGID", right: true, width: 5, get: (r) => String(r.tgid) },
  pgid: { header: "PGID", right: true, width: 5, get: (r) => String(r.pgid) },
  pgrp: { header: "PGRP", right: true, width: 5, get: (r) => String(r.pgid) },
  sid: { header: "SID", right: true, width: 5, get: (r) => String(r.sid) },
  sess: { header: "SESS", right: true, width: 5, get: (r) => String(r.sid) },
  session: { header: "SESS", right: true, width: 5, get: (r) => String(r.sid) },
  // The foreground process group of the controlling terminal: the model has no terminal.
  tpgid: { header: "TPGID", right: true, width: 5, get: () => "-1" },
  nlwp: { header: "NLWP", right: true, width: 4, get: (r) => String(r.nlwp) },
  stat: { header: "STAT", right: false, width: 4, get: (r) => r.stat },
  s: { header: "S", right: false, width: 1, get: (r) => r.state },
  state: { header: "S", right: false, width: 1, get: (r) => r.state },
  pri: { header: "PRI", right: true, width: 3, get: (r) => String(r.pri) },
  ni: { header: "NI", right: true, width: 3, get: nice },
  nice: { header: "NI", right: true, width: 3, get: nice },
  psr: { header: "PSR", right: true, width: 3, get: (r) => String(r.cpu) },
  cls: { header: "CLS", right: false, width: 3, get: (r) => CLASSES[r.policy] ?? "?" },
  class: { header: "CLS", right: false, width: 3, get: (r) => CLASSES[r.policy] ?? "?" },
  rtprio: { header: "RTPRIO", right: true, width: 6, get: (r) => (r.rtprio > 0 ? String(r.rtprio) : "-") },
  f: {
    header: "F",
    right: true,
    width: 1,
    get: (r) => String(((r.flags & 0x40 ? 1 : 0) | (r.flags & 0x100 ? 4 : 0)) >>> 0),
  },
  flags: {
    header: "F",
    right: true,
    width: 1,
    get: (r) => String(((r.flags & 0x40 ? 1 : 0) | (r.flags & 0x100 ? 4 : 0)) >>> 0),
  },
  uid: { header: "UID", right: true, width: 5, get: (r) => String(r.uid) },
  user: { header: "USER", right: false, width: 8, get: (r) => (r.uid === 0 ? "root" : String(r.uid)) },
  vsz: { header: "VSZ", right: true, width: 6, get: (r) => kb(r.vsz) },
  rss: { header: "RSS", right: true, width: 5, get: (r) => kb(r.rss) },
  wchan: { header: "WCHAN", right: false, width: 6, get: (r) => (r.state === "R" ? "-" : r.wchan || "-") },
  tty: { header: "TT", right: false, width: 8, get: () => "?" },
  time: { header: "TIME", right: false, width: 8, get: (r) => hhmmss(r.runtime) },
  stime: { header: "STIME", right: false, width: 5, get: (r) => hhmmss(r.start_time).slice(0, 5) },
  comm: { header: "COMMAND", right: false, width: 0, get: (r) => r.name },
  ucmd: { header: "CMD", right: false, width: 0, get: (r) => r.name },
  cmd: { header: "CMD", right: false, width: 0, get: (r) => (r.kthread ? `[${r.name}]` : r.name) },
  args: { header: "COMMAND", right: false, width: 0, get: (r) => (r.kthread ? `[${r.name}]` : r.name) },
};

/** Checks a ps -o list ("pid,lwp,comm"); throws naming the unknown column and the known ones. */
export function parsePsColumns(list: string): string[] {
  const cols = list.split(",").map((c) => c.trim().toLowerCase());
  for (const c of cols) {
    if (PS_COLUMNS[c] === undefined)
      throw new RangeError(`unknown ps column '${c}' (known: ${Object.keys(PS_COLUMNS).join(",")})`);
  }
  return cols;
}

/** `ps -o LIST`: the rows in the given columns, laid out as procps does. */
export function formatPsColumns(rows: readonly PsRow[], cols: readonly string[]): string {
  const specs = cols.map((c) => PS_COLUMNS[c] as Column);
  return `${table(
    specs.map((c) => c.header),
    rows.map((r) => specs.map((c) => c.get(r))),
    specs.map((c) => c.right),
    specs.map((c) => c.width),
  )}\n`;
}

/** `ps -eo pid,ppid,stat,pri,ni,psr,comm` */
export function formatPsEo(rows: readonly PsRow[]): string {
  return formatPsColumns(rows, ["pid", "ppid", "stat", "pri", "ni", "psr", "comm"]);
}

/** `ps -eLo pid,lwp,nlwp,stat,pri,ni,psr,comm`: one row per thread, PID the process's. */
export function formatPsL(rows: readonly PsRow[]): string {
  return formatPsColumns(rows, ["pid", "lwp", "nlwp", "stat", "pri", "ni", "psr", "comm"]);
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
