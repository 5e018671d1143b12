/**
 * Fault points (lib/fault-inject.c): places in the model where an injected failure can be
 * asked for by name. The slab allocator has its own hook (failslab); other points, such as
 * "alloc_pid", call shouldFailPoint(). What fails when is set up by inject.ts.
 */

import { printk } from "../kernel/printk/printk.js";
import { K } from "../kernel.js";
import { dumpStackLines } from "./dump_stack.js";

/** Models should_fail. */
export function shouldFailPoint(name: string): boolean {
  return K.fail_point?.(name) ?? false;
}

/** The first line of fail_dump's record. */
export const FAIL_DUMP = "FAULT_INJECTION: forcing a failure.";

/** The settings fail_dump prints (a fault_attr's debugfs files). */
export interface fault_attr {
  /** Its debugfs directory: failslab, or the model's fail_<point>. */
  dname: string;
  interval: number;
  probability: number;
  /** Failures left, before this one (-1: no limit). */
  times: number;
}

/**
 * fail_dump: an injected failure is logged with the stack that got it (verbose=2, the
 * default: dump_stack follows). One log record here, so that it reads as one message.
 */
export function fail_dump(attr: fault_attr): void {
  printk(
    `${FAIL_DUMP}\nname %s, interval %lu, probability %lu, space %d, times %d\n%s\n`,
    attr.dname,
    attr.interval,
    attr.probability,
    0,
    attr.times,
    dumpStackLines().join("\n"),
  );
}
