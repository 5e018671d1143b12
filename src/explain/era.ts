/**
 * What a trace says about its release: task_newtask's clone_flags decoded by name with the
 * model's constants (include/uapi/linux/sched.h, signal.h) as that release prints them, and
 * the modeled release whose trace formats fit the trace best.
 */
import { ERAS, type Era } from "../linux/eras/profiles.js";
import * as signals from "../linux/include/signal.js";
import * as uapi from "../linux/include/uapi/sched.js";

/** The numeric exports of a module whose names match `re`. */
function constants(mod: object, re: RegExp): [string, number][] {
  return Object.entries(mod).filter((e): e is [string, number] => re.test(e[0]) && typeof e[1] === "number");
}

/** Every CLONE_* flag by value, CSIGNAL's low byte apart (CLONE_NEWTIME shares it). */
const FLAGS = constants(uapi, /^CLONE_(?!.*_HI$)/)
  .filter(([, v]) => v !== uapi.CLONE_LEGACY_FLAGS && v % 0x100 === 0)
  .sort((a, b) => a[1] - b[1]);

const SIGNAL_NAMES = new Map(constants(signals, /^SIG[A-Z]+$/).map(([name, n]) => [n, name] as const));

/**
 * The names of task_newtask's clone_flags: before 5.3 the low byte is the exit signal
 * (Era.trace_flags_with_signal); from 5.3 it holds no signal, and 0x80 is CLONE_NEWTIME.
 */
export function decodeCloneFlags(flags: number, era: Era): string[] {
  const names = FLAGS.filter(([, bit]) => hasFlag(flags, bit)).map(([name]) => name);
  const low = flags % 0x100;
  if (low !== 0) {
    if (era.trace_flags_with_signal) names.push(SIGNAL_NAMES.get(low) ?? `signal ${low}`);
    else if (low === uapi.CLONE_NEWTIME) names.push("CLONE_NEWTIME");
    else names.push(`0x${low.toString(16)}`);
  }
  return names;
}

/** Whether `flags` has `bit` (a flag of the 64-bit word, held in a number). */
export function hasFlag(flags: number, bit: number): boolean {
  return Math.floor(flags / bit) % 2 === 1;
}

/** What the trace showed that tells releases apart; undefined: not seen. */
export interface FormatEvidence {
  /** Characters of the irq-info column. */
  irqChars?: 4 | 5;
  /** sched_process_exit has group_dead=. */
  groupDead?: boolean;
  /** task_rename has pid=. */
  renamePid?: boolean;
  /** kthreadd's children carry their own name at fork (not "kthreadd"). */
  kthreadNamedAtFork?: boolean;
  /** A process's clone_flags had its exit signal in the low byte. */
  flagsWithSignal?: boolean;
  /** sched_waking was seen. */
  waking?: boolean;
  /** 2.6.32's texts (`task comm:pid [prio]`). */
  legacy?: boolean;
}

/** The evidence against `era`, one phrase per mismatch. */
export function conflicts(era: Era, ev: FormatEvidence): string[] {
  const out: string[] = [];
  const check = (seen: boolean | undefined, expected: boolean, what: string) => {
    if (seen !== undefined && seen !== expected)
      out.push(`${what}: ${seen ? "seen" : "not seen"}, ${era.name} ${expected ? "has it" : "has not"}`);
  };
  if (ev.irqChars !== undefined && era.trace_irq_info && ev.irqChars !== era.trace_irq_chars)
    out.push(`irq-info has ${ev.irqChars} flags, ${era.name} prints ${era.trace_irq_chars}`);
  check(ev.groupDead, era.trace_exit_group_dead, "sched_process_exit's group_dead=");
  check(ev.renamePid, era.trace_rename_pid, "task_rename's pid=");
  check(ev.kthreadNamedAtFork, era.kthread_naming === "copy_process", "kthreads named at fork");
  check(ev.flagsWithSignal, era.trace_flags_with_signal, "the exit signal in clone_flags");
  if (ev.waking === true && !era.trace_sched_waking) out.push(`sched_waking: seen, ${era.name} has none`);
  check(ev.legacy, era.trace_legacy_formats, "2.6.32's event texts");
  return out;
}

/** The modeled release with the fewest conflicts (the latest of equals), and its conflicts. */
export function detectEra(ev: FormatEvidence): { era: Era; conflicts: string[] } {
  let best: { era: Era; conflicts: string[] } | null = null;
  for (const era of ERAS.values()) {
    if (!era.tracepoints) continue;
    const c = conflicts(era, ev);
    if (best === null || c.length <= best.conflicts.length) best = { era, conflicts: c };
  }
  return best as { era: Era; conflicts: string[] };
}
