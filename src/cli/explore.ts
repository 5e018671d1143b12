/** The `tasklab explore`, `tasklab explore merge`, `tasklab replay` and `tasklab mutants` commands. */

import { readFileSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  EXPLORE_DEFAULTS,
  type ExploreOptions,
  type ExploreResult,
  explore,
  minimizeResult,
  type Progress,
} from "../explore/explore.js";
import { formatReplay, makeReplay, parseReplay, replay } from "../explore/replay.js";
import { preemptions, registerScenario, type Target } from "../explore/schedule.js";
import { mergeStats, type Stats, type StatsJson, statsFromJson, statsToJson } from "../explore/stats.js";
import { DEFAULT_ERA, ERA_NAMES, era } from "../linux/eras/profiles.js";
import { MUTANTS } from "../linux/kernel/mutants.js";
import { findScenario } from "../scenarios/index.js";
import { checkEra } from "../scenarios/scenario.js";
import { intIn, loadScenario, UsageError } from "./options.js";

interface ExploreFlags {
  strategy: ExploreOptions["strategy"];
  runs: number;
  depth?: number;
  preemptions: number;
  seed: number;
  cpus: number;
  mutant?: string;
  kernel: string;
  workers: number;
  shard: { index: number; count: number };
  reduce: boolean;
  out?: string;
  replayFile?: string;
  progress?: boolean;
}

/** The result file `--out` writes and `explore merge` reads. */
interface ResultFile {
  tasklab: "explore-result";
  version: 1;
  target: Target;
  options: Omit<ExploreOptions, "depth" | "workers"> & { depth: number | null };
  stats: StatsJson;
  elapsedMs: number;
}

function shardArg(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index >= count)
    throw new InvalidArgumentError(`expected I/N with 0 ≤ I < N, got '${v}'`);
  return { index, count };
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** One progress line: bar, share of the jobs done, schedules, rate and an estimate of the time left. */
export function progressLine(p: Progress, elapsedMs: number): string {
  const frac = p.jobs === 0 ? 1 : p.jobsDone / p.jobs;
  const width = 24;
  const filled = Math.round(frac * width);
  const rate = elapsedMs > 0 ? (p.schedules * 1000) / elapsedMs : 0;
  const eta = frac > 0 ? clock((elapsedMs * (1 - frac)) / frac) : "?";
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}%  ${fmt(p.schedules)} schedules  ${fmt(rate)}/s  ETA ${eta}`;
}

function describe(t: Target, o: ExploreOptions): string {
  const how =
    o.strategy === "dfs"
      ? `dfs, at most ${o.preemptions} preemption${o.preemptions === 1 ? "" : "s"}${Number.isFinite(o.depth) ? `, first ${o.depth} choice points` : ""}, reduction ${o.reduce ? "on (sleep sets over local steps)" : "off"}`
      : `${o.strategy}, ${fmt(o.runs)} runs, seed ${o.seed}${o.strategy === "pct" ? `, depth ${Number.isFinite(o.depth) ? o.depth : 3}` : ""}`;
  const shard = o.shard.count > 1 ? `, shard ${o.shard.index}/${o.shard.count}` : "";
  return `explore ${t.scenario}${t.mutant === null ? "" : ` (mutant ${t.mutant})`} on ${t.cpus} CPUs: ${how}${shard}`;
}

function summary(s: Stats, elapsedMs: number): string[] {
  const rate = elapsedMs > 0 ? (s.schedules * 1000) / elapsedMs : 0;
  const pct = s.sitesSeen.size === 0 ? 100 : (100 * s.sitesTried.size) / s.sitesSeen.size;
  return [
    `schedules: ${fmt(s.schedules)} in ${(elapsedMs / 1000).toFixed(1)} s (${fmt(rate)}/s)`,
    `terminal states: ${s.states.size}`,
    `choice points: ${fmt(s.sitesSeen.size)} sites seen, ${fmt(s.sitesTried.size)} with an alternative tried (${pct.toFixed(0)} %)`,
  ];
}

function resultFile(r: ExploreResult, elapsedMs: number): ResultFile {
  const { workers: _w, ...rest } = r.options;
  return {
    tasklab: "explore-result",
    version: 1,
    target: r.target,
    options: { ...rest, depth: Number.isFinite(r.options.depth) ? r.options.depth : null },
    stats: statsToJson(r.stats),
    elapsedMs: Math.round(elapsedMs),
  };
}

async function exploreCommand(ref: string, f: ExploreFlags): Promise<number> {
  // A scenario file is loaded here, and again by each pool worker, under its absolute path.
  const builtin = findScenario(ref);
  const name = builtin !== undefined ? ref : resolve(ref);
  const scenario = builtin ?? (await loadScenario(ref));
  checkEra(scenario, era(f.kernel));
  if (builtin === undefined) registerScenario(name, scenario);
  const target: Target = {
    scenario: name,
    cpus: f.cpus,
    seed: f.seed,
    mutant: f.mutant ?? null,
    ...(f.kernel === DEFAULT_ERA ? {} : { kernel: f.kernel }),
  };
  const o: ExploreOptions = {
    ...EXPLORE_DEFAULTS,
    strategy: f.strategy,
    runs: f.runs,
    depth: f.depth ?? Number.POSITIVE_INFINITY,
    preemptions: f.preemptions,
    seed: f.seed,
    reduce: f.reduce,
    workers: f.workers,
    shard: f.shard,
  };
  const out = process.stdout;
  out.write(`${describe(target, o)}\n`);
  const showProgress = f.progress ?? process.stderr.isTTY === true;
  // Wall time is the command's, not the explorer's: the exploration itself is deterministic.
  const start = performance.now();
  let last = 0;
  const r = await explore(target, o, (p) => {
    const elapsed = performance.now() - start;
    if (!showProgress || elapsed - last < 250) return;
    last = elapsed;
    process.stderr.write(`\r${progressLine(p, elapsed)}`);
  });
  const elapsedMs = performance.now() - start;
  if (showProgress) process.stderr.write("\n");
  for (const l of summary(r.stats, elapsedMs)) out.write(`${l}\n`);
  if (f.out !== undefined) writeFileSync(f.out, `${JSON.stringify(resultFile(r, elapsedMs), null, 2)}\n`);
  const c = r.stats.counterexample;
  if (c === null) {
    out.write("no violation\n");
    return 0;
  }
  out.write(`VIOLATION: ${c.violation.title}\n  found with ${c.picks.length} deviation(s) from the default run\n`);
  const m = minimizeResult(r);
  if (m !== null) {
    const stem = builtin ? ref : basename(ref).replace(/\.(m?[jt]s)$/, "");
    const file = f.replayFile ?? `${stem}${target.mutant === null ? "" : `.${target.mutant}`}.replay.json`;
    const rep = makeReplay(target, m.picks, m.outcome, describe(target, o));
    writeFileSync(file, formatReplay(rep));
    out.write(
      `  minimized in ${m.runs} runs: ${m.picks.length} deviation(s), ${preemptions(m.outcome.choices)} preemption(s), found at step ${m.outcome.violation?.step}\n` +
        `  replay: tasklab replay ${file}\n`,
    );
  }
  return 1;
}

function mergeCommand(files: string[], f: { out?: string }): number {
  if (files.length === 0) throw new UsageError("explore merge needs result files (written with --out)");
  const results = files.map((p) => JSON.parse(readFileSync(p, "utf8")) as ResultFile);
  const first = results[0] as ResultFile;
  const key = (r: ResultFile) => JSON.stringify([r.target, { ...r.options, shard: null }]);
  for (const r of results) {
    if (r.tasklab !== "explore-result") throw new UsageError("not an explore result file");
    if (key(r) !== key(first))
      throw new UsageError("the files are of different explorations (target or options differ)");
  }
  const count = first.options.shard.count;
  const have = new Set(results.map((r) => r.options.shard.index));
  if (have.size !== results.length) throw new UsageError("a shard appears twice");
  const stats = statsFromJson(first.stats);
  for (const r of results.slice(1)) mergeStats(stats, statsFromJson(r.stats));
  const elapsed = Math.max(...results.map((r) => r.elapsedMs));
  const out = process.stdout;
  out.write(
    `merged ${results.length} of ${count} shards${have.size < count ? ` (missing: ${[...Array(count).keys()].filter((i) => !have.has(i)).join(", ")})` : ""}\n`,
  );
  for (const l of summary(stats, elapsed)) out.write(`${l}\n`);
  out.write(stats.counterexample === null ? "no violation\n" : `VIOLATION: ${stats.counterexample.violation.title}\n`);
  if (f.out !== undefined) {
    const merged: ResultFile = {
      ...first,
      options: { ...first.options, shard: { index: 0, count: 1 } },
      stats: statsToJson(stats),
      elapsedMs: elapsed,
    };
    writeFileSync(f.out, `${JSON.stringify(merged, null, 2)}\n`);
  }
  return stats.counterexample === null ? 0 : 1;
}

async function replayCommand(file: string): Promise<number> {
  const r = parseReplay(readFileSync(file, "utf8"));
  const ref = r.target.scenario;
  if (findScenario(ref) === undefined) registerScenario(ref, await loadScenario(ref));
  const res = replay(r);
  const head = [
    `# replay of ${r.target.scenario}${r.target.mutant === null ? "" : ` (mutant ${r.target.mutant})`}: ${r.violation.title}`,
  ];
  for (const d of r.deviations ?? []) head.push(`#   ${d}`);
  process.stdout.write(`${head.join("\n")}\n${res.trace}\n`);
  for (const l of res.reports) process.stderr.write(`${l}\n`);
  if (!res.reproduced) {
    process.stderr.write(
      `tasklab: the replay did not end in the recorded violation (${r.violation.title}): the model changed since it was written\n`,
    );
    return 2;
  }
  return 1;
}

export function addExploreCommands(program: Command): void {
  program
    .command("explore")
    .description(
      "re-run a scenario under every (dfs) or sampled (random, pct) schedule; stop at a violation, minimize it, write a replay file. 'explore merge FILES' combines shard results",
    )
    .argument("<scenario>", "a built-in scenario, a .ts/.js file exporting one, or 'merge'")
    .argument("[files...]", "with 'merge': the result files of the shards")
    .addOption(new Option("--strategy <s>", "how to choose schedules").choices(["dfs", "random", "pct"]).default("dfs"))
    .option("--runs <n>", "random, pct: how many runs", intIn(1, 1e9), EXPLORE_DEFAULTS.runs)
    .option(
      "--depth <d>",
      "pct: the bug depth (default 3); dfs: deviate only in the first D choice points",
      intIn(1, 1e9),
    )
    .option("--preemptions <k>", "dfs: at most K preemptions per schedule", intIn(0, 64), EXPLORE_DEFAULTS.preemptions)
    .option("--seed <s>", "seed of the machine and of the sampled runs", intIn(0, 2 ** 32 - 1), 1)
    .option("--cpus <n>", "number of CPUs", intIn(1, 64), 2)
    .addOption(
      new Option("--mutant <name>", "a broken variant of the kthread protocol (see 'tasklab mutants')").choices(
        Object.keys(MUTANTS),
      ),
    )
    .addOption(
      new Option("--kernel <version>", "the Linux release to model (see 'tasklab eras')")
        .choices(ERA_NAMES)
        .default(DEFAULT_ERA),
    )
    .option("--workers <n>", "worker threads", intIn(1, 256), 1)
    .option("--shard <I/N>", "explore only shard I of N (0-based)", shardArg, { index: 0, count: 1 })
    .option("--no-reduce", "dfs: explore schedules equivalent by commuting local steps too")
    .option("--out <file>", "write the result (for 'explore merge') to FILE")
    .option("--replay-file <file>", "where to write the replay of a violation (default: SCENARIO[.MUTANT].replay.json)")
    .option("--progress", "show a progress bar (default: when stderr is a terminal)")
    .option("--no-progress", "no progress bar")
    .action(async (ref: string, files: string[], f: ExploreFlags) => {
      if (ref !== "merge" && files.length > 0) {
        // Options after a `--` land here too: silently dropping them would explore something else.
        throw new UsageError(`explore takes one scenario, got also: ${files.join(" ")}`);
      }
      process.exitCode = ref === "merge" ? mergeCommand(files, f) : await exploreCommand(ref, f);
    });

  program
    .command("replay")
    .description(
      "run a replay file written by 'tasklab explore': the trace, with the step where the violation was found marked",
    )
    .argument("<file>", "the replay file")
    .action(async (file: string) => {
      process.exitCode = await replayCommand(file);
    });

  program
    .command("mutants")
    .description("list the broken variants of the kthread protocol that 'explore --mutant' runs")
    .action(() => {
      for (const [name, what] of Object.entries(MUTANTS)) process.stdout.write(`${name.padEnd(24)} ${what}\n`);
    });
}
