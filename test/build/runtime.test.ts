/**
 * Which runtime a start registers (src/build/runtime.mjs): the sources run what TASKLAB_RUNTIME
 * says; a build (dist/build/built.json beside runtime.mjs) runs what was compiled in, unless
 * TASKLAB_RUNTIME names the other one, which it refuses in one line (it is bundled: nothing to
 * compile at load time).
 */
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { builtRuntime } from "../../src/build/runtime.mjs";

type RuntimeModule = typeof import("../../src/build/runtime.mjs");

/** runtime.mjs as dist/build/ has it: a copy beside a built.json naming `runtime`. */
async function built(runtime: string): Promise<RuntimeModule> {
  const dir = mkdtempSync(join(tmpdir(), "tasklab-runtime-"));
  copyFileSync("src/build/runtime.mjs", join(dir, "runtime.mjs"));
  writeFileSync(join(dir, "built.json"), JSON.stringify({ runtime }));
  return import(pathToFileURL(join(dir, "runtime.mjs")).href);
}

const saved = process.env.TASKLAB_RUNTIME;
afterEach(() => {
  if (saved === undefined) delete process.env.TASKLAB_RUNTIME;
  else process.env.TASKLAB_RUNTIME = saved;
});

describe("the runtime a start registers", () => {
  it("the sources have no built runtime", () => {
    expect(builtRuntime()).toBeNull();
  });

  it("a frames build runs frames without TASKLAB_RUNTIME, and with TASKLAB_RUNTIME=frames", async () => {
    const m = await built("frames");
    expect(m.builtRuntime()).toBe("frames");
    delete process.env.TASKLAB_RUNTIME;
    expect(() => m.registerRuntime()).not.toThrow();
    process.env.TASKLAB_RUNTIME = "frames";
    expect(() => m.registerRuntime()).not.toThrow();
  });

  it("a frames build refuses TASKLAB_RUNTIME=generators in one line, and any other value", async () => {
    const m = await built("frames");
    process.env.TASKLAB_RUNTIME = "generators";
    expect(() => m.registerRuntime()).toThrow(
      new Error(
        "TASKLAB_RUNTIME=generators: this build of tasklab has the model compiled into frames (build it with TASKLAB_RUNTIME=generators npm run build)",
      ),
    );
    process.env.TASKLAB_RUNTIME = "frame";
    expect(() => m.registerRuntime()).toThrow(
      new Error('TASKLAB_RUNTIME must be "generators" or "frames", got "frame"'),
    );
  });

  it("a generators build runs generators as they are, and refuses TASKLAB_RUNTIME=frames in one line", async () => {
    const m = await built("generators");
    process.env.TASKLAB_RUNTIME = "generators";
    expect(() => m.registerRuntime()).not.toThrow();
    delete process.env.TASKLAB_RUNTIME;
    expect(() => m.registerRuntime()).not.toThrow();
    process.env.TASKLAB_RUNTIME = "frames";
    expect(() => m.registerRuntime()).toThrow(
      new Error(
        "TASKLAB_RUNTIME=frames: this build of tasklab has the model as generators (build it with TASKLAB_RUNTIME=frames npm run build)",
      ),
    );
  });
});
