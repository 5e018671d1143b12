/** Helpers shared by the tests: run code as a scenario and pick events out of the trace. */

import { expect } from "vitest";
import type { UGen } from "../src/linux/arch/x86/entry/user_mode.js";
import type { TraceRecord } from "../src/linux/include/trace/events/records.js";
import { MAP_ANONYMOUS, MAP_SHARED, PROT_READ, PROT_WRITE } from "../src/linux/include/uapi/mman.js";
import { PAGE_SIZE } from "../src/linux/mm/mm_types.js";
import { problems, type RunOptions, type RunResult, runScenario } from "../src/run.js";
import type { KGen } from "../src/sim/engine.js";
import { spawn_program, wait_program } from "../src/user/spawn.js";
import type { User, UserMain } from "../src/user/user.js";

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

/** What a program recorded: a label and a value, as the original process saw them. */
export type Recorded = Record<string, number | boolean>;

/**
 * Runs `body` as /bin/t with a MAP_SHARED page mapped first (`shared`: how a child reports
 * back) and returns what the original process recorded with `rec` (children, replayed from
 * the program's start, record too, but theirs is dropped) and the run. The run must end
 * with no problem report, the program's exit status 0, and nothing left of its tasks.
 */
export function runRecording(
  body: (u: User, rec: (k: string, v: number | boolean) => void, shared: number) => UGen<void>,
  opts: RunOptions = {},
): { seen: Recorded; r: ProgramRun } {
  const seen: Recorded = {};
  const r = runProgram(
    function* (u) {
      const me = yield* u.sys.getpid();
      const shared = yield* u.sys.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
      yield* u.store(shared, 0);
      const local: Recorded = {};
      yield* body(
        u,
        (k, v) => {
          local[k] = v;
        },
        shared,
      );
      if ((yield* u.sys.getpid()) === me) Object.assign(seen, local);
      return 0;
    },
    { until: 5e9, ...opts },
  );
  expect(problems(r.reports)).toEqual([]);
  expect(r.status).toBe(0);
  expect(r.machine.tasks().filter((t) => t.comm === "t" && t.exit_state !== 0)).toEqual([]);
  return { seen, r };
}
