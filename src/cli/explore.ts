/** The `tasklab explore`, `tasklab explore merge`, `tasklab replay` and `tasklab mutants` commands. */

import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { type Command, Option } from "commander";
import { EXPLORE_DEFAULTS, type ExploreOptions, type Progress } from "../explore/explore.js";
import {
  badRelativePath,
  badScenarioPath,
  type FileTarget,
  formatReplay,
  makeReplay,
  parseReplay,
} from "../explore/replay.js";
import { preemptions, type Target } from "../explore/schedule.js";
import { statsFromJson } from "../explore/stats.js";
import { DEFAULT_ERA, ERA_NAMES } from "../linux/eras/profiles.js";
import { MUTANTS } from "../linux/kernel/mutants.js";
import { findScenario } from "../scenarios/index.js";
import { describe, progressLine, proofLine, summary } from "./explore-report.js";
import {
  MAX_FILE_BYTES,
  mergeCommand,
  RESULT_VERSION,
  type ResultFile,
  relativeFrom,
  shardArg,
} from "./explore-result.js";
import type { ExploreJob, ExploreReply } from "./explore-worker.js";
import { checkOutput, readChecked, readInput, sha256, writeOutput } from "./files.js";
import { intIn, UsageError, unknownScenario, watchdogOption } from "./options.js";
import { exploreStateTarget } from "./state-file.js";
import { MAX_HEAP_MB, runWatched } from "./watchdog.js";

interface ExploreFlags {
  strategy: ExploreOptions["strategy"];
  stateful?: boolean;
  dpor?: boolean;
  runs: number;
  depth?: number;
  preemptions?: number;
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
  partial?: boolean;
  watchdog: number;
}

/** What `explore` explores: a built-in scenario, or a scenario file (its absolute path and its bytes' sha256). */
type Source = { file: null } | { file: { path: string; sha256: string } };

function scenarioSource(ref: string): Source {
  if (findScenario(ref) !== undefined) return { file: null };
  if (!/\.(m?[jt]s)$/.test(ref)) throw unknownScenario(ref);
  return { file: { path: resolve(ref), sha256: sha256(readInput(ref, MAX_FILE_BYTES)) } };
}

/** The target as a file written at `writtenTo` records it: no absolute path. */
function fileTarget(t: Target, s: Source, writtenTo: string): FileTarget {
  const { scenario: _abs, state, ...rest } = t;
  return {
    ...(s.file === null
      ? { scenario: t.scenario }
      : { scenario: relativeFrom(writtenTo, s.file.path), sha256: s.file.sha256 }),
    ...rest,
    ...(state === undefined ? {} : { state: { path: relativeFrom(writtenTo, state.path), sha256: state.sha256 } }),
  };
}

/** Runs an explore or replay job in a worker under the watchdog; null if the watchdog ended it (its report printed). */
async function runExploreJob<T extends ExploreReply["type"]>(
  job: ExploreJob,
  seconds: number,
  onProgress: (p: Progress) => void = () => {},
): Promise<Extract<ExploreReply, { type: T }> | null> {
  const ref = job.kind === "explore" ? job.target.scenario : job.replay.target.scenario;
  const r = await runWatched<ExploreReply>(job, ref, seconds, MAX_HEAP_MB, (m) => {
    if (m.type !== "explore-progress") return false;
    onProgress(m.progress);
    return true;
  });
  if (r.type === "hung") {
    process.stderr.write(`${r.report}\n`);
    return null;
  }
  if (r.type === "usage") throw new UsageError(r.message);
  return r as Extract<ExploreReply, { type: T }>;
}

/** The strategy the flags pick, or a one-line reason they do not go together. */
function chosenStrategy(f: ExploreFlags): ExploreOptions["strategy"] {
  if (f.stateful === true && f.dpor === true)
    throw new UsageError("--stateful and --dpor are strategies of their own: pick one");
  const own = f.stateful === true ? "stateful" : f.dpor === true ? "dpor" : null;
  if (own !== null && f.strategy !== "dfs" && f.strategy !== own)
    throw new UsageError(`--${own} is a strategy of its own: it cannot go with --strategy ${f.strategy}`);
  const strategy = own ?? f.strategy;
  if (strategy === "stateful" && f.depth !== undefined)
    throw new UsageError("--depth does not apply to the stateful search (it walks every state)");
  if (strategy === "dpor" && f.shard.count > 1)
    throw new UsageError(
      "--dpor cannot be sharded: a race found in one schedule adds schedules under nodes another shard owns (docs/explorer.md)",
    );
  if (strategy === "dpor" && f.workers > 1)
    throw new UsageError(
      "--dpor runs on one thread (its schedules depend on the races of those before): drop --workers",
    );
  return strategy;
}

/**
 * SCENARIO[.MUTANT].replay.json, in the working directory, or beside a scenario file that
 * is not within it (a replay file names its scenario file by a path within its directory).
 */
function defaultReplayFile(ref: string, s: Source, mutant: string | null, state?: string): string {
  const name = `${basename(ref).replace(/\.(m?[jt]s)$/, "")}${mutant === null ? "" : `.${mutant}`}.replay.json`;
  if (state !== undefined)
    return badRelativePath(relativeFrom(name, state), "") === null ? name : join(dirname(state), name);
  if (s.file === null || badScenarioPath(relativeFrom(name, s.file.path)) === null) return name;
  return join(dirname(s.file.path), name);
}

/** `state`: the target of exploring from a saved state (--from-state), whose scenario is `ref`. */
async function exploreCommand(ref: string, f: ExploreFlags, state?: Target): Promise<number> {
  const source: Source = state === undefined ? scenarioSource(ref) : { file: null };
  // A scenario file is loaded in the worker, and again by each pool worker, under its absolute path.
  const target: Target = state ?? {
    scenario: source.file === null ? ref : source.file.path,
    cpus: f.cpus,
    seed: f.seed,
    mutant: f.mutant ?? null,
    ...(f.kernel === DEFAULT_ERA ? {} : { kernel: f.kernel }),
  };
  const strategy = chosenStrategy(f);
  const o: ExploreOptions = {
    ...EXPLORE_DEFAULTS,
    strategy,
    runs: f.runs,
    depth: f.depth ?? Number.POSITIVE_INFINITY,
    // The stateful search is unbounded unless told; dfs has a bound.
    preemptions: f.preemptions ?? (strategy === "stateful" ? Number.POSITIVE_INFINITY : EXPLORE_DEFAULTS.preemptions),
    seed: f.seed,
    reduce: f.reduce,
    workers: f.workers,
    shard: f.shard,
  };
  const replayFile = f.replayFile ?? defaultReplayFile(ref, source, target.mutant, target.state?.path);
  const replayTarget = fileTarget(target, source, replayFile);
  const bad = source.file === null ? null : badScenarioPath(replayTarget.scenario);
  if (bad !== null)
    throw new UsageError(
      `the replay file '${replayFile}' cannot name the scenario file by '${replayTarget.scenario}': ${bad}; write it (--replay-file) in the scenario file's directory or a directory above it`,
    );
  const badState = replayTarget.state === undefined ? null : badRelativePath(replayTarget.state.path, "state file");
  if (badState !== null)
    throw new UsageError(
      `the replay file '${replayFile}' cannot name the state file by '${replayTarget.state?.path}': ${badState}; write it (--replay-file) in the state file's directory or a directory above it`,
    );
  for (const file of [f.out, replayFile]) if (file !== undefined) checkOutput(file);

  const out = process.stdout;
  out.write(`${describe({ ...target, scenario: ref }, o)}\n`);
  const showProgress = f.progress ?? process.stderr.isTTY === true;
  // The progress bar's wall time is the command's (the summary's is the exploration's, the
  // worker's): the exploration itself is deterministic.
  const start = performance.now();
  let last = 0;
  const file = source.file === null ? null : { path: source.file.path, name: source.file.path };
  const r = await runExploreJob<"explored">(
    { entry: "explore", file, kind: "explore", target, options: o },
    f.watchdog,
    (p) => {
      const elapsed = performance.now() - start;
      if (!showProgress || elapsed - last < 250) return;
      last = elapsed;
      process.stderr.write(`\r${progressLine(p, elapsed)}`);
    },
  );
  if (showProgress) process.stderr.write("\n");
  if (r === null) return 2;
  const stats = statsFromJson(r.stats);
  for (const l of summary(stats, r.elapsedMs)) out.write(`${l}\n`);
  if (f.out !== undefined) {
    const { workers: _w, ...rest } = o;
    const result: ResultFile = {
      tasklab: "explore-result",
      version: RESULT_VERSION,
      target: fileTarget(target, source, f.out),
      options: {
        ...rest,
        depth: Number.isFinite(o.depth) ? o.depth : null,
        preemptions: Number.isFinite(o.preemptions) ? o.preemptions : null,
      },
      stats: r.stats,
      elapsedMs: Math.round(r.elapsedMs),
    };
    writeOutput(f.out, `${JSON.stringify(result, null, 2)}\n`);
  }
  const c = stats.counterexample;
  if (c === null) {
    out.write("no violation\n");
    const proof = proofLine(target, o, stats, ref);
    if (proof !== null) out.write(`${proof}\n`);
    return 0;
  }
  out.write(`VIOLATION: ${c.violation.title}\n  found with ${c.picks.length} deviation(s) from the default run\n`);
  const m = r.minimized;
  if (m !== null) {
    const rep = makeReplay(replayTarget, m.picks, m.outcome, describe(replayTarget, o));
    writeOutput(replayFile, formatReplay(rep));
    out.write(
      `  minimized in ${m.runs} runs: ${m.picks.length} deviation(s), ${preemptions(m.outcome.choices)} preemption(s), found at step ${m.outcome.violation?.step}\n` +
        `  replay: tasklab replay ${replayFile}\n`,
    );
  }
  return 1;
}

/**
 * The scenario (or state) file a replay file names by `named`, checked: within the replay
 * file's directory (after symbolic links too) and with the recorded sha256. Returns its real path.
 */
function replayNamedFile(
  file: string,
  named: string,
  sha: string | undefined,
  at: { field: string; sha: string; what: string },
): string {
  const dir = dirname(resolve(file));
  const path = resolve(dir, named);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new UsageError(`${file}: ${at.field}: no ${at.what} '${path}'`);
  }
  if (!real.startsWith(realpathSync(dir) + sep))
    throw new UsageError(`${file}: ${at.field}: '${named}' leads outside the replay file's directory (to '${real}')`);
  const hash = sha256(readInput(real, MAX_FILE_BYTES));
  if (hash !== sha)
    throw new UsageError(
      `${file}: ${at.sha}: '${named}' is not the ${at.what} the replay was written for (its sha256 is ${hash.slice(0, 12)}…, the replay file's ${sha?.slice(0, 12)}…)`,
    );
  return real;
}

async function replayCommand(file: string, f: { watchdog: number }): Promise<number> {
  const r = readChecked(file, MAX_FILE_BYTES, parseReplay);
  const name = r.target.scenario;
  const scenarioFile =
    findScenario(name) === undefined
      ? {
          path: replayNamedFile(file, name, r.target.sha256, {
            field: "target.scenario",
            sha: "target.sha256",
            what: "scenario file",
          }),
          name,
        }
      : null;
  const st = r.target.state;
  if (st !== undefined) {
    const at = { field: "target.state.path", sha: "target.state.sha256", what: "state file" };
    r.target.state = { path: replayNamedFile(file, st.path, st.sha256, at), sha256: st.sha256 };
  }
  const done = await runExploreJob<"replayed">(
    { entry: "explore", file: scenarioFile, kind: "replay", replay: r },
    f.watchdog,
  );
  if (done === null) return 2;
  const res = done.replayed;
  const head = [
    `# replay of ${name}${r.target.mutant === null ? "" : ` (mutant ${r.target.mutant})`}: ${r.violation.title}`,
  ];
  for (const d of r.deviations) head.push(`#   ${d}`);
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
      "re-run a scenario under every (dfs) or sampled (random, pct) schedule, or walk its states (--stateful); stop at a violation, minimize it, write a replay file. 'explore merge FILES' combines shard results",
    )
    .argument("[scenario]", "a built-in scenario, a .ts/.js file exporting one, or 'merge'")
    .argument("[files...]", "with 'merge': the result files of the shards")
    .option(
      "--from-state <file>",
      "explore from this saved state (its scenario and machine options; --cpus, --kernel, --mutant are the state's)",
    )
    .addOption(
      new Option("--strategy <s>", "how to choose schedules")
        .choices(["dfs", "dpor", "stateful", "random", "pct"])
        .default("dfs"),
    )
    .option(
      "--stateful",
      "walk the state graph with a visited set of state hashes (= --strategy stateful; no preemption bound unless --preemptions)",
    )
    .option(
      "--dpor",
      "dynamic partial-order reduction: run one schedule per order of racing shared steps (= --strategy dpor; one thread, no shards)",
    )
    .option("--runs <n>", "random, pct: how many runs", intIn(1, 1e9), EXPLORE_DEFAULTS.runs)
    .option(
      "--depth <d>",
      "pct: the bug depth (default 3); dfs: deviate only in the first D choice points",
      intIn(1, 1e9),
    )
    .option(
      "--preemptions <k>",
      `dfs, dpor, stateful: at most K preemptions per schedule (dfs, dpor default ${EXPLORE_DEFAULTS.preemptions}; stateful default none)`,
      intIn(0, 64),
    )
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
    .option("--no-reduce", "dfs, dpor: explore schedules equivalent by commuting local steps too")
    .option("--out <file>", "write the result (for 'explore merge') to FILE")
    .option("--partial", "with 'merge': merge the shards given even if some are missing (the output says which)")
    .option("--replay-file <file>", "where to write the replay of a violation (default: SCENARIO[.MUTANT].replay.json)")
    .option("--progress", "show a progress bar (default: when stderr is a terminal)")
    .option("--no-progress", "no progress bar")
    .addOption(watchdogOption())
    .action(async (ref: string | undefined, files: string[], f: ExploreFlags & { fromState?: string }) => {
      if (f.fromState !== undefined) {
        if (ref !== undefined || files.length > 0)
          throw new UsageError(
            `--from-state explores the scenario the state was saved from: give no scenario (got '${[ref, ...files].join(" ")}')`,
          );
        const state = exploreStateTarget(f.fromState, MAX_FILE_BYTES);
        process.exitCode = await exploreCommand(state.scenario, f, state);
        return;
      }
      if (ref === undefined) throw new UsageError("explore: missing argument 'scenario' (or --from-state FILE)");
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
    .addOption(watchdogOption())
    .action(async (file: string, f: { watchdog: number }) => {
      process.exitCode = await replayCommand(file, f);
    });

  program
    .command("mutants")
    .description("list the broken variants of the kthread protocol that 'explore --mutant' runs")
    .action(() => {
      for (const [name, what] of Object.entries(MUTANTS)) process.stdout.write(`${name.padEnd(24)} ${what}\n`);
    });
}
