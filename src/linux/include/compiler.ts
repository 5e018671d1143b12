/** Annotations of include/linux/compiler.h that mean something to the model. */
import { activeEngine } from "../../sim/engine.js";

/**
 * data_race(expr): a plain read of state other CPUs change, made on purpose without a lock
 * (KCSAN leaves it alone). The model marks the step as one that touches shared state, so
 * the explorer's reduction keeps the interleavings around it.
 */
export function data_race<T>(value: T): T {
  activeEngine().shared();
  return value;
}
