/** Helpers of the detector tests: the reports of one kind, a kthread's pid. */
import type { RunResult } from "../../src/run.js";
import type { Report } from "../../src/sim/engine.js";
import { records } from "../helpers.js";

export const NEW_KINDS = ["lockdep", "hung-task", "deadlock", "lost-wakeup", "invariant"];

export function ofKind(r: RunResult, kind: string): Report[] {
  return r.reports.filter((x) => x.kind === kind);
}

/** The pid of the task created with this name (from its task_newtask event). */
export function pidOf(r: RunResult, comm: string): number {
  const e = records(r).find((x) => x.type === "task_newtask" && x.comm === comm);
  if (e === undefined || e.type !== "task_newtask") throw new Error(`no task ${comm} was created`);
  return e.tpid;
}
