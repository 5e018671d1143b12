// Which runtime runs the model's code, from TASKLAB_RUNTIME: "frames" (the default: its
// generators compiled into frame classes, at load time for the sources, at build time for
// dist/) or "generators" (the generators as written: the differential harness's reference,
// and a fallback).
import { readFileSync } from "node:fs";
import { register } from "node:module";

const SOURCES = Symbol.for("tasklab.hooks.sources");
const FRAMES = Symbol.for("tasklab.hooks.frames");

/** The runtime TASKLAB_RUNTIME names; throws a one-line error for any other value. */
export function runtimeName(env = process.env) {
  const v = env.TASKLAB_RUNTIME ?? "frames";
  if (v !== "generators" && v !== "frames")
    throw new Error(`TASKLAB_RUNTIME must be "generators" or "frames", got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The runtime `npm run build` compiled into the code beside this file (dist/build/built.json),
 * or null when this is src/: the sources, which run through tsx as written.
 */
export function builtRuntime() {
  try {
    return JSON.parse(readFileSync(new URL("./built.json", import.meta.url), "utf8")).runtime;
  } catch {
    return null;
  }
}

/**
 * For the sources (src/, run as TypeScript): tsx, and the package condition "tasklab-source"
 * (source-condition.mjs), so that `import ... from "tasklab"` loads the same modules.
 */
export async function registerSources() {
  // Once per thread: a worker that inherited `--import register.mjs` has them already.
  if (globalThis[SOURCES]) return;
  globalThis[SOURCES] = true;
  (await import("tsx/esm/api")).register();
  register("./source-condition.mjs", import.meta.url);
}

/**
 * Registers the frames load hook for the sources when TASKLAB_RUNTIME asks for frames (after
 * tsx's `register()`). dist/ runs what it was built with: it is bundled, so its modules cannot
 * be compiled again at load time, and a TASKLAB_RUNTIME naming the other runtime is refused in
 * one line saying how to build that one.
 */
export function registerRuntime() {
  const compiled = builtRuntime();
  const wanted = compiled !== null && process.env.TASKLAB_RUNTIME === undefined ? compiled : runtimeName();
  if (compiled === null) {
    if (wanted === "frames" && !globalThis[FRAMES]) register("./frames-hook.mjs", import.meta.url);
    globalThis[FRAMES] = true;
    return;
  }
  if (wanted === compiled) return;
  const how = compiled === "frames" ? "compiled into frames" : "as generators";
  throw new Error(
    `TASKLAB_RUNTIME=${wanted}: this build of tasklab has the model ${how} (build it with TASKLAB_RUNTIME=${wanted} npm run build)`,
  );
}
