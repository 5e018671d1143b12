/**
 * Command lines for the fuzz test: every command, with option values that are mostly
 * valid and now and then not (out of range, negative, NaN, huge, empty, garbage specs),
 * unknown flags and stray tokens. Valid ones are kept cheap (small runs, bounded
 * explorations), as a command that passes its checks runs a whole machine.
 */
import fc from "fast-check";
import { ERA_NAMES } from "../../src/linux/eras/profiles.js";
import { ALL_EVENTS } from "../../src/linux/include/trace/events/records.js";
import { MUTANTS } from "../../src/linux/kernel/mutants.js";
import { PROC_FILES } from "../../src/views/proc.js";
import { PS_COLUMNS } from "../../src/views/ps.js";

/** Where a command may write (-o, --out, --replay-file) and what it may read. */
export interface Paths {
  /** An empty directory (emptied again for each case) where output files go. */
  out: string;
  /** Output paths that cannot be written: a directory, a path in a missing directory, /dev/full, "". */
  badOutputs: readonly string[];
  /** Input paths that are not what is asked for: a directory, a missing file, an empty file, a binary file. */
  badInputs: readonly string[];
  /** Scenario files that load and run (small generated programs, test/fixtures). */
  scenarios: readonly string[];
  /** Paths that are not scenario files: missing .ts, a directory, a non-module. */
  badScenarios: readonly string[];
  /** Replay files and shard results, valid and broken. */
  replays: readonly string[];
  results: readonly string[];
}

/** Built-in scenarios that run in well under a second. */
export const CHEAP_SCENARIOS = [
  "boot",
  "kthread-run",
  "kthread-stop-unwoken",
  "kthread-creator-killed-3a",
  "kthread-creator-killed-any",
  "kthread-park",
  "kthread-worker",
  "kthread-long-name",
  "kthread-enomem",
  "fork",
  "vfork",
  "pthread-create",
  "posix-spawn",
  "clone3",
  "pid-namespace",
  "orphans",
];

/** Mostly `valid`, sometimes one of `invalid` or any short string. */
function value(valid: fc.Arbitrary<string>, invalid: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: valid },
    { weight: 2, arbitrary: fc.constantFrom(...invalid) },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  );
}

const BAD_NUMBERS = ["", "-1", "NaN", "1e400", "Infinity", "0x10", "2.5", " 3", "1e9", "99999999999999999999", "abc"];
const int = (min: number, max: number) =>
  value(fc.integer({ min, max }).map(String), [...BAD_NUMBERS, String(min - 1), String(max + 1)]);
const time = value(
  fc.oneof(
    fc.constantFrom("0", "1ms", "2.5ms", "10ms", "30ms", "100us", "5000"),
    fc.integer({ min: 0, max: 80 }).map((n) => `${n}ms`),
  ),
  ["", "soon", "-1ms", "1e400s", "NaN", "1..5ms", "10 ms", "9".repeat(40), "∞", "10m"],
);
const task = fc.constantFrom("creator", "kthreadd", "init", "1", "2", "my_kthread/0", "nobody", "", "kworker/0:0");
const func = fc.constantFrom("create_kthread", "kthread", "kernel_clone", "schedule", "no_such_fn", "", "kthreadd");
const faultSpec = value(
  fc
    .tuple(
      fc.constantFrom("slab", "kmalloc:kthread_create_info", "cache:task_struct", "alloc_pid", "kmalloc:nope"),
      fc.subarray(
        [
          "nth=2",
          "times=-1",
          "probability=50",
          "interval=2",
          "after=1ms",
          "caller=create_kthread",
          "task=creator",
          "boot",
          "any",
        ],
        { maxLength: 3 },
      ),
    )
    .map(([head, opts]) => [head, ...opts].join(",")),
  ["", "kmalloc", "cache:", "nope", "slab,nth=x", "slab,after=soon", "slab,probability=1e400", "slab,=", ",,,"],
);
const signalSpec = value(
  fc
    .tuple(fc.constantFrom("", "KILL:", "TERM:", "SIGUSR1:", "9:"), task, fc.oneof(time, func, fc.constant("any")))
    .map(([sig, t, when]) => `${sig}${t}@${when}`),
  [
    "",
    "@",
    "KILL:init",
    "BOGUS:creator@1ms",
    "0:creator@1ms",
    "65:creator@1ms",
    "creator@",
    "creator@kthreadd:",
    "creator@f+x",
  ],
);
const hotplugSpec = value(
  fc.tuple(fc.constantFrom("down", "up"), fc.integer({ min: 0, max: 3 }), time).map(([o, c, t]) => `${o}:${c}@${t}`),
  ["", "down", "down:1", "sideways:1@1ms", "down:-1@1ms", "down:99999999999999999999@1ms", "up:0@soon"],
);

type Option = fc.Arbitrary<string[]>;
const flag = (name: string): Option => fc.constant([name]);
const opt = (name: string, v: fc.Arbitrary<string>): Option => v.map((x) => [name, x]);
/** Any of `options`, each at most once, shuffled. */
const some = (options: Option[], maxLength = 4): fc.Arbitrary<string[]> =>
  fc.shuffledSubarray(options, { maxLength }).chain((os) => fc.tuple(...os).map((vs) => vs.flat()));

const eras = value(fc.constantFrom(...ERA_NAMES), ["", "7.0", "6.19.1", "linux", "2.6"]);

function machineOptions(p: Paths): Option[] {
  return [
    opt("--cpus", int(1, 8)),
    opt("--cpus", fc.constantFrom("5000", "1025", "0", "-2")),
    opt("--seed", int(0, 2 ** 32 - 1)),
    opt("--hz", int(24, 1000)),
    opt("--pid-max", int(301, 40000)),
    opt("--threads-max", int(20, 1000)),
    opt("--kernel", eras),
    opt("--preempt", value(fc.constantFrom("none", "full"), ["", "voluntary"])),
    flag("--trace-boot"),
    opt("--buffer-size", int(1, 5000)),
    opt("--watchdog", int(1, 30)),
    opt("--fail", faultSpec),
    opt("--signal", signalSpec),
    opt("--kill", signalSpec),
    opt("--hotplug", hotplugSpec),
    opt("-o", outputPath(p, "output")),
  ];
}

/** An output option's file: mostly a new file named `name` in p.out. */
const outputPath = (p: Paths, name: string) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(`${p.out}/${name}`) }, fc.constantFrom(...p.badOutputs));

const scenarioRef = (p: Paths) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...CHEAP_SCENARIOS) },
    { weight: 2, arbitrary: fc.constantFrom(...p.scenarios) },
    fc.constantFrom("no-such", "", "BOOT", "kthread-run ", "merge", ...p.badScenarios),
  );

/** Junk that may be appended to any command line. */
const junk = fc.constantFrom("--bogus", "-z", "--", "extra", "--cpus", "--help", "-h", "--version", "--no-such=1");

function command(p: Paths): fc.Arbitrary<string[]> {
  const ref = scenarioRef(p);
  const machine = machineOptions(p);
  const run = fc
    .tuple(
      ref,
      some([
        ...machine,
        opt("--until", time),
        opt("--tracer", value(fc.constantFrom("nop", "function", "function_graph"), ["", "graph", "blk"])),
        opt(
          "--events",
          value(fc.constantFrom("all", "none", "sched:*", "task:task_newtask", ...ALL_EVENTS), [
            "",
            "nope",
            "sched:nope",
            ",",
            "*:*,",
          ]),
        ),
        opt("--pid", int(0, 40)),
        opt("--comm", fc.constantFrom("kthreadd", "init", "", "x".repeat(64))),
        opt("--max-depth", int(1, 8)),
        opt("--set-graph-function", func),
        flag("--funcgraph-proc"),
        flag("--funcgraph-retval"),
        flag("--funcgraph-tail"),
        opt("--format", value(fc.constantFrom("text", "jsonl", "perfetto"), ["", "json", "csv"])),
        flag("--no-lockdep"),
        opt("--hung-task-timeout", int(0, 200)),
        flag("--no-deadlock-check"),
        flag("--no-invariants"),
      ]),
    )
    .map(([r, o]) => ["run", r, ...o]);
  const at = opt("--at", time);
  const ps = fc
    .tuple(
      ref,
      some([
        ...machine,
        at,
        flag("-f"),
        flag("-L"),
        flag("--json"),
        opt(
          "--eo",
          value(
            fc.subarray(Object.keys(PS_COLUMNS), { minLength: 1, maxLength: 4 }).map((c) => c.join(",")),
            ["", ",", "pid,nope", "PID"],
          ),
        ),
      ]),
    )
    .map(([r, o]) => ["ps", r, ...o]);
  const pstree = fc
    .tuple(ref, fc.option(int(1, 40), { nil: undefined }), some([...machine, at, flag("-n")]))
    .map(([r, pid, o]) => ["pstree", r, ...(pid === undefined ? [] : [pid]), ...o]);
  const top = fc.tuple(ref, some([...machine, at])).map(([r, o]) => ["top", r, ...o]);
  const proc = fc
    .tuple(
      ref,
      int(0, 40),
      fc.option(value(fc.constantFrom(...Object.keys(PROC_FILES)), ["", "maps", "environ"]), { nil: undefined }),
      some([...machine, at]),
    )
    .map(([r, pid, file, o]) => ["proc", r, pid, ...(file === undefined ? [] : [file]), ...o]);
  // Always --ex (a debug session without commands would read this process's stdin) and never -i;
  // --watchdog 1 first, as a session whose worker failed waits for the watchdog.
  const gdb = fc.constantFrom(
    "run",
    "break kthread",
    "b create_kthread",
    "c",
    "s",
    "n",
    "finish",
    "bt",
    "info tasks",
    "p $pid",
    "watch $state",
    "list",
    "help",
    "delete 1",
    "q",
    "",
    "frob",
    "break",
    "print (((",
    "task 99999",
  );
  const debug = fc
    .tuple(
      ref,
      fc.array(gdb, { minLength: 1, maxLength: 5 }),
      fc.option(fc.constantFrom(...p.badInputs), { nil: undefined }),
      some([...machine, opt("--until", time)], 3),
    )
    .map(([r, cmds, x, o]) => [
      "debug",
      r,
      "--watchdog",
      "1",
      ...cmds.flatMap((c) => ["--ex", c]),
      ...(x === undefined ? [] : ["-x", x]),
      ...o,
    ]);
  const exploreOptions = [
    opt("--seed", int(0, 100)),
    opt("--cpus", int(1, 4)),
    opt("--mutant", value(fc.constantFrom(...Object.keys(MUTANTS)), ["", "nope"])),
    opt("--kernel", eras),
    opt("--workers", fc.constantFrom("1", "0", "-1", "257", "x")),
    opt(
      "--shard",
      value(
        fc
          .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 }))
          .filter(([i, n]) => i < n)
          .map(([i, n]) => `${i}/${n}`),
        ["", "1/1", "0/0", "-1/2", "1", "0/1e9", "a/b"],
      ),
    ),
    flag("--no-reduce"),
    opt("--out", outputPath(p, "result.json")),
    opt("--replay-file", outputPath(p, "replay.json")),
    flag("--progress"),
    flag("--no-progress"),
  ];
  // An exploration is bounded: no preemptions and the first few choice points, or a few sampled runs.
  const bound = fc.oneof(
    fc
      .tuple(
        fc.constantFrom("0", "1", "65", "-1"),
        value(fc.integer({ min: 1, max: 5 }).map(String), ["0", "1e10", ""]),
      )
      .map(([k, d]) => ["--preemptions", k, "--depth", d]),
    fc
      .tuple(
        fc.constantFrom("random", "pct", "bfs", ""),
        value(fc.integer({ min: 1, max: 5 }).map(String), ["0", "-1", "1e10", ""]),
        fc.option(int(1, 4), { nil: undefined }),
      )
      .map(([s, runs, d]) => ["--strategy", s, "--runs", runs, ...(d === undefined ? [] : ["--depth", d])]),
  );
  const explore = fc
    .tuple(
      fc.oneof(fc.constantFrom("kthread-creator-killed-any", "kthread-run", "boot"), ref),
      bound,
      some(exploreOptions, 3),
    )
    .map(([r, b, o]) => ["explore", r, ...b, ...o]);
  const merge = fc
    .tuple(
      fc.array(fc.constantFrom(...p.results), { maxLength: 4 }),
      fc.option(opt("--out", outputPath(p, "merged.json")), { nil: undefined }),
    )
    .map(([files, out]) => ["explore", "merge", ...files, ...(out ?? [])]);
  const replay = fc.constantFrom(...p.replays).map((f) => ["replay", f]);
  const diff = fc
    .tuple(
      fc.constantFrom("fork", "kthread-stop-unwoken", "no-such", ...p.badScenarios),
      fc.array(eras, { maxLength: 3 }),
      some([
        opt("--cpus", int(1, 4)),
        opt("--seed", int(0, 9)),
        flag("--json"),
        flag("--trace-boot"),
        opt("-o", outputPath(p, "output")),
      ]),
    )
    .map(([r, ks, o]) => ["diff", r, ...ks.flatMap((k) => ["--kernel", k]), ...o]);
  const simple = fc.constantFrom<string[]>(
    [],
    ["scenarios"],
    ["eras"],
    ["eras", "--json"],
    ["mutants"],
    ["--help"],
    ["--version"],
    ["-V"],
    ["help", "run"],
    ["serve", "--help"],
    ["serve", "--port", "-1"],
    ["serve", "--port", "65536"],
    ["serve", "--port", "x"],
    ["serve", "--bogus"],
    ["frobnicate"],
    ["run"],
    ["proc", "boot"],
    ["explore"],
    ["replay"],
  );
  return fc.oneof(run, ps, pstree, top, proc, debug, explore, merge, replay, diff, simple);
}

/** A command line: a command, its arguments, and now and then a stray token. */
export function argv(p: Paths): fc.Arbitrary<string[]> {
  return fc
    .tuple(command(p), fc.option(fc.tuple(junk, fc.nat()), { freq: 6, nil: undefined }))
    .map(([a, j]) =>
      j === undefined ? a : [...a.slice(0, j[1] % (a.length + 1)), j[0], ...a.slice(j[1] % (a.length + 1))],
    );
}
