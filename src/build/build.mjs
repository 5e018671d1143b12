// `npm run build` (also `prepare`, so `npm install` and `npm ci` run it): src/ → dist/, the
// package's compiled form (docs/ARCHITECTURE.md, "The package").
//  1. tsc -p tsconfig.build.json: ES modules, .d.ts and source maps, one file per source;
//  2. under the frames runtime (runtimeName(): TASKLAB_RUNTIME, else the project's default)
//     the kfuncs of each module are compiled into frame classes now, so the shipped model
//     needs no Babel when it runs; the source maps go on to the TypeScript;
//  3. the Node entry and hook modules (.mjs) are copied beside the code they load, and
//     dist/build/built.json says which runtime is compiled in (runtime.mjs reads it).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { runtimeName } from "./runtime.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST = join(ROOT, "dist");

/** Every file under `dir` whose name ends with `ext`. */
function filesUnder(dir, ext) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : [],
  );
}

/** Compiles the kfuncs of every emitted module into frames; returns how many modules had some. */
async function compileFrames() {
  const { transformFrames } = await import("./frames-transform.mjs");
  let n = 0;
  for (const file of filesUnder(DIST, ".js")) {
    const emitted = readFileSync(file, "utf8");
    if (!emitted.includes("kfunc(")) continue;
    const mapFile = `${file}.map`;
    const map = JSON.parse(readFileSync(mapFile, "utf8"));
    // Babel takes the input's map from an inline comment; the source names the TypeScript file.
    const code = `${emitted.replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n")}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`;
    const out = transformFrames(code, relative(ROOT, join(ROOT, "src", relative(DIST, file).replace(/\.js$/, ".ts"))));
    if (out === null) continue;
    // Babel's map names sources as given: make them relative to the map's folder again.
    out.map.file = map.file;
    out.map.sources = map.sources;
    writeFileSync(file, `${out.code}\n//# sourceMappingURL=${map.file}.map\n`);
    writeFileSync(mapFile, JSON.stringify(out.map));
    n++;
  }
  return n;
}

const runtime = runtimeName();
const started = Date.now();
rmSync(DIST, { recursive: true, force: true });
const tsc = join(createRequire(import.meta.url).resolve("typescript/package.json"), "..", "bin", "tsc");
execFileSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
const framed = runtime === "frames" ? await compileFrames() : 0;
const copies = {
  build: ["runtime.mjs", "runtime.d.mts", "frames-hook.mjs", "frames-transform.mjs", "frames-lower.mjs"],
  cli: ["start.mjs", "worker-entry.mjs"],
  explore: ["task-entry.mjs"],
};
for (const [dir, names] of Object.entries(copies)) {
  mkdirSync(join(DIST, dir), { recursive: true });
  for (const name of names) copyFileSync(join(ROOT, "src", dir, name), join(DIST, dir, name));
}
writeFileSync(join(DIST, "build", "built.json"), `${JSON.stringify({ runtime })}\n`);
process.stderr.write(
  `tasklab: built dist/ (${runtime}${runtime === "frames" ? `: ${framed} modules compiled into frames` : ""}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
