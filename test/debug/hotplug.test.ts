/** CPU offline/online injection: `--hotplug down:CPU@TIME` / `up:CPU@TIME`. */
import { describe, expect, it } from "vitest";
import { parseHotplug } from "../../src/linux/kernel/hotplug_inject.js";
import { SpecError } from "../../src/linux/lib/inject.js";
import { problems, runScenario } from "../../src/run.js";
import kthreadRun from "../../src/scenarios/kthread-run.js";
import { records } from "../helpers.js";

describe("--hotplug", () => {
  it("parses down:CPU@TIME and up:CPU@TIME, and refuses anything else", () => {
    expect(parseHotplug("down:1@5ms")).toEqual({ op: "down", cpu: 1, at: 5e6 });
    expect(parseHotplug("up:3@250us")).toEqual({ op: "up", cpu: 3, at: 250e3 });
    for (const bad of ["down:1", "off:1@5ms", "down:x@5ms", "up:1@soon"])
      expect(() => parseHotplug(bad)).toThrow(SpecError);
  });

  it("takes CPU 1 down and up again while the scenario runs; nothing runs there meanwhile", () => {
    const r = runScenario(kthreadRun, { cpus: 2, hotplug: ["down:1@4ms", "up:1@6ms"] });
    expect(problems(r.reports)).toEqual([]);
    const log = r.reports
      .filter((x) => x.kind === "printk" && x.title.startsWith("hotplug_inject"))
      .map((x) => x.title);
    expect(log).toEqual(["hotplug_inject: cpu_down(1) returned 0", "hotplug_inject: cpu_up(1) returned 0"]);
    const [down, up] = r.reports.filter((x) => x.title.startsWith("hotplug_inject")).map((x) => x.time) as [
      number,
      number,
    ];
    const onCpu1 = records(r).filter((e) => e.type === "sched_switch" && e.cpu === 1 && e.ts > down && e.ts < up - 1e6);
    expect(onCpu1).toEqual([]);
    expect(r.machine.tasks().some((p) => p.comm === "hotplug_inject")).toBe(false); // it exited
  });

  it("refuses to take the boot CPU down (-EINVAL) and reports it", () => {
    const r = runScenario(kthreadRun, { hotplug: ["down:0@4ms"] });
    expect(r.reports.map((x) => x.title)).toContain("hotplug_inject: cpu_down(0) returned -22");
  });
});
