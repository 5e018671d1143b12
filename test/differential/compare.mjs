// `npm run differential [-- regexp]`: every case of cases.ts (every scenario and example, every
// era, 1/2/4 CPUs, two tracings) under both runtimes, one process each; prints the cases whose
// lines differ and exits 1 if any does.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);
const main = new URL("./main.mjs", import.meta.url).pathname;
const filter = process.argv[2] ?? "";
const lines = async (runtime) =>
  (
    await run(process.execPath, [main, filter], {
      env: { ...process.env, TASKLAB_RUNTIME: runtime },
      maxBuffer: 256 << 20,
    })
  ).stdout
    .trimEnd()
    .split("\n");
const [gen, frames] = await Promise.all([lines("generators"), lines("frames")]);
let differ = 0;
for (let i = 0; i < Math.max(gen.length, frames.length); i++) {
  if (gen[i] === frames[i]) continue;
  differ++;
  process.stdout.write(`- generators ${gen[i] ?? "(none)"}\n+ frames     ${frames[i] ?? "(none)"}\n`);
}
process.stdout.write(`${gen.length} cases, ${differ} differ\n`);
process.exitCode = differ === 0 ? 0 : 1;
