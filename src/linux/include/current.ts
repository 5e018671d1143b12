/** `current` and smp_processor_id() (arch/x86/include/asm/current.h, smp.h). */
import { activeEngine } from "../../sim/engine.js";
import type { task_struct } from "./task_struct.js";

/** The task running on this CPU (in irq context: the interrupted task). */
export function current(): task_struct {
  return activeEngine().running.owner as task_struct;
}

export function smp_processor_id(): number {
  return activeEngine().runningCpu.id;
}

/** The CPU's clock (sched_clock / local_clock), ns. */
export function local_clock(): number {
  return activeEngine().runningCpu.clock;
}
