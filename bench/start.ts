/**
 * cli-start: the CPU time (user + system, all threads) of the compiled `tasklab` command
 * (bin/tasklab.js on dist/: `npm run build` first) up to where the model runs, against
 * `node -e 0`, the runs taken in turn. `tasklab scenarios` is a whole run; `tasklab run
 * kthread-run --until 0` is all of `run` but the model's run: the CLI, option checks, the
 * worker thread, the model's modules and the machine built, a trace of nothing written. The
 * whole `run kthread-run` is measured too. A child's CPU time is read from /proc/self/stat
 * (cutime + cstime of the children waited for, in clock ticks of 10 ms: Linux only).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, type Sample, sampleOf } from "./harness.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TICK = 0.01; // s: USER_HZ, 100 on Linux

/** CPU seconds of this process's waited-for children so far. */
function childrenCpu(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[13]) + Number(f[14])) * TICK; // fields 16, 17 of proc(5): cutime, cstime
}

/** The CPU seconds of one run of `node ARGS`. */
function cpuOf(args: readonly string[]): number {
  const before = childrenCpu();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cli-start: node ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return childrenCpu() - before;
}

/** The cli-start rows, each with its ratio to node -e 0; null without dist/ or /proc. */
export function cliStart(runs: number): Sample[] | null {
  if (!existsSync(join(ROOT, "dist", "build", "built.json")) || !existsSync("/proc/self/stat")) {
    process.stderr.write("bench: cli-start skipped: needs dist/ (npm run build) and Linux's /proc\n");
    return null;
  }
  const commands: Record<string, string[]> = {
    "cli-start: node -e 0": ["-e", "0"],
    "cli-start: tasklab scenarios": ["bin/tasklab.js", "scenarios"],
    "cli-start: tasklab run kthread-run --until 0": ["bin/tasklab.js", "run", "kthread-run", "--until", "0"],
    "cli-start: tasklab run kthread-run (whole)": ["bin/tasklab.js", "run", "kthread-run"],
  };
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let run = -1; run < runs; run++)
    for (const [name, args] of Object.entries(commands)) {
      const s = cpuOf(args);
      if (run >= 0) cpu[name]!.push(s); // run -1: the warm-up
    }
  const base = median(cpu["cli-start: node -e 0"]!);
  return Object.entries(cpu).map(([name, xs]) => {
    const s = sampleOf(name, "s cpu", xs);
    return name.endsWith("node -e 0") ? s : { ...s, vs: { name: "node -e 0", median: base, ratio: s.median / base } };
  });
}
