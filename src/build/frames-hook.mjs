// A Node module load hook (registered after tsx's, so it receives tsx's JavaScript): compiles
// the generators of each module (its kfuncs, and those compileOptions names) into frame classes (frames-transform.mjs), with a source map.
// Results are cached on disk by content (node_modules/.cache/tasklab-frames), keyed by the
// module's code and the transform's own source, as tsx caches its own output.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileOptions, transformFrames } from "./frames-transform.mjs";

const cacheDir = fileURLToPath(new URL("../../node_modules/.cache/tasklab-frames/", import.meta.url));
/** The transform's own source: a change of it compiles every module again. */
const version = createHash("sha1");
for (const f of ["./frames-transform.mjs", "./frames-lower.mjs"])
  version.update(readFileSync(new URL(f, import.meta.url)));
const versionHex = version.digest("hex");

/** Whether a module's code is the transform's output: its frame factories take `$rt`. */
function compiled(code) {
  return code.includes("($rt, $self) =>") || code.includes("{ frameRuntime as $rt }");
}

/** The package's root: its own modules are compiled even when it is installed under node_modules/. */
const root = new URL("../../", import.meta.url).href;

/** Whether a module may hold kfuncs to compile: tasklab's own, or a user's (a scenario file), not a dependency's. */
function compiles(url) {
  const rest = url.startsWith(root) ? url.slice(root.length) : url;
  return !rest.startsWith("node_modules/") && !rest.includes("/node_modules/");
}

export async function load(url, context, nextLoad) {
  const r = await nextLoad(url, context);
  if (r.format !== "module" || !url.startsWith("file:") || r.source == null || !compiles(url)) return r;
  const code = typeof r.source === "string" ? r.source : Buffer.from(r.source).toString("utf8");
  const file = fileURLToPath(url);
  const options = compileOptions(file);
  // Already compiled: the hook can sit twice in a chain (a worker inherits the flags that
  // register it, and its entry registers it again).
  if (options === null || compiled(code)) return r;
  const key = createHash("sha1").update(versionHex).update(file).update(code).digest("hex");
  const cached = `${cacheDir}${key}.js`;
  try {
    return { ...r, source: readFileSync(cached, "utf8") };
  } catch {
    // not compiled yet
  }
  let out;
  try {
    out = transformFrames(code, file, options);
  } catch (e) {
    // TypeScript that no tsx below this hook has stripped yet: a hook above compiles it after
    // tsx has run. Any other error is the transform's refusal, and stands.
    if (e?.code === "BABEL_PARSE_ERROR" && /\.[mc]?tsx?$/.test(file)) return r;
    throw e;
  }
  const source =
    out === null
      ? code
      : `${out.code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(out.map)).toString("base64")}\n`;
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, cached);
  } catch {
    // a read-only tree: compile again next time
  }
  return { ...r, source };
}
