/** The fair class's bookkeeping that placement depends on. */
import { describe, expect, it } from "vitest";
import { current } from "../../src/linux/include/current.js";
import { cpu_rq } from "../../src/linux/kernel/sched/sched.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { udelay } from "../../src/linux/lib/delay.js";
import { runMain } from "../helpers.js";

describe("CFS min_vruntime", () => {
  it("moves up to where a task going to sleep got (it is charged while still queued, as dequeue_entity does)", () => {
    const seen: number[] = [];
    const r = runMain(
      function* () {
        yield* udelay(300); // run time since the last tick: charged only at the dequeue
        yield* msleep(1);
        const me = current();
        seen.push(cpu_rq(me.cpu).cfs.min_vruntime - me.se.vruntime);
      },
      { cpus: 1, boot: "minimal" },
    );
    expect(r.stop).toBe("idle");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThanOrEqual(0);
  });
});
