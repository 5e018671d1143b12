/** The frames transform as a Vite plugin (vitest, the visualizer's build) and the runtime's name. */
import { afterEach, describe, expect, it } from "vitest";
import { runtimePlugins } from "../../src/build/frames-vite.mjs";
import { runtimeName } from "../../src/build/runtime.mjs";

const saved = process.env.TASKLAB_RUNTIME;
afterEach(() => {
  if (saved === undefined) delete process.env.TASKLAB_RUNTIME;
  else process.env.TASKLAB_RUNTIME = saved;
});

type Transform = (code: string, id: string) => { code: string } | null;

describe("frames Vite plugin", () => {
  const src = "const f = kfunc(function* f_vite(x) { yield 1; return x; });";

  it("is there only for TASKLAB_RUNTIME=frames", () => {
    process.env.TASKLAB_RUNTIME = "generators";
    expect(runtimePlugins()).toEqual([]);
    delete process.env.TASKLAB_RUNTIME;
    expect(runtimePlugins()).toEqual([]);
    process.env.TASKLAB_RUNTIME = "frames";
    expect(runtimePlugins().map((p) => [p.name, p.enforce])).toEqual([["tasklab-frames", "post"]]);
  });

  it("compiles the kfuncs of the project's modules, after the types are stripped", () => {
    process.env.TASKLAB_RUNTIME = "frames";
    const transform = (runtimePlugins()[0] as unknown as { transform: Transform }).transform;
    expect(transform(src, "/p/src/linux/x.ts?v=1")?.code).toContain("class f_vite extends $Frame");
    expect(transform(src, "/p/node_modules/dep/index.js")).toBeNull();
    expect(transform(src, "/p/web/src/style.css")).toBeNull();
    expect(transform("export const x = 1;", "/p/src/x.ts")).toBeNull();
  });
});

describe("runtimeName", () => {
  it("is generators by default, frames if asked, and refuses anything else in one line", () => {
    expect(runtimeName({})).toBe("generators");
    expect(runtimeName({ TASKLAB_RUNTIME: "frames" })).toBe("frames");
    expect(() => runtimeName({ TASKLAB_RUNTIME: "" })).toThrow(
      'TASKLAB_RUNTIME must be "generators" or "frames", got ""',
    );
  });
});
