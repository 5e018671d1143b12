/**
 * WARN_ON and WARN_ON_ONCE (include/asm-generic/bug.h): a report in the kernel's format, and
 * execution goes on. Both return the condition, so `if (WARN_ON(...)) return` reads as in C.
 */
import { activeEngine } from "../../sim/engine.js";
import { K } from "../kernel.js";
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

/**
 * Reports only the first time the condition holds at this `site` (a name for the call site,
 * standing for its `static bool __warned`) on this machine; returns the condition every time.
 */
export function WARN_ON_ONCE(condition: boolean, where: string, site: string): boolean {
  if (!condition) return false;
  const key = `${where}:${site}`;
  if (!K.warned_once.has(key)) {
    K.warned_once.add(key);
    WARN_ON(true, where);
  }
  return true;
}
