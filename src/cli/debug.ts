/**
 * `tasklab debug`: the debugger's terminal. Commands come from --ex options and -x files
 * (then it exits, as gdb -batch does), else from the terminal with line editing and
 * history (readline), else from piped stdin. The machine lives in a worker thread (see
 * debug-worker.ts) under the same watchdog as every other command.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Worker } from "node:worker_threads";
import type { Command } from "commander";
import type { DebugJob, DebugReply } from "./debug-worker.js";
import {
  FROM_STATE,
  type MachineFlags,
  runOptions,
  type StateFlags,
  scenarioOrState,
  withMachineOptions,
} from "./machine-options.js";
import { parseTime, UsageError } from "./options.js";
import { exitedMessage, type Hung, hung, MAX_HEAP_MB, outOfMemory, scenarioWorker } from "./watchdog.js";

const PROMPT = "(tasklab) ";

export interface DebugInput {
  /** Commands of -x files and --ex options, in order. */
  commands: string[];
  /** Exit after them instead of reading more (gdb -batch). */
  batch: boolean;
}

/** Commands from -x files (one per line, # comments skipped) then --ex options. */
export function batchCommands(files: readonly string[], ex: readonly string[]): string[] {
  const fromFiles = files.flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      throw new UsageError(`cannot read command file '${f}'`);
    }
    return text.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  });
  return [...fromFiles, ...ex];
}

class Session {
  private readonly w: Worker;
  private pending: ((r: DebugReply | Hung) => void) | null = null;
  private last = "nowhere yet";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    job: DebugJob,
    private readonly seconds: number,
    heapMb: number,
  ) {
    this.w = scenarioWorker(job, heapMb);
    this.w.on("message", (m: DebugReply) => {
      if (m.type === "progress") {
        this.last = m.where;
        this.arm();
        return;
      }
      this.deliver(m);
    });
    this.w.on("error", (e) => {
      const message = outOfMemory(job.ref, heapMb, e);
      if (message === null) throw e;
      this.deliver({ type: "usage", message });
    });
    this.w.on("exit", (code) => this.deliver({ type: "usage", message: exitedMessage(job.ref, code) }));
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.w.terminate();
      this.deliver(hung(this.seconds, this.last));
    }, this.seconds * 1000);
  }

  private deliver(r: DebugReply | Hung): void {
    clearTimeout(this.timer);
    const p = this.pending;
    this.pending = null;
    p?.(r);
  }

  /** The next reply (ready, or a command's output). */
  next(line: string | null): Promise<DebugReply | Hung> {
    return new Promise((resolve) => {
      this.pending = resolve;
      // The first reply's time counts from the worker's first message (see watchdog.ts).
      if (line !== null) {
        this.arm();
        this.w.postMessage(line);
      }
    });
  }

  close(): void {
    clearTimeout(this.timer);
    void this.w.terminate();
  }
}

/** Runs a debugging session; returns the exit code (0, or 2 if the watchdog ended scenario code that never yields). */
export async function debugSession(
  job: DebugJob,
  input: DebugInput,
  watchdog: number,
  heapMb = MAX_HEAP_MB,
): Promise<number> {
  const s = new Session(job, watchdog, heapMb);
  const ready = await s.next(null);
  if (ready.type === "usage") {
    s.close();
    throw new UsageError(ready.message);
  }
  const interactive = !input.batch && input.commands.length === 0 && process.stdin.isTTY === true;
  const run = async (line: string): Promise<"go" | "quit" | "hung"> => {
    const r = await s.next(line);
    if (r.type === "hung") {
      process.stderr.write(`${r.report}\n`);
      return "hung";
    }
    if (r.type === "usage") throw new UsageError(r.message);
    if (r.type !== "out") return "go";
    process.stderr.write(r.tty);
    for (const rep of r.reports) process.stderr.write(`${rep}\n`);
    if (r.text !== "") process.stdout.write(`${r.text}\n`);
    return r.done ? "quit" : "go";
  };
  try {
    for (const c of input.commands) {
      const v = await run(c);
      if (v !== "go") return v === "hung" ? 2 : 0;
    }
    if (input.batch) return 0;
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
    if (interactive) {
      rl.setPrompt(PROMPT);
      rl.prompt();
    }
    for await (const line of rl) {
      const v = await run(line);
      if (v !== "go") {
        rl.close();
        return v === "hung" ? 2 : 0;
      }
      if (interactive) rl.prompt();
    }
    return 0;
  } finally {
    s.close();
  }
}

/** `tasklab debug`. */
export function addDebugCommand(program: Command): void {
  withMachineOptions(
    program
      .command("debug")
      .description(
        "debug a scenario as gdb debugs a kernel: break, step, next, finish, bt, info tasks, print, watch, list",
      )
      .argument("[scenario]", "a built-in scenario name or a .ts/.js file exporting one")
      .option("--from-state <file>", `${FROM_STATE}: each run starts at the saved moment`)
      .option(
        "-x, --command <file>",
        "read commands from FILE, then exit (repeatable)",
        (v: string, p: string[]) => [...p, v],
        [],
      )
      .option("--batch <file>", "the same as -x FILE", (v: string, p: string[]) => [...p, v], [])
      .option(
        "--ex <command>",
        "run COMMAND, then exit unless -i (repeatable)",
        (v: string, p: string[]) => [...p, v],
        [],
      )
      .option("-i, --interactive", "after the -x and --ex commands, go on reading commands")
      .option("--until <time>", "a run stops at this virtual time at the latest", parseTime),
  ).action(
    async (
      ref: string | undefined,
      f: MachineFlags &
        StateFlags & { command: string[]; batch: string[]; ex: string[]; interactive?: boolean; until?: number },
    ) => {
      const commands = batchCommands([...f.command, ...f.batch], f.ex);
      const job: DebugJob = {
        entry: "debug",
        ref: scenarioOrState(ref, f.fromState),
        opts: runOptions(f, f.until),
        fromState: f.fromState === undefined ? undefined : resolve(f.fromState),
      };
      process.exitCode = await debugSession(
        job,
        { commands, batch: commands.length > 0 && f.interactive !== true },
        f.watchdog,
        f.maxHeap,
      );
    },
  );
}
