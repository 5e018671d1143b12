#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so scenario files may be TypeScript too; with
// TASKLAB_RUNTIME=frames the model's kfuncs are compiled into frames as they load.
import { register } from "tsx/esm/api";
import { registerRuntime } from "../src/build/runtime.mjs";

register();
// Output to a closed pipe (`tasklab run boot | head -1`) ends quietly, as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(0);
  });
}
try {
  registerRuntime();
} catch (err) {
  process.stderr.write(`tasklab: ${err.message}\n`);
  process.exit(2);
}
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
