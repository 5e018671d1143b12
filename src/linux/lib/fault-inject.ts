/**
 * Fault points (lib/fault-inject.c): places in the model where an injected failure can be
 * asked for by name. The slab allocator has its own hook (failslab); other points, such as
 * "alloc_pid", call should_fail_point(). What fails when is set up by debug/inject.ts.
 */
import { K } from "../kernel.js";

export function should_fail_point(name: string): boolean {
  return K.fail_point?.(name) ?? false;
}
