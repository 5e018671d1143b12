/**
 * examples/scale-out: the Kubernetes Indexed Job and its merge Job are valid YAML of the
 * shape Kubernetes runs (a batch/v1 Job, Indexed, as many completions as shards), the Slurm
 * array script is valid shell (bash -n) with as many array tasks as shards, and every
 * tasklab command they hold parses with tasklab's own argument parser, shard by shard.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";

const dir = "examples/scale-out";

type Yaml = string | number | boolean | Yaml[] | { [k: string]: Yaml };

/**
 * A strict parser of the YAML the examples use: block mappings and sequences by indentation
 * (spaces), a sequence item that opens a mapping, plain scalars, integers, double-quoted
 * strings and flow sequences of them (JSON), whole-line comments. Anything else throws.
 */
function parseYaml(text: string): Yaml {
  const lines = text
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"))
    .map((l) => {
      if (l.includes("\t")) throw new Error(`a tab: ${l}`);
      const indent = l.length - l.trimStart().length;
      return { indent, text: l.trim() };
    });
  let i = 0;
  const scalar = (s: string): Yaml => {
    if (s.startsWith('"') || s.startsWith("[")) return JSON.parse(s) as Yaml;
    if (/^-?\d+$/.test(s)) return Number(s);
    if (s === "true" || s === "false") return s === "true";
    if (/^[\w./:-][\w ./:-]*$/.test(s)) return s;
    throw new Error(`not a scalar the examples use: ${s}`);
  };
  const block = (indent: number): Yaml => {
    const first = lines[i];
    if (first === undefined || first.indent !== indent)
      throw new Error(`expected indentation ${indent} at ${first?.text}`);
    if (first.text.startsWith("- ")) {
      const seq: Yaml[] = [];
      while (lines[i]?.indent === indent && lines[i]?.text.startsWith("- ")) {
        const item = (lines[i] as { text: string }).text.slice(2);
        if (/^[\w-]+:( |$)/.test(item)) {
          lines[i] = { indent: indent + 2, text: item };
          seq.push(block(indent + 2));
        } else {
          seq.push(scalar(item));
          i++;
        }
      }
      return seq;
    }
    const map: { [k: string]: Yaml } = {};
    while (lines[i]?.indent === indent && !lines[i]?.text.startsWith("- ")) {
      const m = /^([\w-]+):(?: (.*))?$/.exec((lines[i] as { text: string }).text);
      if (m === null) throw new Error(`not a mapping entry: ${lines[i]?.text}`);
      const key = m[1] as string;
      if (key in map) throw new Error(`key ${key} twice`);
      i++;
      map[key] = m[2] === undefined ? block((lines[i] as { indent: number }).indent) : scalar(m[2]);
    }
    return map;
  };
  const doc = block(0);
  if (i !== lines.length) throw new Error(`left over: ${lines[i]?.text}`);
  return doc;
}

/** Splits a command line as sh would for these commands (spaces, double quotes; no other expansion). */
function words(line: string): string[] {
  return (line.match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/"/g, ""));
}

/** What `tasklab ARGV` parses to: the explore command's arguments and options (its action not run). */
async function parsed(argv: string[]): Promise<{ args: unknown[]; opts: Record<string, unknown> }> {
  const program = buildProgram();
  const cmd = program.commands.find((c) => c.name() === "explore");
  if (cmd === undefined) throw new Error("no explore command");
  let got: { args: unknown[]; opts: Record<string, unknown> } | null = null;
  cmd.action((ref: unknown, files: unknown, opts: Record<string, unknown>) => {
    got = { args: [ref, files], opts };
  });
  await program.parseAsync(argv, { from: "user" });
  if (got === null) throw new Error(`not an explore command: ${argv.join(" ")}`);
  return got;
}

/** The tasklab command of a shell line `npx tasklab ... || test $? -eq 1`, variables set. */
function tasklabArgs(line: string, vars: Record<string, string>): string[] {
  const cmd = (line.split(" || ")[0] as string).replace(/\$\{?(\w+)\}?/g, (all, v: string) => vars[v] ?? all);
  const w = words(cmd);
  expect(w.slice(0, 2)).toEqual(["npx", "tasklab"]);
  return w.slice(2);
}

type Job = { kind: string; apiVersion: string; spec: Record<string, Yaml> & { template: { spec: PodSpec } } };
type PodSpec = { restartPolicy: string; containers: { command: string[]; args: string[] }[] };

describe("examples/scale-out", () => {
  it("the Indexed Job: one pod a shard, each exploring its own shard into its own result file", async () => {
    const job = parseYaml(readFileSync(`${dir}/explore-job.yaml`, "utf8")) as unknown as Job;
    expect([job.apiVersion, job.kind, job.spec.completionMode]).toEqual(["batch/v1", "Job", "Indexed"]);
    const n = job.spec.completions as number;
    expect(job.spec.parallelism).toBe(n);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    const c = pod.containers[0] as { command: string[]; args: string[] };
    expect(c.command).toEqual(["sh", "-c"]);
    const outs = new Set<unknown>();
    for (let index = 0; index < n; index++) {
      const p = await parsed(tasklabArgs(c.args[0] as string, { JOB_COMPLETION_INDEX: String(index) }));
      expect(p.args[0]).toBe("kthread-creator-killed-any");
      expect(p.opts.shard).toEqual({ index, count: n });
      outs.add(p.opts.out);
    }
    expect(outs.size).toBe(n);
  });

  it("the merge Job: one pod, merging every shard's result file", async () => {
    const job = parseYaml(readFileSync(`${dir}/merge-job.yaml`, "utf8")) as unknown as Job;
    expect([job.apiVersion, job.kind, job.spec.completions]).toEqual(["batch/v1", "Job", 1]);
    const c = job.spec.template.spec.containers[0] as { args: string[] };
    const p = await parsed(tasklabArgs(c.args[0] as string, {}));
    expect(p.args).toEqual(["merge", ["/results/shard-*.json"]]);
    expect(p.opts.out).toBe("/results/merged.json");
  });

  it("the Slurm array: valid shell, one array task a shard, and its merge command", async () => {
    const file = `${dir}/explore.slurm.sh`;
    const check = spawnSync("bash", ["-n", file], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    const text = readFileSync(file, "utf8");
    const array = /^#SBATCH --array=0-(\d+)$/m.exec(text);
    const n = Number(array?.[1]) + 1;
    expect(text).toMatch(new RegExp(`^N=${n}$`, "m"));
    const line = text.split("\n").find((l) => l.startsWith("npx tasklab explore ")) as string;
    for (const index of [0, n - 1]) {
      const p = await parsed(tasklabArgs(line, { I: String(index), N: String(n) }));
      expect(p.opts.shard).toEqual({ index, count: n });
      expect(p.opts.out).toBe(`results/shard-${index}.json`);
    }
    const wrap = /--wrap "([^"]+)"/.exec(text)?.[1] as string;
    const merge = await parsed(tasklabArgs(wrap, {}));
    expect(merge.args).toEqual(["merge", ["results/shard-*.json"]]);
  });

  it("the parser used here refuses what it does not know (a check that can fail)", () => {
    expect(() => parseYaml("a: 1\na: 2\n")).toThrow("key a twice");
    expect(() => parseYaml("a:\n\t- b\n")).toThrow("a tab");
    expect(() => parseYaml("a: {b: 1}\n")).toThrow("not a scalar");
  });
});
