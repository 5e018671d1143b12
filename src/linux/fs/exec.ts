/** __set_task_comm and __get_task_comm (fs/exec.c): a task's 15-character name. */
import type { task_struct } from "../include/task_struct.js";
import { trace_task_rename } from "../include/trace/events/sched.js";

/** Emits task_rename (with the old name), then stores the truncated new name. */
export function set_task_comm(tsk: task_struct, name: string): void {
  const comm = name.slice(0, 15);
  trace_task_rename(tsk, comm);
  tsk.comm = comm;
}

/** __get_task_comm: the name, cut to fit a buffer of `buf_size` bytes (NUL included). */
export function __get_task_comm(buf_size: number, tsk: task_struct): string {
  return tsk.comm.slice(0, Math.max(0, buf_size - 1));
}
