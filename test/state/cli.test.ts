/**
 * `tasklab run SCENARIO --save-state-at TIME FILE` and `--from-state FILE` on run, ps,
 * pstree and proc: the continued run prints byte for byte what the uninterrupted one does
 * (trace, reports, exit status); bad files and arguments are one-line errors, exit 2.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import { main } from "../../src/cli/main.js";
import { clearOutput, err, out } from "../stdio.js";

const dir = mkdtempSync(join(tmpdir(), "tasklab-state-cli-"));

/** Runs the command; its exit status, stdout and stderr. */
async function cli(...argv: string[]) {
  clearOutput();
  const code = await main(argv);
  return { code, out, err };
}

describe.skipIf(runtimeName() === "generators")("tasklab --save-state-at / --from-state", () => {
  it("run: saving on the way changes nothing, and the run from the state is the uninterrupted run", async () => {
    const file = join(dir, "kthread-run.state");
    const whole = await cli("run", "kthread-run", "--seed", "3");
    expect(whole.code).toBe(0);
    const saving = await cli("run", "kthread-run", "--seed", "3", "--save-state-at", "3ms", file);
    expect(saving).toEqual(whole);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(readFileSync(file, "utf8")).toMatch(/^\{"format":"tasklab-state","version":1,/);
    expect(await cli("run", "--from-state", file)).toEqual(whole);
  });

  it("run: a scenario that reports problems exits 1 from its state too, with the same reports", async () => {
    const file = join(dir, "deadlock.state");
    const whole = await cli("run", "kthread-stop-unwoken");
    expect(await cli("run", "kthread-stop-unwoken", "--save-state-at", "1ms", file)).toEqual(whole);
    expect(await cli("run", "--from-state", file)).toEqual(whole);
  });

  it("ps, pstree and proc from a state show what they show at the scenario's end", async () => {
    const file = join(dir, "fork.state");
    expect((await cli("run", "fork", "--save-state-at", "2ms", file)).code).toBe(0);
    for (const [a, b] of [
      [
        ["ps", "fork"],
        ["ps", "--from-state", file],
      ],
      [
        ["ps", "fork", "-L"],
        ["ps", "-L", "--from-state", file],
      ],
      [
        ["pstree", "fork"],
        ["pstree", "--from-state", file],
      ],
      [
        ["proc", "fork", "2", "status"],
        ["proc", "--from-state", file, "2", "status"],
      ],
    ]) {
      const want = await cli(...(a as string[]));
      expect(want.code).toBe(0);
      expect(await cli(...(b as string[]))).toEqual(want);
    }
  });

  it("debug --from-state: each run starts at the saved moment and stops where the scenario's run does", async () => {
    const file = join(dir, "debug.state");
    expect((await cli("run", "kthread-run", "--save-state-at", "3ms", file)).code).toBe(0);
    const commands = ["--ex", "break kthread_stop", "--ex", "run", "--ex", "info breakpoints"];
    const whole = await cli("debug", "kthread-run", ...commands);
    const fromState = await cli("debug", "--from-state", file, ...commands);
    expect(fromState.code).toBe(0);
    expect(fromState.out).toBe(whole.out);
    expect(fromState.out).toMatch(
      /^Task 1 "init" hit Breakpoint 1, kthread_stop \(k=0x[0-9a-f]+\) at kernel\/kthread_control\.ts:\d+ \[0\.056003 s, CPU 1\]$/m,
    );
  });

  it("refuses bad files and arguments in one line, exit 2", async () => {
    const good = join(dir, "good.state");
    expect((await cli("run", "kthread-run", "--save-state-at", "1ms", good)).code).toBe(0);
    const text = readFileSync(good, "utf8");
    const truncated = join(dir, "truncated.state");
    writeFileSync(truncated, text.slice(0, text.length / 2));
    const v9 = join(dir, "v9.state");
    writeFileSync(v9, text.replace('"version":1,', '"version":9,'));
    const cases: [string[], RegExp][] = [
      [
        ["run", "--from-state", truncated],
        /^tasklab: --from-state .*truncated\.state: not a loadable tasklab state: the file is truncated or damaged/,
      ],
      [["run", "--from-state", v9], /state format version 9; this tasklab reads version 1$/],
      [
        ["ps", "--from-state", join(dir, "missing.state")],
        /^tasklab: --from-state: cannot read .*missing\.state: ENOENT$/,
      ],
      [["run", "kthread-run", "--from-state", good], /give no scenario \(got 'kthread-run'\)$/],
      [["run"], /missing argument 'scenario' \(or --from-state FILE\)$/],
      [["run", "kthread-run", "--save-state-at", "1ms"], /--save-state-at expects TIME FILE, got 1 value/],
      [["run", "kthread-run", "--save-state-at", "soon", good], /--save-state-at: expected a time such as 10ms/],
      [
        ["run", "kthread-run", "--until", "2ms", "--save-state-at", "3ms", good],
        /--save-state-at 3ms: the run stops first/,
      ],
      [
        ["ps", "--at", "1ms", "--from-state", good],
        /the state is at \d+ ns of virtual time, after the 1000000 ns asked for/,
      ],
      [["run", "kthread-run", "--save-state-at", "1ms", join(dir, "no", "such", "dir.state")], /^tasklab: /],
      [
        ["run", "kthread-run", "--tracer", "function", "--save-state-at", "1ms", join(dir, "f.state")],
        /--save-state-at: cannot save this machine's state: the function tracer, engine\.onEnter are set/,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err.trimEnd(), argv.join(" ")).toMatch(message);
      expect(r.err.trimEnd().split("\n"), argv.join(" ")).toHaveLength(1);
    }
    expect(readdirSync(dir)).not.toContain("f.state");
  });
});
