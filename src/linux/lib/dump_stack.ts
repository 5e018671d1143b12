/**
 * dump_stack (lib/dump_stack.c): what it prints, the running task's identity and call
 * trace. The model's frames have no machine code, so a frame is its function's name alone,
 * not the kernel's `func+0x1c/0x60`; the innermost comes first, as in the kernel, between
 * ` <TASK>` and ` </TASK>`.
 */
import { activeEngine } from "../../sim/engine.js";
import { current } from "../include/current.js";

/** Models dump_stack (dump_stack_lvl). */
export function dumpStackLines(): string[] {
  const e = activeEngine();
  const t = current();
  return [
    `CPU: ${e.runningCpu.id} UID: ${t.cred.uid} PID: ${t.pid} Comm: ${t.comm}`,
    "Call Trace:",
    " <TASK>",
    ...e.running.backtrace().map((f) => ` ${f}`),
    " </TASK>",
  ];
}
