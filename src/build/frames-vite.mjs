// The frames transform as a Vite (and vitest) plugin: after Vite has stripped the types, each
// module's kfuncs are compiled into frame classes (frames-transform.mjs).
import { compileOptions, transformFrames } from "./frames-transform.mjs";
import { runtimeName } from "./runtime.mjs";

/** The plugins TASKLAB_RUNTIME asks for: the frames transform (the default), or none (generators). */
export function runtimePlugins() {
  return runtimeName() === "frames" ? [framesPlugin()] : [];
}

function framesPlugin() {
  return {
    name: "tasklab-frames",
    enforce: "post",
    transform(code, id) {
      const file = id.split("?")[0];
      if (!/\.[cm]?[jt]s$/.test(file)) return null;
      const options = compileOptions(file);
      if (options === null) return null;
      const out = transformFrames(code, file, options);
      return out === null ? null : { code: out.code, map: out.map };
    },
  };
}
