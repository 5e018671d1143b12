/**
 * clone-flags keeps its state as data (issue 22): its program hands withChild module-level
 * generators and a number, no closure over its process, so a copy of the machine runs on
 * its own (not through the original's User) and a saved state holds it. Checked where the
 * program is under way (the run takes 2,709 steps at 2 CPUs, seed 1; the program starts
 * at ~2,060): each copy, the original after it, and the state saved there and loaded each
 * run on to the uninterrupted run's trace, terminal, reports, steps and final hash.
 */
import { describe, expect, it } from "vitest";
import { runtimeName } from "../../src/build/runtime.mjs";
import { SCENARIOS } from "../../src/index.js";
import type { Machine } from "../../src/machine.js";
import { formatReport, machineFor, type RunResult, runMachine, runScenario, traceText } from "../../src/run.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { loadState, saveState } from "../../src/state/file.js";

const scenario = SCENARIOS.find((s) => s.name === "clone-flags") as Scenario;
const opts = { cpus: 2, seed: 1 };

function shown(r: RunResult) {
  return {
    stop: r.stop,
    trace: traceText(r),
    tty: r.machine.kernel.tty.map((l) => l.text).join(""),
    reports: r.reports.map(formatReport),
    steps: r.machine.engine.steps,
    hash: r.machine.hash(),
  };
}

const on = (m: Machine) => shown(runMachine(scenario, m, opts));

// Only where threads are frames: under TASKLAB_RUNTIME=generators (the differential run) a thread is
// a chain of generators, which neither machine.snapshot() nor a saved state can hold.
describe.skipIf(runtimeName() === "generators")("clone-flags is data", () => {
  it("snapshot or save in the middle of each flag's child: the copy, the original and the loaded state run on alike", () => {
    const whole = shown(runScenario(scenario, opts));
    expect(whole.steps).toBe(2709);
    expect(whole.tty).toContain("CLONE_SIGHAND|CLONE_VM: the child ignored SIGUSR1, the parent's handler is SIG_IGN");
    for (const n of [2080, 2170, 2270, 2370, 2470, 2570, 2670]) {
      const m = machineFor(scenario, opts);
      m.run({ maxSteps: n, until: 10e9 });
      const text = saveState(m); // refused while a closure is live: "no code the model names"
      const copy = m.snapshot();
      // The copy first: a closure it shared would act on the original's process.
      expect(on(copy), `copy at ${n}`).toEqual(whole);
      expect(on(m), `original at ${n}`).toEqual(whole);
      expect(on(loadState(text)), `state saved at ${n}`).toEqual(whole);
    }
  });
});
