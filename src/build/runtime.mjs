// Which runtime runs the model's code, from TASKLAB_RUNTIME: "frames" (the default: its
// generators compiled into frame classes at load time) or "generators" (the generators as
// written: the differential harness's reference, and a fallback).
import { register } from "node:module";

/** The runtime TASKLAB_RUNTIME names; throws a one-line error for any other value. */
export function runtimeName(env = process.env) {
  const v = env.TASKLAB_RUNTIME ?? "frames";
  if (v !== "generators" && v !== "frames")
    throw new Error(`TASKLAB_RUNTIME must be "generators" or "frames", got ${JSON.stringify(v)}`);
  return v;
}

/** Registers the frames load hook if TASKLAB_RUNTIME asks for it (after tsx's `register()`). */
export function registerRuntime() {
  if (runtimeName() === "frames") register("./frames-hook.mjs", import.meta.url);
}
