/**
 * /proc/<pid>/comm, stat and status (fs/proc/base.c, fs/proc/array.c, 6.x), read from the
 * model's task_struct the way the kernel fills them. Kernel threads show their full name
 * (up to 63 characters); user tasks their 15-character comm.
 */
import { PF_KTHREAD, SCHED_FIFO, task_state_to_char } from "../linux/include/sched.js";
import type { mm_struct, task_struct } from "../linux/include/task_struct.js";
import { get_kthread_comm } from "../linux/kernel/kthread.js";
import { pid_nr } from "../linux/kernel/pid.js";
import type { Kernel } from "../linux/kernel.js";
import { VM_EXEC } from "../linux/mm/mm_types.js";
import { functionName } from "../sim/functions.js";

const STATE_NAMES: Record<string, string> = {
  R: "R (running)",
  S: "S (sleeping)",
  D: "D (disk sleep)",
  T: "T (stopped)",
  t: "t (tracing stop)",
  X: "X (dead)",
  Z: "Z (zombie)",
  P: "P (parked)",
  I: "I (idle)",
};

/** USER_HZ: /proc reports times in hundredths of a second. */
const USER_HZ = 100;
const RLIM_INFINITY = "18446744073709551615";

/** proc_task_name: what comm, stat and status show as the name. */
export function proc_task_name(p: task_struct): string {
  return p.flags & PF_KTHREAD ? get_kthread_comm(p) : p.comm;
}

/**
 * The modeled functions that the kernel places in .sched.text (`__sched`) or among the lock
 * functions: the unwinder behind /proc/<pid>/stack skips them (in_sched_functions), so a
 * sleeping task's stack starts at the function that went to sleep.
 */
export const SCHED_TEXT = new Set([
  "schedule",
  "schedule_hrtimeout",
  "schedule_idle",
  "schedule_preempt_disabled",
  "schedule_timeout",
  "schedule_timeout_uninterruptible",
  "cond_resched",
  "do_idle",
  "wait_for_common",
  "wait_for_completion",
  "wait_for_completion_killable",
  "wait_for_completion_interruptible",
  "wait_for_completion_timeout",
  "spin_lock",
  "spin_lock_irq",
]);

/**
 * /proc/<pid>/stack: the task's modeled call stack, innermost first, one `[<0>] symbol`
 * line per frame (the address hidden as for an unprivileged reader). The kernel prints
 * `symbol+offset/size`; the model has no machine code, so no offsets. A dead task has none.
 */
export function proc_pid_stack(p: task_struct): string {
  if (p.exit_state !== 0) return "";
  const names = p.sim.fnStack.map(functionName).filter((n) => !SCHED_TEXT.has(n));
  return names
    .reverse()
    .map((n) => `[<0>] ${n}\n`)
    .join("");
}

export function proc_comm(p: task_struct): string {
  return `${proc_task_name(p)}\n`;
}

function clock_t(ns: number): number {
  return Math.floor(ns / (1e9 / USER_HZ));
}

/** The low 31 bits of a signal mask, as stat prints them. */
function sig31(mask: bigint): string {
  return String(mask & 0x7fffffffn);
}

function sigmask_of(p: task_struct, handler: number): bigint {
  let m = 0n;
  p.sighand?.action.forEach((h, i) => {
    if (h === handler) m |= 1n << BigInt(i);
  });
  return m;
}

function sigcatch(p: task_struct): bigint {
  let m = 0n;
  p.sighand?.action.forEach((h, i) => {
    if (h > 1) m |= 1n << BigInt(i);
  });
  return m;
}

/** /proc/<pid>/stat: the 52 space-separated fields of do_task_stat. */
export function proc_stat(p: task_struct): string {
  const ppid = p.pid === 0 ? 0 : p.real_parent.tgid;
  const sleeping = p.on_cpu === 0 && task_state_to_char(p) !== "R";
  const fields: (string | number)[] = [
    p.pid,
    `(${proc_task_name(p)})`,
    task_state_to_char(p),
    ppid,
    pid_nr(p.signal.pgrp),
    pid_nr(p.signal.session),
    0, // tty_nr
    -1, // tpgid
    p.flags >>> 0,
    0,
    0,
    0,
    0, // minflt cminflt majflt cmajflt
    0, // utime
    clock_t(p.se.sum_exec_runtime), // stime: a kernel thread's time is all system time
    0,
    0, // cutime cstime
    p.prio - 100, // task_prio
    p.policy === SCHED_FIFO ? 0 : p.static_prio - 120,
    p.signal.nr_threads,
    0, // itrealvalue
    clock_t(p.start_time),
    0, // vsize
    0, // rss
    RLIM_INFINITY,
    0,
    0,
    0,
    0,
    0, // startcode endcode startstack kstkesp kstkeip
    sig31(p.pending.signal),
    sig31(p.blocked),
    sig31(sigmask_of(p, 1)),
    sig31(sigcatch(p)),
    sleeping ? 1 : 0, // wchan: 1 when blocked in the kernel (the address is hidden)
    0,
    0, // nswap cnswap
    p.exit_signal < 0 ? 0 : p.exit_signal,
    p.cpu,
    p.rt_priority,
    p.policy,
    0,
    0,
    0, // delayacct_blkio_ticks guest_time cguest_time
    0,
    0,
    0,
    0,
    0,
    0,
    0, // start_data end_data start_brk arg_start arg_end env_start env_end
    p.exit_code,
  ];
  return `${fields.join(" ")}\n`;
}

function hex16(m: bigint): string {
  return m.toString(16).padStart(16, "0");
}

/** A cpumask as /proc prints it: 32-bit hex words, most significant first, comma-separated. */
function cpumask_hex(p: task_struct, nr_cpu_ids: number): string {
  const words: string[] = [];
  for (let w = Math.ceil(nr_cpu_ids / 32) - 1; w >= 0; w--) {
    const v = (p.cpus_mask.bits[w] ?? 0) >>> 0;
    const digits = Math.min(8, Math.ceil((nr_cpu_ids - w * 32) / 4));
    words.push(v.toString(16).padStart(w === Math.ceil(nr_cpu_ids / 32) - 1 ? digits : 8, "0"));
  }
  return words.join(",");
}

/** A pid's number at every level, outermost first (NSpid:, NStgid:). */
function ns_numbers(pid: task_struct["thread_pid"], fallback: number): string {
  return pid === null ? String(fallback) : pid.numbers.map((u) => u.nr).join("\t");
}

/** task_mem: the Vm* lines of a task with an address space, in kB. */
function task_mem(mm: mm_struct): string[] {
  const kb = (pages: number) => `${String(pages * 4).padStart(8)} kB`;
  let file = 0;
  let stack = 0;
  let exec = 0;
  let lib = 0;
  for (const v of mm.mmap) {
    const pages = (v.vm_end - v.vm_start) / 4096;
    if (v.pages === null) file += v.file_pages;
    if (v.name === "[stack]") stack += pages;
    else if (v.vm_flags & VM_EXEC) {
      if (v.name.includes(".so")) lib += pages;
      else exec += pages;
    }
  }
  const rss = mm.rss_anon + file;
  const data = mm.total_vm - stack - exec - lib;
  return [
    `VmPeak:\t${kb(mm.total_vm)}`,
    `VmSize:\t${kb(mm.total_vm)}`,
    `VmLck:\t${kb(0)}`,
    `VmPin:\t${kb(0)}`,
    `VmHWM:\t${kb(rss)}`,
    `VmRSS:\t${kb(rss)}`,
    `RssAnon:\t${kb(mm.rss_anon)}`,
    `RssFile:\t${kb(file)}`,
    `RssShmem:\t${kb(0)}`,
    `VmData:\t${kb(data)}`,
    `VmStk:\t${kb(stack)}`,
    `VmExe:\t${kb(exec)}`,
    `VmLib:\t${kb(lib)}`,
    `VmPTE:\t${kb(Math.ceil(rss / 512) + 1)}`,
    `VmSwap:\t${kb(0)}`,
  ];
}

/** /proc/<pid>/status (Vm* lines only for a task with an address space). */
export function proc_status(p: task_struct, k: Kernel): string {
  const kthread = (p.flags & PF_KTHREAD) !== 0;
  const ppid = p.pid === 0 ? 0 : p.real_parent.tgid;
  const caps = (set: bigint) => (set & ((1n << 41n) - 1n)).toString(16).padStart(16, "0");
  const uid = `${p.cred.uid}\t${p.cred.euid}\t${p.cred.euid}\t${p.cred.euid}`;
  const nodes = `${Array.from({ length: 31 }, () => "00000000").join(",")},00000001`;
  const lines = [
    `Name:\t${proc_task_name(p)}`,
    `Umask:\t${(p.fs?.umask ?? 0o022).toString(8).padStart(4, "0")}`,
    `State:\t${STATE_NAMES[task_state_to_char(p)]}`,
    `Tgid:\t${p.tgid}`,
    "Ngid:\t0",
    `Pid:\t${p.pid}`,
    `PPid:\t${ppid}`,
    "TracerPid:\t0",
    `Uid:\t${uid}`,
    "Gid:\t0\t0\t0\t0",
    `FDSize:\t${p.files === null ? 0 : 64}`,
    "Groups:\t ",
    `NStgid:\t${ns_numbers(p.group_leader.thread_pid, p.tgid)}`,
    `NSpid:\t${ns_numbers(p.thread_pid, p.pid)}`,
    `NSpgid:\t${kthread ? 0 : p.tgid}`,
    `NSsid:\t${kthread ? 0 : p.tgid}`,
    `Kthread:\t${kthread ? 1 : 0}`,
    ...(p.mm === null ? [] : task_mem(p.mm)),
    `Threads:\t${p.signal.nr_threads}`,
    `SigQ:\t0/${Math.floor(k.max_threads / 2)}`,
    `SigPnd:\t${hex16(p.pending.signal)}`,
    `ShdPnd:\t${hex16(p.signal.shared_pending.signal)}`,
    `SigBlk:\t${hex16(p.blocked)}`,
    `SigIgn:\t${hex16(sigmask_of(p, 1))}`,
    `SigCgt:\t${hex16(sigcatch(p))}`,
    `CapInh:\t${caps(p.cred.cap_inheritable)}`,
    `CapPrm:\t${caps(p.cred.cap_permitted)}`,
    `CapEff:\t${caps(p.cred.cap_effective)}`,
    "CapBnd:\t000001ffffffffff",
    "CapAmb:\t0000000000000000",
    "NoNewPrivs:\t0",
    "Seccomp:\t0",
    "Seccomp_filters:\t0",
    "Speculation_Store_Bypass:\tvulnerable",
    "SpeculationIndirectBranch:\talways enabled",
    `Cpus_allowed:\t${cpumask_hex(p, k.nr_cpu_ids)}`,
    `Cpus_allowed_list:\t${p.cpus_mask.toList()}`,
    `Mems_allowed:\t${nodes}`,
    "Mems_allowed_list:\t0",
    `voluntary_ctxt_switches:\t${p.nvcsw}`,
    `nonvoluntary_ctxt_switches:\t${p.nivcsw}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** "%-45s:%21Ld" and "%-45s:%14Ld.%06ld" (ns as milliseconds) of proc_sched_show_task. */
const schedLine = (name: string, v: number) => `${name.padEnd(45)}:${String(v).padStart(21)}\n`;
const schedNs = (name: string, value: number) => {
  const ns = Math.trunc(value); // the model's vruntime has fractions of a ns; the kernel's is a u64
  return `${name.padEnd(45)}:${String(Math.trunc(ns / 1e6)).padStart(14)}.${String(Math.abs(ns % 1e6)).padStart(6, "0")}\n`;
};

/**
 * /proc/<pid>/sched as 6.19's proc_sched_show_task writes it with schedstats off (the
 * default), for what the model keeps: run time and vruntime, migrations, switches, load
 * weight (scaled by 1024 on 64-bit), policy and prio. It leaves out the PELT averages
 * (se.avg.*) and se.slice, which belong to EEVDF: the model's fair class is CFS. The
 * clock-delta line is two reads of the virtual clock with nothing between: 0.
 */
export function proc_pid_sched(p: task_struct): string {
  const se = p.se;
  return [
    `${p.comm} (${p.pid}, #threads: ${p.signal.nr_threads})\n`,
    `${"-".repeat(67)}\n`,
    schedNs("se.exec_start", se.exec_start),
    schedNs("se.vruntime", se.vruntime),
    schedNs("se.sum_exec_runtime", se.sum_exec_runtime),
    schedLine("se.nr_migrations", se.nr_migrations),
    schedLine("nr_switches", p.nvcsw + p.nivcsw),
    schedLine("nr_voluntary_switches", p.nvcsw),
    schedLine("nr_involuntary_switches", p.nivcsw),
    schedLine("se.load.weight", se.weight * 1024),
    schedLine("policy", p.policy),
    schedLine("prio", p.prio),
    schedLine("clock-delta", 0),
  ].join("");
}

/** The files of /proc/<pid>/ the model writes, by name. */
export const PROC_FILES = {
  comm: proc_comm,
  stat: proc_stat,
  status: proc_status,
  stack: proc_pid_stack,
  sched: proc_pid_sched,
} satisfies Record<string, (p: task_struct, k: Kernel) => string>;

export type ProcFile = keyof typeof PROC_FILES;
