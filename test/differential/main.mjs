// The differential harness's runner: `TASKLAB_RUNTIME=generators|frames node
// test/differential/main.mjs [regexp]` prints one line per case (cases.ts) whose name
// ("scenario era Ncpu tracing") matches, under that runtime.
import { register } from "tsx/esm/api";
import { registerRuntime } from "../../src/build/runtime.mjs";

register();
registerRuntime();
const { caseLines, scenarios } = await import("./cases.ts");
for (const line of caseLines(await scenarios(), new RegExp(process.argv[2] ?? ""))) process.stdout.write(`${line}\n`);
