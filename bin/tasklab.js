#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so scenario files may be TypeScript too; with
// TASKLAB_RUNTIME=frames the model's kfuncs are compiled into frames as they load.
import { register } from "tsx/esm/api";
import { registerRuntime } from "../src/build/runtime.mjs";

register();
try {
  registerRuntime();
} catch (err) {
  process.stderr.write(`tasklab: ${err.message}\n`);
  process.exit(2);
}
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
