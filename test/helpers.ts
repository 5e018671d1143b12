/** Helpers shared by the tests: run code as a scenario and pick events out of the trace. */

import { type RunOptions, type RunResult, runScenario } from "../src/run.js";
import type { KGen } from "../src/sim/engine.js";
import type { TraceRecord } from "../src/trace/events.js";
import type { UserMain } from "../src/user/runtime.js";
import { spawn_program, wait_program } from "../src/user/spawn.js";

export function runMain(main: () => KGen<unknown>, opts: RunOptions = {}): RunResult {
  return runScenario({ name: "test", description: "", main }, opts);
}

export function records(r: RunResult): TraceRecord[] {
  return r.machine.kernel.trace.records();
}

/** "event" or "event:key=value,…" summaries of a run's records, for order assertions. */
export function kinds(r: RunResult): string[] {
  return records(r).map((e) => e.type);
}

export function taskByName(r: RunResult, comm: string) {
  return r.machine.tasks().find((t) => t.comm === comm);
}

/** A run of a user program: the run, the wait status pid 1 got (null: not started), its terminal lines. */
export interface ProgramRun extends RunResult {
  readonly status: number | null;
  readonly tty: string[];
}

/**
 * Runs `program` as /bin/t, a child of pid 1 which waits for it (the shape of every user
 * scenario); `opts` may add programs, faults, signals, CPUs, a seed or a time limit.
 */
export function runProgram(program: UserMain, opts: RunOptions = {}): ProgramRun {
  let status: number | null = null;
  const r = runScenario(
    {
      name: "t",
      description: "",
      programs: { "/bin/t": program },
      *main() {
        const pid = yield* spawn_program("/bin/t");
        if (pid > 0) status = yield* wait_program(pid);
      },
    },
    opts,
  );
  // Getters: a run stopped early (until) and then continued has them up to date.
  return {
    ...r,
    get status() {
      return status;
    },
    get tty() {
      return r.machine.kernel.tty.map((l) => l.text.trimEnd());
    },
  };
}
