/** __set_task_comm (fs/exec.c): renames a task, keeping at most 15 characters. */
import type { task_struct } from "../include/task_struct.js";
import { trace_task_rename } from "../include/trace/events/sched.js";

/** Emits task_rename (with the old name), then stores the truncated new name. */
export function set_task_comm(tsk: task_struct, name: string): void {
  const comm = name.slice(0, 15);
  trace_task_rename(tsk, comm);
  tsk.comm = comm;
}
