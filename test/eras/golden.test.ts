/**
 * The five scenarios on every modeled release, against golden files
 * (test/golden/eras/<release>/<scenario>.txt), line by line: each file is the release's event
 * trace in its own formats, then what the run's programs printed and what the detectors
 * reported. 2.6.24 has no tracepoints, so its files hold the model's function tracer instead:
 * the era's call sequence. A scenario a release cannot run (the creator's wait is killable only
 * from 3.13) is asserted to be refused. Regenerate with UPDATE_GOLDEN=1 and read the diff (a missing file fails).
 */
import { describe, expect, it } from "vitest";
import { ERA_NAMES, era } from "../../src/linux/eras/profiles.js";
import { formatReport, type RunOptions, runScenario, traceText } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import { appliesTo, EraMismatchError, type Scenario } from "../../src/scenarios/scenario.js";
import { expectGolden } from "../golden-file.js";

/** The list; "kthread-creator-killed" is its four interleavings of the spec's §2.2. */
const NAMES = [
  "kthread-run",
  "kthread-stop-unwoken",
  "kthread-creator-killed-3a",
  "kthread-creator-killed-3b",
  "kthread-creator-killed-4t",
  "kthread-creator-killed-4k",
  "fork",
  "pthread-create",
];

/** What a golden file holds for one run of `s` on `kernel`. */
function goldenText(s: Scenario, kernel: string): string {
  const opts: RunOptions = { cpus: 2, seed: 1, kernel };
  if (!era(kernel).tracepoints) opts.tracer = { tracer: "function" };
  const r = runScenario(s, opts);
  const tty = r.machine.kernel.tty.map((l) => `# tty ${l.comm}/${l.pid}: ${l.text.trimEnd()}`);
  const reports = r.reports.map((rep) => formatReport(rep).replace(/^/gm, "# report "));
  return [`# Linux ${kernel}, scenario ${s.name}, 2 CPUs, seed 1`, traceText(r).trimEnd(), ...tty, ...reports, ""].join(
    "\n",
  );
}

describe.each(ERA_NAMES.map((k) => [k] as const))("Linux %s", (kernel) => {
  it.each(NAMES.map((n) => [n] as const))("%s: the golden run, twice the same", (name) => {
    const s = findScenario(name) as Scenario;
    if (!appliesTo(s, era(kernel))) {
      expect(() => runScenario(s, { kernel })).toThrow(EraMismatchError);
      return;
    }
    const text = goldenText(s, kernel);
    expect(goldenText(s, kernel)).toBe(text);
    expectGolden(new URL(`../golden/eras/${kernel}/${name}.txt`, import.meta.url), text);
  });
});
