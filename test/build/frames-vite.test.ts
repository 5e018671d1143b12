/** The frames transform as a Vite plugin (vitest, the visualizer's build) and the runtime's name. */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { compileOptions } from "../../src/build/frames-transform.mjs";
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

  it("is there unless TASKLAB_RUNTIME=generators", () => {
    process.env.TASKLAB_RUNTIME = "generators";
    expect(runtimePlugins()).toEqual([]);
    delete process.env.TASKLAB_RUNTIME;
    expect(runtimePlugins().map((p) => [p.name, p.enforce])).toEqual([["tasklab-frames", "post"]]);
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

  it("compiles every generator of the model's files and of a user's, only the kfuncs of the tools'", () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    expect(compileOptions(`${root}src/linux/kernel/fork.ts`)).toEqual({ plain: true, strict: true });
    expect(compileOptions(`${root}src/user/libc.ts`)).toEqual({ plain: true, strict: true });
    expect(compileOptions(`${root}examples/two-workers.ts`)).toEqual({ plain: true, strict: true });
    expect(compileOptions(`${root}src/explore/dfs.ts`)).toEqual({ plain: false });
    expect(compileOptions("/home/u/my-scenario.ts")).toEqual({ plain: true, strict: false });
    expect(compileOptions(`${root}node_modules/x/y.js`)).toBeNull();
  });
});

describe("runtimeName", () => {
  it("is frames by default, generators if asked, and refuses anything else in one line", () => {
    expect(runtimeName({})).toBe("frames");
    expect(runtimeName({ TASKLAB_RUNTIME: "generators" })).toBe("generators");
    expect(() => runtimeName({ TASKLAB_RUNTIME: "" })).toThrow(
      'TASKLAB_RUNTIME must be "generators" or "frames", got ""',
    );
  });
});
