/** WARN_ON_ONCE latches per call site and machine; WARN_ON reports every time. */
import { describe, expect, it } from "vitest";
import { IS_ERR } from "../../src/linux/include/err.js";
import { kthread_run, kthread_should_stop } from "../../src/linux/kernel/kthread.js";
import { kthread_bind, kthread_stop } from "../../src/linux/kernel/kthread_control.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { runMain } from "../helpers.js";

function* napper() {
  while (!kthread_should_stop()) yield* msleep(1);
  return 0;
}

/** kthread_bind on a thread that has started: the kernel WARNs once (kthread.c, WARN_ON_ONCE). */
function bindStarted(times: number) {
  return runMain(function* () {
    const t = yield* kthread_run(napper, null, "napper");
    if (IS_ERR(t)) throw new Error("kthread_run failed");
    yield* msleep(2);
    for (let i = 0; i < times; i++) yield* kthread_bind(t, 0);
    yield* kthread_stop(t);
  });
}

describe("WARN_ON_ONCE", () => {
  it("reports the first time a site fires, not again on the same machine", () => {
    const once = bindStarted(1).reports.filter((r) => r.kind === "warn");
    const thrice = bindStarted(3).reports.filter((r) => r.kind === "warn");
    expect(once.length).toBe(1);
    expect(once[0]?.title).toMatch(/^WARNING: CPU: \d PID: 1 at kernel\/kthread.c kthread_bind$/);
    expect(thrice.map((r) => r.title)).toEqual(once.map((r) => r.title));
  });
});
