/**
 * A single long run to profile: `node --cpu-prof --import tsx bench/profile.ts [workload]
 * [iterations] [--traced]` (or bundle it first with esbuild for a profile without tsx's
 * module wrappers). The workload is kthread-cycle (the default; `--traced` records every
 * event) or one of bench/user.ts's user programs: pthread-cycle, fork-wait, vfork-exec
 * (tracing off). Prints the rate, the engine steps per iteration and, for a user program,
 * the modeled time per iteration (boot included).
 */
import { performance } from "node:perf_hooks";
import { kthreadCycleMachine } from "./cycle.js";
import { type UserBench, userBenchMachine } from "./user.js";

const USER: readonly string[] = ["pthread-cycle", "fork-wait", "vfork-exec"];
const workload = process.argv.slice(2).find((a) => !a.startsWith("-") && !/^\d+$/.test(a)) ?? "kthread-cycle";
if (workload !== "kthread-cycle" && !USER.includes(workload)) throw new Error(`unknown workload ${workload}`);
const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? (workload === "kthread-cycle" ? 30_000 : 3_000));
const traced = process.argv.includes("--traced");
const m = workload === "kthread-cycle" ? kthreadCycleMachine(n, traced) : userBenchMachine(workload as UserBench, n);
const t0 = performance.now();
const stop = m.run({ maxSteps: 1e9 });
const s = (performance.now() - t0) / 1000;
if (stop !== "idle") throw new Error(`the machine stopped with "${stop}"`);
const modeled = workload === "kthread-cycle" ? "" : `, ${(m.engine.now() / n / 1000).toFixed(1)} modeled µs/iteration`;
console.log(
  `${workload}: ${Math.round(n / s)} /s, ${(m.engine.steps / n).toFixed(1)} steps/iteration${modeled}${traced ? ", traced" : ""}`,
);
