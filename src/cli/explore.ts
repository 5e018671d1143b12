/** The `tasklab explore`, `tasklab explore merge`, `tasklab replay` and `tasklab mutants` commands. */

import { realpathSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { EXPLORE_DEFAULTS, type ExploreOptions, type Progress } from "../explore/explore.js";
import {
  badRelativePath,
  badScenarioPath,
  type FileTarget,
  formatReplay,
  MAX_COUNT,
  makeReplay,
  parseReplay,
  picksCheck,
  targetCheck,
  violationCheck,
} from "../explore/replay.js";
import { preemptions, type Target, targetScenario } from "../explore/schedule.js";
import { MAX_STATES } from "../explore/stateful.js";
import { emptyStats, mergeStats, type Stats, type StatsJson, statsFromJson, statsToJson } from "../explore/stats.js";
import { DEFAULT_ERA, ERA_NAMES } from "../linux/eras/profiles.js";
import { MUTANTS } from "../linux/kernel/mutants.js";
import { findScenario } from "../scenarios/index.js";
import {
  bool,
  int,
  list,
  nullable,
  num,
  oneOf,
  optional,
  parseTasklabJson,
  record,
  SchemaError,
  text,
} from "../schema.js";
import type { ExploreJob, ExploreReply } from "./explore-worker.js";
import { checkOutput, readChecked, readInput, sha256, writeOutput } from "./files.js";
import { intIn, UsageError, unknownScenario, watchdogOption } from "./options.js";
import { exploreStateTarget } from "./state-file.js";
import { MAX_HEAP_MB, runWatched } from "./watchdog.js";

interface ExploreFlags {
  strategy: ExploreOptions["strategy"];
  stateful?: boolean;
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

/** At most this many shards (`--shard I/N`). */
const MAX_SHARDS = 10_000;
/** The largest replay file, shard result and scenario file read. */
const MAX_FILE_BYTES = 64 << 20;

/** The result file `--out` writes and `explore merge` reads. */
interface ResultFile {
  tasklab: "explore-result";
  version: typeof RESULT_VERSION;
  target: FileTarget;
  /** `preemptions` null: unbounded (the stateful search). */
  options: Omit<ExploreOptions, "depth" | "workers" | "preemptions"> & {
    depth: number | null;
    preemptions: number | null;
  };
  stats: StatsJson;
  elapsedMs: number;
  /** A merge of some of the shards only (`explore merge --partial`): the ones missing. */
  partial?: { shards: number; missing: number[] };
}

/** The result file's format version (2: scenario files by relative path and sha256). */
const RESULT_VERSION = 2;

const resultCheck = record({
  target: targetCheck,
  options: record({
    strategy: oneOf(["dfs", "stateful", "random", "pct"] as const),
    runs: int(1, 1e9),
    depth: nullable(int(1, 1e9)),
    preemptions: nullable(int(0, 64)),
    seed: int(0, 2 ** 32 - 1),
    reduce: bool,
    shard: record({ index: int(0, MAX_SHARDS - 1), count: int(1, MAX_SHARDS) }),
  }),
  stats: record({
    schedules: int(0, MAX_COUNT),
    states: list(text(64), 4_000_000),
    sitesSeen: list(text(10_000), 1_000_000),
    sitesTried: list(text(10_000), 1_000_000),
    counterexample: nullable(
      record({ picks: picksCheck, violation: violationCheck, order: list(int(-1, MAX_COUNT), 1000) }),
    ),
    graph: optional(
      record({
        visited: list(text(16), MAX_STATES),
        transitions: int(0, MAX_COUNT),
        depth: int(0, MAX_COUNT),
        maxQueue: int(0, MAX_COUNT),
        complete: bool,
      }),
    ),
  }),
  elapsedMs: num(0, 1e15),
  partial: optional(record({ shards: int(1, MAX_SHARDS), missing: list(int(0, MAX_SHARDS - 1), MAX_SHARDS) })),
});

export function parseResult(json: string): ResultFile {
  const r = parseTasklabJson(json, "explore-result", RESULT_VERSION, resultCheck);
  const { index, count } = r.options.shard;
  if (index >= count) throw new SchemaError(`options.shard: index ${index} is not below the count ${count}`);
  return { tasklab: "explore-result", version: RESULT_VERSION, ...r };
}

function shardArg(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || count > MAX_SHARDS || index >= count)
    throw new InvalidArgumentError(`expected I/N with 0 ≤ I < N ≤ ${MAX_SHARDS}, got '${v}'`);
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

/** "at most K preemptions", or "no preemption bound". */
function bound(k: number): string {
  return Number.isFinite(k) ? `at most ${k} preemption${k === 1 ? "" : "s"}` : "no preemption bound";
}

function describe(t: Target, o: ExploreOptions): string {
  const how =
    o.strategy === "stateful"
      ? `stateful (a visited set of state hashes), ${bound(o.preemptions)}`
      : o.strategy === "dfs"
        ? `dfs, at most ${o.preemptions} preemption${o.preemptions === 1 ? "" : "s"}${Number.isFinite(o.depth) ? `, first ${o.depth} choice points` : ""}, reduction ${o.reduce ? "on (sleep sets over local steps)" : "off"}`
        : `${o.strategy}, ${fmt(o.runs)} runs, seed ${o.seed}${o.strategy === "pct" ? `, depth ${Number.isFinite(o.depth) ? o.depth : 3}` : ""}`;
  const shard = o.shard.count > 1 ? `, shard ${o.shard.index}/${o.shard.count}` : "";
  const from = t.state === undefined ? "" : ` from the state in ${t.state.path}`;
  return `explore ${t.scenario}${t.mutant === null ? "" : ` (mutant ${t.mutant})`}${from} on ${t.cpus} CPUs: ${how}${shard}`;
}

function summary(s: Stats, elapsedMs: number): string[] {
  const rate = elapsedMs > 0 ? (s.schedules * 1000) / elapsedMs : 0;
  const pct = s.sitesSeen.size === 0 ? 100 : (100 * s.sitesTried.size) / s.sitesSeen.size;
  const g = s.graph;
  if (g !== null) {
    const n = g.visited.size;
    return [
      `distinct states: ${fmt(n)} in ${(elapsedMs / 1000).toFixed(1)} s (${fmt(elapsedMs > 0 ? (n * 1000) / elapsedMs : 0)}/s)${g.complete ? "" : " (incomplete)"}`,
      `transitions: ${fmt(g.transitions)}, depth ${fmt(g.depth)} steps, queue peak ${fmt(g.maxQueue)} states`,
      `visited set: ${fmt(n)} hashes (~${fmt((n * VISITED_BYTES) / 1024)} KiB)`,
      `terminal states: ${s.states.size} (reached ${fmt(s.schedules)} times)`,
      `choice points: ${fmt(s.sitesSeen.size)} sites seen, ${fmt(s.sitesTried.size)} with an alternative tried (${pct.toFixed(0)} %)`,
    ];
  }
  return [
    `schedules: ${fmt(s.schedules)} in ${(elapsedMs / 1000).toFixed(1)} s (${fmt(rate)}/s)`,
    `terminal states: ${s.states.size}`,
    `choice points: ${fmt(s.sitesSeen.size)} sites seen, ${fmt(s.sitesTried.size)} with an alternative tried (${pct.toFixed(0)} %)`,
  ];
}

/** What one entry of a visited set takes, estimated: a 16-character string and its place in a Map and a Set. */
const VISITED_BYTES = 100;

/** What the stateful search checked (the detectors of every run, and the scenario's invariants). */
export function proofLine(t: Target, o: ExploreOptions, s: Stats, ref: string): string | null {
  const g = s.graph;
  if (g === null || !g.complete || s.counterexample !== null) return null;
  const inv = targetScenario(t).invariants ?? [];
  return (
    `proof: all ${fmt(g.visited.size)} distinct states of ${ref}${t.mutant === null ? "" : ` (mutant ${t.mutant})`} on ${t.cpus} CPU${t.cpus === 1 ? "" : "s"}, kernel ${t.kernel ?? DEFAULT_ERA}` +
    `${Number.isFinite(o.preemptions) ? ` within ${o.preemptions} preemption${o.preemptions === 1 ? "" : "s"}` : ""}` +
    `${o.shard.count > 1 ? ` (shard ${o.shard.index}/${o.shard.count}: merge the shards for the whole)` : ""}: ` +
    "no oops, no leak, no use-after-free, no lost wakeup, no hung task, no deadlock, no lockdep report" +
    `${inv.length === 0 ? "" : `; invariants hold: ${inv.map((i) => i.name).join(", ")}`}`
  );
}

/** A scenario file at absolute `path`, as a file written at `writtenTo` names it: relative to its directory, "/" between parts. */
function relativeFrom(writtenTo: string, path: string): string {
  return relative(dirname(resolve(writtenTo)), path)
    .split(sep)
    .join("/");
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
  const strategy = f.stateful === true ? "stateful" : f.strategy;
  if (f.stateful === true && f.strategy !== "dfs" && f.strategy !== "stateful")
    throw new UsageError(`--stateful is a strategy of its own: it cannot go with --strategy ${f.strategy}`);
  if (strategy === "stateful" && f.depth !== undefined)
    throw new UsageError("--depth does not apply to the stateful search (it walks every state)");
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

/** "1, 3-5, 9": a sorted list of integers as ranges. */
function ranges(xs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && (xs[j + 1] as number) === (xs[j] as number) + 1) j++;
    parts.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

/** What makes two results parts of one exploration: the target (a scenario file by its hash) and the options but the shard. */
function explorationKey(r: ResultFile): string {
  const { scenario, ...t } = r.target;
  return JSON.stringify([r.target.sha256 === undefined ? r.target : t, { ...r.options, shard: null }]);
}

function mergeCommand(files: string[], f: { out?: string; partial?: boolean }): number {
  if (files.length === 0) throw new UsageError("explore merge needs result files (written with --out)");
  if (f.out !== undefined) checkOutput(f.out);
  // One file at a time, added up as it is read: the memory a merge takes is what the merged
  // result holds, plus one file.
  const firstFile = files[0] as string;
  const first = readChecked(firstFile, MAX_FILE_BYTES, parseResult);
  const count = first.options.shard.count;
  const shard = (r: ResultFile) => `shard ${r.options.shard.index}/${r.options.shard.count}`;
  const byIndex = new Map<number, string>();
  const stats = emptyStats();
  let elapsed = 0;
  for (const file of files) {
    const r = file === firstFile ? first : readChecked(file, MAX_FILE_BYTES, parseResult);
    if (r.partial !== undefined)
      throw new UsageError(`${file} is a partial merge: merge the shards' own result files instead`);
    if (explorationKey(r) !== explorationKey(first))
      throw new UsageError(`${file} and ${firstFile} are results of different explorations (target or options differ)`);
    if (r.options.shard.count !== count)
      throw new UsageError(`${file} is ${shard(r)} but ${firstFile} is ${shard(first)}: shards of different counts`);
    const other = byIndex.get(r.options.shard.index);
    if (other !== undefined) throw new UsageError(`${other} and ${file} are both ${shard(r)}`);
    byIndex.set(r.options.shard.index, file);
    mergeStats(stats, statsFromJson(r.stats));
    elapsed = Math.max(elapsed, r.elapsedMs);
  }
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0 && f.partial !== true)
    throw new UsageError(
      `shard${missing.length === 1 ? "" : "s"} ${ranges(missing)} of ${count} missing: give every shard's result file, or --partial to merge these only`,
    );
  const out = process.stdout;
  out.write(
    `merged ${files.length} of ${count} shards${missing.length > 0 ? ` (partial: missing ${ranges(missing)})` : ""}\n`,
  );
  for (const l of summary(stats, elapsed)) out.write(`${l}\n`);
  out.write(stats.counterexample === null ? "no violation\n" : `VIOLATION: ${stats.counterexample.violation.title}\n`);
  if (missing.length === 0 && findScenario(first.target.scenario) !== undefined) {
    const { preemptions: k, ...opts } = first.options;
    const o: ExploreOptions = {
      ...opts,
      preemptions: k ?? Number.POSITIVE_INFINITY,
      depth: opts.depth ?? Number.POSITIVE_INFINITY,
      workers: 1,
      shard: { index: 0, count: 1 },
    };
    const proof = proofLine(first.target, o, stats, first.target.scenario);
    if (proof !== null) out.write(`${proof}\n`);
  }
  if (f.out !== undefined) {
    const scenario =
      first.target.sha256 === undefined
        ? first.target.scenario
        : relativeFrom(f.out, resolve(dirname(firstFile), first.target.scenario));
    const merged: ResultFile = {
      ...first,
      target: { ...first.target, scenario },
      options: { ...first.options, shard: { index: 0, count: 1 } },
      stats: statsToJson(stats),
      elapsedMs: elapsed,
      ...(missing.length > 0 ? { partial: { shards: count, missing } } : {}),
    };
    writeOutput(f.out, `${JSON.stringify(merged, null, 2)}\n`);
  }
  return stats.counterexample === null ? 0 : 1;
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
        .choices(["dfs", "stateful", "random", "pct"])
        .default("dfs"),
    )
    .option(
      "--stateful",
      "walk the state graph with a visited set of state hashes (= --strategy stateful; no preemption bound unless --preemptions)",
    )
    .option("--runs <n>", "random, pct: how many runs", intIn(1, 1e9), EXPLORE_DEFAULTS.runs)
    .option(
      "--depth <d>",
      "pct: the bug depth (default 3); dfs: deviate only in the first D choice points",
      intIn(1, 1e9),
    )
    .option(
      "--preemptions <k>",
      `dfs, stateful: at most K preemptions per schedule (dfs default ${EXPLORE_DEFAULTS.preemptions}; stateful default none)`,
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
    .option("--no-reduce", "dfs: explore schedules equivalent by commuting local steps too")
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
