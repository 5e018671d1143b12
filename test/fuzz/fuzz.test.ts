/**
 * Fuzzing as a test (issue 17): generated command lines, replay and shard-result files,
 * and scenario programs, fed to the CLI. Whatever the input: no host exception escapes
 * (nothing thrown out of main, no stack trace on stderr), no hang past the watchdog, the
 * exit status is 0, 1 or 2 (2 with a message), and every output file is either complete
 * or absent.
 *
 * `npm test` runs a bounded number of cases with a fixed seed. `npm run fuzz` runs the same
 * properties for longer: FUZZ_RUNS cases each (default 2000), seed FUZZ_SEED (default:
 * random), both printed, so a failure is reproduced with `FUZZ_SEED=… FUZZ_RUNS=… npm run fuzz`.
 *
 * Most cases run in this process through `main(argv)`, with the CLI's worker run in-thread
 * (in-thread-worker.ts); a few run `node bin/tasklab-src.js` in a child process, which is where
 * the watchdog and scenario code that ends its own thread are tested.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { clearOutput, err, out } from "../stdio.js";
import { argv, type Paths } from "./argv.js";
import { mutated } from "./files.js";
import { takeEscaped } from "./in-thread-worker.js";
import { hostile, program } from "./programs.js";

vi.mock("node:worker_threads", async (importOriginal) => {
  const { workerThreads } = await import("./in-thread-worker.js");
  return workerThreads(await importOriginal<object>());
});

const FUZZ = process.env.FUZZ_RUNS !== undefined;
const SEED = FUZZ ? Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31)) : 17;
/** Cases per property: `npm test`'s bounded count, or FUZZ_RUNS. */
const runs = (bounded: number) => (FUZZ ? Number(process.env.FUZZ_RUNS) : bounded);
const TIMEOUT = FUZZ ? 0 : 240_000;
if (FUZZ) console.log(`fuzz: seed ${SEED}, ${process.env.FUZZ_RUNS} cases per property`);

const ROOT = join(import.meta.dirname, "..", "..");
const LIB = join(ROOT, "src", "index.ts");
const dir = mkdtempSync(join(tmpdir(), "tasklab-fuzz-"));
const programs = join(dir, "programs");
const inputs = join(dir, "inputs");
const paths: Paths = {
  out: join(dir, "out"),
  badOutputs: [join(dir, "inputs"), join(dir, "missing", "file"), "/dev/full", ""],
  badInputs: [join(dir, "inputs"), join(dir, "missing.txt"), join(inputs, "empty"), join(inputs, "binary")],
  scenarios: [
    join(ROOT, "test/fixtures/oops.ts"),
    join(ROOT, "test/fixtures/blocked.ts"),
    join(ROOT, "examples/two-workers.ts"),
    join(ROOT, "examples/fork-and-threads.ts"),
  ],
  badScenarios: [
    join(dir, "missing.ts"),
    join(dir, "inputs"),
    join(inputs, "empty.ts"),
    join(inputs, "syntax.ts"),
    join(inputs, "no-default.js"),
    "/etc/passwd",
  ],
  replays: [],
  results: [],
};
/** Valid files written by the explorer, which the file property mutates. */
const valid: { replay?: unknown; result?: unknown } = {};
let cwd = "";

/** What one command did. */
interface Outcome {
  code: number | null;
  /** What main threw (a host exception that escaped). */
  threw?: unknown;
  stdout: string;
  stderr: string;
}

/** A case's input: the command line, and the text of the file it reads, if generated. */
interface Case {
  argv: string[];
  file?: string;
}

const STACK = /^\s+at (?:.+ \()?(?:file:|node:|\/|<anonymous>).*:\d+:\d+\)?$/m;

/** Empties the output directory (the current one), runs `argv` through main and captures what it did. */
async function run(a: string[]): Promise<Outcome> {
  emptyOut();
  clearOutput();
  process.exitCode = undefined;
  try {
    const code = await main(a);
    const [escaped] = takeEscaped();
    return escaped === undefined
      ? { code, stdout: out, stderr: err }
      : { code: null, threw: escaped, stdout: out, stderr: err };
  } catch (e) {
    takeEscaped();
    return { code: null, threw: e, stdout: out, stderr: err };
  } finally {
    process.exitCode = undefined;
  }
}

/** What is wrong with an outcome (null: nothing). */
function failure(o: Outcome): string | null {
  if (o.threw !== undefined)
    return `main threw: ${o.threw instanceof Error ? (o.threw.stack ?? o.threw.message) : String(o.threw)}`;
  if (o.code !== 0 && o.code !== 1 && o.code !== 2) return `exit status ${o.code}`;
  if (STACK.test(o.stderr)) return `a stack trace on stderr:\n${o.stderr}`;
  if (o.code === 2 && o.stderr.trim() === "") return "exit status 2 without a message";
  return null;
}

/** The value of option `name` in `a` (the last one), if given. */
function option(a: string[], names: string[]): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < a.length - 1; i++) if (names.includes(a[i] as string)) v = a[i + 1];
  return v;
}

/**
 * Every file in the output directory is complete: -o's is what the same command prints
 * to stdout; --out's, --replay-file's and a replay file written by default parse as what
 * they say they are.
 */
async function outputFailure(a: string[]): Promise<string | null> {
  const o = option(a, ["-o", "--output"]);
  const written = readdirSync(paths.out).map((f) => [f, readFileSync(join(paths.out, f), "utf8")] as const);
  for (const [f, text] of written) {
    const file = join(paths.out, f);
    if (file === o) {
      const at = a.lastIndexOf(o);
      const again = await run([...a.slice(0, at - 1), ...a.slice(at + 1)]);
      if (again.stdout !== text)
        return `-o ${o} is not what the command prints (${text.length} of ${again.stdout.length} characters)`;
      continue;
    }
    try {
      const kind = (JSON.parse(text) as { tasklab?: string }).tasklab;
      if (kind !== "replay" && kind !== "explore-result") return `${f} is JSON of no known kind`;
    } catch {
      return `${f} is not complete JSON (${text.length} characters)`;
    }
  }
  return null;
}

/** Runs a case and fails unless it passed or failed in a known way. */
async function check(c: Case): Promise<void> {
  const o = await run(c.argv);
  const bad = failure(o) ?? (o.code === 0 || o.code === 1 ? await outputFailure(c.argv) : null);
  if (bad === null) return;
  throw new Error(
    `tasklab ${c.argv.map((x) => JSON.stringify(x)).join(" ")}${c.file === undefined ? "" : `\nwith the file:\n${c.file.slice(0, 2000)}`}\n${bad}`,
  );
}

/** Removes what the last case wrote. */
function emptyOut(): void {
  for (const f of readdirSync(paths.out)) rmSync(join(paths.out, f), { recursive: true, force: true });
}

/** The file of a generated program, written under a name of its own. */
let written = 0;
function writeProgram(source: (lib: string, name: string) => string): { path: string; text: string } {
  const name = `fuzz-${++written}`;
  const path = join(programs, `${name}.ts`);
  const text = source(LIB, name);
  writeFileSync(path, text);
  return { path, text };
}

beforeAll(async () => {
  for (const d of [programs, inputs, paths.out]) mkdirSync(d, { recursive: true });
  writeFileSync(join(inputs, "empty"), "");
  writeFileSync(join(inputs, "binary"), Buffer.from([0, 1, 2, 255, 254]));
  writeFileSync(join(inputs, "empty.ts"), "");
  writeFileSync(join(inputs, "syntax.ts"), "export default {{{");
  writeFileSync(join(inputs, "no-default.js"), "export const x = 1;\n");
  cwd = process.cwd();
  // The explorer writes a replay file into the current directory unless told where: there, it is checked too.
  process.chdir(paths.out);
  const write = async (name: string, a: string[]) => {
    const file = join(inputs, name);
    const quiet = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    await main([...a, name.endsWith("replay.json") ? "--replay-file" : "--out", file, "--no-progress"]);
    quiet.mockRestore();
    return file;
  };
  const replay = await write("wbq.replay.json", [
    "explore",
    "kthread-creator-killed-any",
    "--mutant",
    "wake-before-queue",
  ]);
  const shards = [
    await write("s0.json", ["explore", "kthread-creator-killed-any", "--preemptions", "0", "--shard", "0/2"]),
    await write("s1.json", ["explore", "kthread-creator-killed-any", "--preemptions", "0", "--shard", "1/2"]),
  ];
  const sampled = await write("random.json", ["explore", "kthread-run", "--strategy", "random", "--runs", "3"]);
  valid.replay = JSON.parse(readFileSync(replay, "utf8"));
  valid.result = JSON.parse(readFileSync(shards[0] as string, "utf8"));
  paths.replays = [
    replay,
    join(inputs, "empty"),
    join(inputs, "binary"),
    join(dir, "missing.json"),
    shards[0] as string,
    inputs,
  ];
  paths.results = [...shards, sampled, replay, join(inputs, "empty"), join(dir, "missing.json")];
}, 120_000);

afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe("fuzzing the CLI", () => {
  it("survives generated command lines", { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(argv(paths), (a) => check({ argv: a })),
      { seed: SEED, numRuns: runs(1500) },
    );
  });

  it("survives mutated replay files and shard results", { timeout: TIMEOUT }, async () => {
    const replayCase = mutated(valid.replay as never).map((text) => ({
      argv: ["replay", join(dir, "mutated.json")],
      file: text,
    }));
    const mergeCase = fc
      .tuple(mutated(valid.result as never), fc.subarray(paths.results.slice(0, 3)), fc.boolean())
      .map(([text, others, o]) => ({
        argv: [
          "explore",
          "merge",
          join(dir, "mutated.json"),
          ...others,
          ...(o ? ["--out", join(paths.out, "merged.json")] : []),
        ],
        file: text,
      }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(replayCase, mergeCase), async (c: Case) => {
        writeFileSync(join(dir, "mutated.json"), c.file as string);
        await check(c);
      }),
      { seed: SEED, numRuns: runs(1000) },
    );
  });

  it("survives generated scenario programs", { timeout: TIMEOUT }, async () => {
    const how = fc.constantFrom(
      ["run"],
      ["run", "--until", "200ms"],
      ["ps", "--json"],
      ["pstree"],
      ["explore", "--strategy", "random", "--runs", "2"],
      ["debug", "--watchdog", "1", "--ex", "run", "--ex", "bt"],
    );
    await fc.assert(
      fc.asyncProperty(program, how, async (source, [cmd, ...opts]) => {
        const { path, text } = writeProgram(source);
        await check({ argv: [cmd as string, path, ...opts], file: text });
      }),
      { seed: SEED, numRuns: runs(100) },
    );
  });
});

describe("fuzzing the installed command (child processes)", () => {
  it("never hangs past the watchdog, whatever the scenario code does", { timeout: TIMEOUT }, () => {
    const cases = fc.oneof(
      hostile.map((source) => ({ source, cmd: ["run"] })),
      hostile.map((source) => ({ source, cmd: ["ps", "--json", "-o", join(paths.out, "ps.json")] })),
      hostile.map((source) => ({ source, cmd: ["explore", "--strategy", "random", "--runs", "2"] })),
      argv(paths).map((a) => ({ source: null, cmd: a })),
    );
    fc.assert(
      fc.property(cases, ({ source, cmd }) => {
        emptyOut();
        let a = cmd;
        let file: string | undefined;
        if (source !== null) {
          const p = writeProgram(source);
          file = p.text;
          a = [cmd[0] as string, p.path, "--watchdog", "2", ...cmd.slice(1)];
        }
        const r = spawnSync("node", [join(ROOT, "bin/tasklab-src.js"), ...a], {
          encoding: "utf8",
          timeout: 120_000,
          stdio: ["ignore", "pipe", "pipe"],
        });
        const o: Outcome = { code: r.status, stdout: r.stdout, stderr: r.stderr };
        const bad =
          r.error !== undefined
            ? `did not end: ${r.error.message}`
            : r.signal !== null
              ? `killed by ${r.signal}`
              : failure(o);
        if (bad === null) return;
        throw new Error(
          `node bin/tasklab-src.js ${a.map((x) => JSON.stringify(x)).join(" ")}${file === undefined ? "" : `\nwith the file:\n${file}`}\n${bad}`,
        );
      }),
      { seed: SEED, numRuns: FUZZ ? Math.max(1, Math.round(runs(0) / 50)) : 4 },
    );
  });
});
