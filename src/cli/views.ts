/** `tasklab ps`, `pstree`, `top` and `proc`: a moment of a run (its end, or --at) shown as those tools show it. */
import { Argument, type Command, InvalidArgumentError } from "commander";
import { PID_MAX_LIMIT } from "../linux/kernel/pid.js";
import { PROC_FILES, type ProcFile } from "../views/proc.js";
import { parsePsColumns } from "../views/ps.js";
import { executeAt, FROM_STATE, type MachineFlags, type StateFlags, withMachineOptions } from "./machine-options.js";
import { intIn, parseTime, UsageError } from "./options.js";
import type { WorkerJob } from "./worker.js";

/** A --eo column list, checked (an unknown column is a usage error). */
function cols(v: string): string[] {
  try {
    return parsePsColumns(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

export function addViewCommands(program: Command): void {
  withMachineOptions(
    program
      .command("ps")
      .description("run a scenario and print the task table at its end (or at --at)")
      .argument("[scenario]", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--from-state <file>", FROM_STATE)
      .option("--at <time>", "show the table at this virtual time", parseTime)
      .option("-f, --full", "ps -ef format (kernel threads in brackets)")
      .option("-L, --threads", "one row per thread, with its LWP (thread id) and NLWP (ps -eLo)")
      .option("--eo <columns>", "these columns, as ps -eo does (e.g. pid,lwp,stat,cls,rtprio,wchan,vsz,rss,comm)", cols)
      .option("--json", "an array of objects instead of a table"),
  ).action(
    async (
      ref: string | undefined,
      f: MachineFlags & StateFlags & { at?: number; full?: boolean; json?: boolean; threads?: boolean; eo?: string[] },
    ) => {
      const plain = f.json ? "ps-json" : f.full ? "ps-ef" : f.threads ? "ps-L" : "ps-eo";
      const view: WorkerJob["view"] = f.eo ? { ps: f.eo, threads: f.threads === true } : plain;
      process.exitCode = await executeAt(ref, f, view);
    },
  );

  withMachineOptions(
    program
      .command("pstree")
      .description("run a scenario and draw its process tree as pstree -p does, at its end (or at --at)")
      .argument("[scenario]", "a built-in scenario name or a .ts/.js file exporting one (or --from-state)")
      .argument("[pid]", "draw only this task's tree (default: init's and kthreadd's)", intIn(1, PID_MAX_LIMIT))
      .option("-n, --numeric-sort", "sort siblings by pid, not by name")
      .option("--at <time>", "draw it at this virtual time", parseTime)
      .option("--from-state <file>", FROM_STATE),
  ).action(
    async (
      ref: string | undefined,
      pid: number | undefined,
      f: MachineFlags & StateFlags & { at?: number; numericSort?: boolean },
    ) => {
      const view = { pstree: { root: pid, numeric: f.numericSort } };
      process.exitCode = await executeAt(ref, f, view);
    },
  );

  withMachineOptions(
    program
      .command("top")
      .description("run a scenario and print a top-style table of CPU use per task at its end (or at --at)")
      .argument("<scenario>", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--at <time>", "at this virtual time", parseTime),
  ).action(async (ref: string, f: MachineFlags & { at?: number }) => {
    process.exitCode = await executeAt(ref, f, "top");
  });

  withMachineOptions(
    program
      .command("proc")
      .description("run a scenario and print /proc/<pid>/comm, stat, status or stack at its end (or at --at)")
      .argument("<scenario>", "a built-in scenario name or a .ts/.js file exporting one")
      .argument("<pid>", "the task")
      .addArgument(new Argument("[file]", "which file").choices(Object.keys(PROC_FILES)).default("status"))
      .option("--at <time>", "read it at this virtual time", parseTime)
      .option("--from-state <file>", `${FROM_STATE} (then the arguments are PID [FILE])`),
  ).action(async (ref: string, pid: string, file: ProcFile, f: MachineFlags & StateFlags & { at?: number }) => {
    const pidOf = (v: string) => {
      try {
        return intIn(0, PID_MAX_LIMIT)(v);
      } catch (e) {
        throw new UsageError(`proc: pid: ${(e as Error).message}`);
      }
    };
    if (f.fromState !== undefined) {
      // proc --from-state FILE PID [WHICH]: the arguments move one place left.
      const which = pid as ProcFile;
      if (!Object.hasOwn(PROC_FILES, which))
        throw new UsageError(`proc: no file '${which}': choose from ${Object.keys(PROC_FILES).join(", ")}`);
      process.exitCode = await executeAt(undefined, f, { pid: pidOf(ref), file: which });
      return;
    }
    process.exitCode = await executeAt(ref, f, { pid: pidOf(pid), file });
  });
}
