/** WARN_ON (include/asm-generic/bug.h): a report in the kernel's format, and execution goes on. */
import { activeEngine } from "../../sim/engine.js";
import { current } from "./current.js";

/** Reports a warning at `where` ("kernel/kthread.c") when `condition` holds; returns it. */
export function WARN_ON(condition: boolean, where: string): boolean {
  if (!condition) return false;
  const e = activeEngine();
  const t = current();
  e.report({
    kind: "warn",
    title: `WARNING: CPU: ${e.runningCpu.id} PID: ${t.pid} at ${where} ${e.running.backtrace()[0] ?? "?"}`,
    lines: [
      `CPU: ${e.runningCpu.id} PID: ${t.pid} Comm: ${t.comm}`,
      "Call Trace:",
      ...e.running.backtrace().map((f) => ` ${f}`),
    ],
  });
  return true;
}
