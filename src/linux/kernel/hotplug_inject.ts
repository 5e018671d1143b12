/**
 * CPU offline/online injection (`--hotplug down:1@5ms --hotplug up:1@8ms`): as a test module
 * would do it, a kernel thread, "hotplug_inject", started just before the scenario, sleeps
 * until each time and calls cpu_down or cpu_up (kernel/cpu.c), logging what it returned.
 * Only runs that ask for it have the thread.
 */

import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { current, local_clock } from "../include/current.js";
import { TASK_UNINTERRUPTIBLE } from "../include/sched.js";
import { parseTimeSpec, SpecError } from "../lib/inject.js";
import { cpu_down, cpu_up } from "./cpu.js";
import { kthread_run } from "./kthread.js";
import { printk } from "./printk/printk.js";
import { schedule_hrtimeout } from "./time/timer.js";

export interface HotplugSpec {
  op: "down" | "up";
  cpu: number;
  /** Virtual time since boot began (ns). */
  at: number;
}

/** Parses down:CPU@TIME or up:CPU@TIME. */
export function parseHotplug(text: string): HotplugSpec {
  const m = /^(down|up):(\d+)@(.+)$/.exec(text);
  const at = m === null ? null : parseTimeSpec(m[3] as string);
  if (m === null || at === null)
    throw new SpecError(`'${text}': expected down:CPU@TIME or up:CPU@TIME, e.g. down:1@5ms`);
  return { op: m[1] as HotplugSpec["op"], cpu: Number(m[2]), at };
}

/** tasklab's own: the kernel thread that runs --hotplug (cpu_down/cpu_up at set times). */
const hotplugInject = kfunc(function* hotplugInject(data: unknown) {
  const specs = [...(data as HotplugSpec[])].sort((a, b) => a.at - b.at);
  for (const s of specs) {
    const wait = s.at - local_clock();
    if (wait > 0) {
      current().__state = TASK_UNINTERRUPTIBLE;
      yield* schedule_hrtimeout(wait);
    }
    const ret = s.op === "down" ? yield* cpu_down(s.cpu) : yield* cpu_up(s.cpu);
    printk("hotplug_inject: cpu_%s(%d) returned %d", s.op, s.cpu, ret);
  }
  return 0;
});

/** The scenario's main, preceded by starting the injector (when there is anything to inject). */
export function withHotplug(specs: readonly HotplugSpec[], main: (() => KGen<unknown>) | null) {
  if (specs.length === 0) return main;
  /** tasklab's own: pid 1 main that starts the hotplug thread first. */
  return function* mainWithHotplug(): KGen<unknown> {
    yield* kthread_run(hotplugInject, specs, "hotplug_inject");
    return main === null ? 0 : yield* main();
  };
}
