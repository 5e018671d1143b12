#!/usr/bin/env node
// The `tasklab` command: the compiled CLI in dist/ (`npm run build`, which `npm install` runs).
// TypeScript (tsx) and the frames compiler (Babel) load only when a command needs them: a .ts
// scenario file, or a TASKLAB_RUNTIME other than the one compiled in.
try {
  await import("../dist/cli/start.mjs");
} catch (err) {
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("dist/cli/start.mjs")) throw err;
  process.stderr.write("tasklab: dist/ is not built: run `npm run build` (npm install does it)\n");
  process.exit(2);
}
