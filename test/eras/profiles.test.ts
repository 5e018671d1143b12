/**
 * The release profiles (src/linux/eras/profiles.ts) and how a release is chosen: the spec's
 * kthread eras E1–E6 at their boundaries, the bracketed changes at the releases read,
 * `tasklab eras`, `--kernel`, and scenarios refused on releases they do not apply to.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { DEFAULT_ERA, ERA_NAMES, ERAS, era, since, versionCode } from "../../src/linux/eras/profiles.js";
import { problems, runScenario } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import { checkEra, EraMismatchError, type Scenario } from "../../src/scenarios/scenario.js";
import { clearOutput, err, out } from "../stdio.js";

describe("release profiles", () => {
  it("put each release in the spec's kthread era (E1 2.6.24, E2 to 3.12, E3 to 4.8, E4 to 5.16, E5 to 6.3, E6)", () => {
    const e = Object.fromEntries(ERA_NAMES.map((n) => [n, era(n).kthread]));
    expect(e).toEqual({
      "2.6.24": 1,
      "2.6.32": 2,
      "3.10": 2,
      "3.13": 3,
      "4.4": 3,
      "4.9": 4,
      "4.14": 4,
      "4.19": 4,
      "5.4": 4,
      "5.10": 4,
      "5.17": 5,
      "6.1": 5,
      "6.4": 6,
      "6.8": 6,
      "6.19": 6,
    });
  });

  it("are in version order, the default being the newest", () => {
    const codes = ERA_NAMES.map((n) => era(n).code);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
    expect(versionCode("2.6.24")).toBe(20624);
    expect(DEFAULT_ERA).toBe(ERA_NAMES.at(-1));
    expect(since(era("4.19"), "4.19")).toBe(true);
    expect(since(era("4.14"), "4.19")).toBe(false);
  });

  it("pin the boundaries read in the trees: vfork wait (6.4 | 6.8), kthread_work events (5.10 | 5.17), watchdog/N (4.14 | 4.19), cpuhp/N (4.4 | 4.9), rescuer names (6.4 | 6.8)", () => {
    expect([era("6.4").vfork_wait, era("6.8").vfork_wait]).toEqual(["D|KILLABLE|FREEZABLE", "KILLABLE|FREEZABLE"]);
    expect([era("5.10").trace_kthread_work, era("5.17").trace_kthread_work]).toEqual([false, true]);
    expect([era("4.14").watchdog_threads, era("4.19").watchdog_threads]).toEqual([true, false]);
    expect([era("4.4").cpuhp_threads, era("4.9").cpuhp_threads]).toEqual([false, true]);
    expect([era("6.4").rescuer_prefix, era("6.8").rescuer_prefix]).toEqual(["", "kworker/R-"]);
  });

  it("give each release a kthread API that only grows", () => {
    let prev = new Set<string>();
    for (const e of ERAS.values()) {
      for (const f of prev) expect(e.kthread_api.has(f), `${f} in ${e.name}`).toBe(true);
      prev = new Set(e.kthread_api);
    }
    expect(era("6.4").kthread_api.has("kthread_stop_put")).toBe(false);
    expect(era("6.8").kthread_api.has("kthread_stop_put")).toBe(true);
  });

  it("refuse an unknown release, naming the known ones", () => {
    expect(() => era("5.5")).toThrow("unknown kernel '5.5': one of 2.6.24, 2.6.32, 3.10");
  });
});

describe("choosing a release", () => {
  const needsClone3: Scenario = { name: "c3", description: "", eras: { since: "5.4", why: "clone3 (5.3+)" } };
  const oldOnly: Scenario = { name: "old", description: "", eras: { until: "3.10", why: "an on-stack request" } };

  it("a scenario runs where it applies, and is refused elsewhere with why and where it applies", () => {
    expect(() => checkEra(needsClone3, era("5.4"))).not.toThrow();
    expect(() => checkEra(needsClone3, era("4.19"))).toThrow(
      new EraMismatchError(
        "scenario c3 does not apply to Linux 4.19: it needs clone3 (5.3+), so it runs on 5.4 and later (see tasklab eras)",
      ),
    );
    expect(() => checkEra(oldOnly, era("3.10"))).not.toThrow();
    expect(() => checkEra(oldOnly, era("3.13"))).toThrow("so it runs on up to 3.10");
    expect(() => runScenario(needsClone3, { kernel: "4.4" })).toThrow(EraMismatchError);
  });

  it("the clone3 scenario is refused on 4.x with why, and runs on 5.4 and 6.19", () => {
    const s = findScenario("clone3") as Scenario;
    expect(() => runScenario(s, { kernel: "4.19" })).toThrow(
      "scenario clone3 does not apply to Linux 4.19: it needs the clone3 system call (5.3+) and waitid on a pidfd (5.4+), so it runs on 5.4 and later",
    );
    for (const kernel of ["5.4", "6.19"]) {
      const r = runScenario(s, { kernel });
      expect(problems(r.reports)).toEqual([]);
      expect(r.machine.kernel.tty.map((l) => l.text)).toEqual([
        expect.stringMatching(/^clone3: child \d+ \(pidfd 3\) exited with status 3, waitid returned 0\n$/),
      ]);
    }
  });

  it("the machine models the release asked for", () => {
    const r = runScenario({ name: "t", description: "" }, { kernel: "3.13" });
    expect(r.machine.kernel.era.name).toBe("3.13");
    expect(runScenario({ name: "t", description: "" }).machine.kernel.era.name).toBe("6.19");
  });

  it("tasklab eras lists every release with its kthread era; --json has every field", async () => {
    expect(await main(["eras"])).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toBe("KERNEL  KTHREAD  WHAT CHANGED");
    for (const n of ERA_NAMES) expect(lines.some((l) => l.startsWith(`${n.padEnd(7)} E${era(n).kthread} `))).toBe(true);
    clearOutput();
    expect(await main(["eras", "--json"])).toBe(0);
    const profiles = JSON.parse(out) as { name: string; kthread_api: string[]; fork_fn: string }[];
    expect(profiles.map((p) => p.name)).toEqual([...ERA_NAMES]);
    expect(profiles.find((p) => p.name === "4.4")?.fork_fn).toBe("_do_fork");
    expect(profiles[0]?.kthread_api).toContain("kthread_run");
  });

  it("tasklab run and explore refuse an unknown release and a scenario the release cannot run (exit 2)", async () => {
    expect(await main(["run", "kthread-run", "--kernel", "5.5"])).toBe(2);
    expect(err).toContain("Allowed choices are 2.6.24, 2.6.32");
    for (const cmd of ["run", "explore"]) {
      clearOutput();
      expect(await main([cmd, "kthread-creator-killed-3a", "--kernel", "3.10"])).toBe(2);
      expect(err).toBe(
        "tasklab: scenario kthread-creator-killed-3a does not apply to Linux 3.10: it needs a killable kthread_create wait and the xchg hand-off of the request (3.13+), so it runs on 3.13 and later (see tasklab eras)\n",
      );
    }
  });
});

describe("the kthread protocol files", () => {
  it("test named fields of the release profile, never the era's number or a version (STYLE.md §8)", () => {
    for (const f of ["kthread", "kthread_create", "kthread_control"]) {
      const text = readFileSync(`src/linux/kernel/${f}.ts`, "utf8");
      expect(text.match(/\bera\.kthread\s*[<>=!]/g), f).toBeNull();
      expect(text.match(/\bsince\(|\bwithin\(/g), f).toBeNull();
    }
  });
});
