// Starts the CLI in this process: bin/tasklab.js runs it from dist/ (compiled), bin/tasklab-src.js
// from src/ (the sources through tsx, as the tests do). Registers the module hooks the code
// needs (runtime.mjs), then runs main with the command line.
import { builtRuntime, registerRuntime, registerSources } from "../build/runtime.mjs";

// Output to a closed pipe (`tasklab run boot | head -1`) ends quietly, as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(0);
  });
}
const ext = builtRuntime() === null ? ".ts" : ".js";
try {
  if (ext === ".ts") await registerSources();
  registerRuntime();
} catch (err) {
  process.stderr.write(`tasklab: ${err.message}\n`);
  process.exit(2);
}
const { main } = await import(`./main${ext}`);
process.exitCode = await main(process.argv.slice(2));
