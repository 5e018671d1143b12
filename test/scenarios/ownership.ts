/** Who allocated and who freed the kthread creation objects: the slab tracker's view. */

import type { SlabRecord } from "../../src/linux/mm/slab.js";
import type { Machine } from "../../src/machine.js";
import { functionName } from "../../src/sim/functions.js";

export interface Life {
  type: string;
  allocBy: string;
  /** "task/pid in function" of each free: exactly one entry when all is well. */
  frees: string[];
}

const TRACKED = new Set(["kthread_create_info", "full_name"]);

/** Attaches to a machine and records the lives of requests and names allocated after boot. */
export function trackOwnership(m: Machine): Map<number, Life> {
  const lives = new Map<number, Life>();
  const where = (task: string, stack: readonly number[]) => {
    const fn = stack[stack.length - 1];
    return `${task.replace(/\/\d+$/, "")} in ${fn === undefined ? "?" : functionName(fn)}`;
  };
  m.kernel.slab.onAlloc = (rec: SlabRecord) => {
    if (TRACKED.has(rec.type) && m.kernel.system_state === "running") {
      lives.set(rec.id, { type: rec.type, allocBy: where(rec.allocTask, rec.allocStack), frees: [] });
    }
  };
  m.kernel.slab.onFree = (rec: SlabRecord) => {
    lives.get(rec.id)?.frees.push(where(rec.freeTask, rec.freeStack));
  };
  return lives;
}
