/**
 * The explorer's result files: what `explore --out` writes (one shard's result, or a merge)
 * and `explore merge` reads, checks field by field and adds up.
 */

import { dirname, relative, resolve, sep } from "node:path";
import { InvalidArgumentError } from "commander";
import type { ExploreOptions } from "../explore/explore.js";
import { type FileTarget, MAX_COUNT, picksCheck, targetCheck, violationCheck } from "../explore/replay.js";
import { MAX_STATES } from "../explore/stateful.js";
import { emptyStats, mergeStats, type StatsJson, statsFromJson, statsToJson } from "../explore/stats.js";
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
import { proofLine, summary } from "./explore-report.js";
import { checkOutput, readChecked, writeOutput } from "./files.js";
import { UsageError } from "./options.js";

/** At most this many shards (`--shard I/N`). */
export const MAX_SHARDS = 10_000;
/** The largest replay file, shard result and scenario file read. */
export const MAX_FILE_BYTES = 64 << 20;

/** The result file `--out` writes and `explore merge` reads. */
export interface ResultFile {
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
export const RESULT_VERSION = 2;

const resultCheck = record({
  target: targetCheck,
  options: record({
    strategy: oneOf(["dfs", "dpor", "stateful", "random", "pct"] as const),
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

export function shardArg(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || count > MAX_SHARDS || index >= count)
    throw new InvalidArgumentError(`expected I/N with 0 ≤ I < N ≤ ${MAX_SHARDS}, got '${v}'`);
  return { index, count };
}

/** A scenario file at absolute `path`, as a file written at `writtenTo` names it: relative to its directory, "/" between parts. */
export function relativeFrom(writtenTo: string, path: string): string {
  return relative(dirname(resolve(writtenTo)), path)
    .split(sep)
    .join("/");
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

export function mergeCommand(files: string[], f: { out?: string; partial?: boolean }): number {
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
