// `npm run build` (also `prepare`, so `npm install` and `npm ci` run it): src/ → dist/, the
// package's compiled form (docs/ARCHITECTURE.md, "The package").
//  1. tsc -p tsconfig.build.json: the .d.ts files (with declaration maps) into dist/, and the
//     JavaScript, one module per source with its source map, into a staging folder;
//  2. under the frames runtime (runtimeName(): TASKLAB_RUNTIME, else the project's default)
//     the kfuncs of each module are compiled into frame classes now, so that the shipped
//     model needs no Babel when it runs;
//  3. rolldown bundles the modules into the entry points the package and the CLI load by
//     path (a module graph of 160 files costs Node ~3.5x the CPU time of the same code in a
//     few chunks: the start-up budget), function names kept; source maps go back to src/;
//  4. the Node entry and hook modules (.mjs) are copied beside the code they load, and
//     dist/build/built.json says which runtime is compiled in (runtime.mjs reads it).
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";
import { runtimeName } from "./runtime.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST = join(ROOT, "dist");
/** Where tsc writes the JavaScript that is bundled (a fresh temporary folder, removed after). */
const STAGE = realpathSync(mkdtempSync(join(tmpdir(), "tasklab-build-")));

/**
 * The modules loaded by path (runtime.mjs's entries, `exports`): the library, and what the CLI's
 * start and its workers import. Everything else goes into shared chunks beside them in dist/cli/
 * (so that `new URL("./worker-entry.mjs", import.meta.url)` and `../../package.json` in a
 * chunk name the same files as in the module they came from).
 */
const ENTRIES = {
  index: "index.js",
  "cli/main": "cli/main.js",
  "cli/worker": "cli/worker.js",
  "cli/debug-worker": "cli/debug-worker.js",
  "cli/explore-worker": "cli/explore-worker.js",
  "cli/pool-task": "explore/pool-task.js",
};

/** The .mjs modules Node loads by path, copied as they are: where from (src/) and to (dist/). */
const COPIES = [
  ["build/runtime.mjs", "build/runtime.mjs"],
  ["build/runtime.d.mts", "build/runtime.d.mts"],
  ["build/frames-hook.mjs", "build/frames-hook.mjs"],
  ["build/frames-transform.mjs", "build/frames-transform.mjs"],
  ["build/frames-lower.mjs", "build/frames-lower.mjs"],
  ["cli/start.mjs", "cli/start.mjs"],
  ["cli/worker-entry.mjs", "cli/worker-entry.mjs"],
  ["explore/task-entry.mjs", "cli/task-entry.mjs"],
];

/** Every file under `dir` whose name ends with `ext`. */
function filesUnder(dir, ext) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : [],
  );
}

/** The source map tsc wrote beside a staged module, its sources made absolute (they name src/*.ts). */
function stagedMap(file) {
  const map = JSON.parse(readFileSync(`${file}.map`, "utf8"));
  map.sources = map.sources.map((s) => join(dirname(file), s));
  return map;
}

/** Compiles the kfuncs of every staged module into frames; returns how many modules had some. */
async function compileFrames() {
  const { compileOptions, transformFrames } = await import("./frames-transform.mjs");
  // The runtime the compiled generators import: the staged frames module (bundled once).
  const runtime = join(STAGE, "sim", "frames.js");
  let n = 0;
  for (const file of filesUnder(STAGE, ".js")) {
    const emitted = readFileSync(file, "utf8");
    const map = stagedMap(file);
    // As the frames hook compiles the sources: every generator of the model's thread code
    // (helpers, thread functions, user programs), not only the kfuncs, so that a machine of
    // the package is data (snapshots, saved states) as one of the sources is.
    const options = compileOptions(map.sources[0]);
    if (options === null) continue;
    // Babel takes the input's map from an inline comment.
    const code = `${emitted.replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n")}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`;
    const out = transformFrames(code, relative(ROOT, map.sources[0]), { ...options, runtime });
    if (out === null) continue;
    out.map.sources = map.sources;
    writeFileSync(file, `${out.code}\n//# sourceMappingURL=${map.file}.map\n`);
    writeFileSync(
      `${file}.map`,
      JSON.stringify({ ...out.map, sources: map.sources.map((s) => relative(dirname(file), s)) }),
    );
    n++;
  }
  return n;
}

/** A rolldown plugin: each staged module with its own source map, so the bundle's maps reach src/. */
const stagedMaps = {
  name: "tasklab-staged-maps",
  load(id) {
    if (!id.startsWith(STAGE) || !existsSync(`${id}.map`)) return null;
    const code = readFileSync(id, "utf8").replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n");
    return { code, map: stagedMap(id) };
  },
};

async function bundle() {
  const input = Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(STAGE, file)]));
  const build = await rolldown({
    input,
    platform: "node",
    // Packages (commander, piscina; tsx and vite loaded on demand) and node: modules stay imports.
    external: (id) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith(STAGE),
    plugins: [stagedMaps],
    treeshake: true,
  });
  await build.write({
    dir: DIST,
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "cli/[name]-[hash].js",
    sourcemap: true,
    keepNames: true, // the model names functions by their own names (kfunc, costs, stacks)
  });
  await build.close();
}

const runtime = runtimeName();
const started = Date.now();
rmSync(DIST, { recursive: true, force: true });
const tsc = join(createRequire(import.meta.url).resolve("typescript/package.json"), "..", "bin", "tsc");
execFileSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", STAGE], {
  stdio: "inherit",
});
// The declarations go to dist/ as they are; the JavaScript is bundled from the staging folder.
for (const file of [...filesUnder(STAGE, ".d.ts"), ...filesUnder(STAGE, ".d.ts.map")]) {
  const to = join(DIST, relative(STAGE, file));
  mkdirSync(dirname(to), { recursive: true });
  const text = readFileSync(file, "utf8");
  // A declaration map names its source relative to itself: one folder away from where it goes.
  writeFileSync(to, file.endsWith(".map") ? JSON.stringify(retarget(JSON.parse(text), file, to)) : text);
}
const framed = runtime === "frames" ? await compileFrames() : 0;
await bundle();
for (const [from, to] of COPIES) {
  mkdirSync(dirname(join(DIST, to)), { recursive: true });
  copyFileSync(join(ROOT, "src", from), join(DIST, to));
}
writeFileSync(join(DIST, "build", "built.json"), `${JSON.stringify({ runtime })}\n`);
rmSync(STAGE, { recursive: true, force: true });
process.stderr.write(
  `tasklab: built dist/ (${runtime}${runtime === "frames" ? `: ${framed} modules compiled into frames` : ""}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);

/** A map moved from `from` to `to`: its sources relative to the new place. */
function retarget(map, from, to) {
  return { ...map, sources: map.sources.map((s) => relative(dirname(to), join(dirname(from), s))) };
}
