/**
 * Random programs of create / run / wake / park / unpark / stop / kill over random seeds,
 * CPU counts and schedules: never a leak, a double free or a use after free, never a
 * deadlock, and every kthread_stop returns what its threadfn returned, or -EINTR exactly
 * when threadfn never started (never woken, or stopped before it first got the CPU).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { current } from "../../src/linux/include/current.js";
import { IS_ERR } from "../../src/linux/include/err.js";
import { TASK_INTERRUPTIBLE, TASK_RUNNING } from "../../src/linux/include/sched.js";
import { SIGKILL } from "../../src/linux/include/signal.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import {
  kthread_create,
  kthread_parkme,
  kthread_should_park,
  kthread_should_stop,
} from "../../src/linux/kernel/kthread.js";
import { kthread_park, kthread_stop, kthread_unpark } from "../../src/linux/kernel/kthread_control.js";
import { printk } from "../../src/linux/kernel/printk/printk.js";
import { schedule, set_current_state, wake_up_process } from "../../src/linux/kernel/sched/core.js";
import { allow_signal } from "../../src/linux/kernel/signal.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { problems, runScenario } from "../../src/run.js";
import type { Chooser } from "../../src/sim/chooser.js";
import { createPrng } from "../../src/sim/prng.js";

type Op = { op: "create" | "wake" | "park" | "unpark" | "stop" | "sleep"; t: number };

const op = fc.record({
  op: fc.constantFrom<Op["op"]>("create", "wake", "park", "unpark", "stop", "sleep"),
  t: fc.integer({ min: 0, max: 2 }),
});

function randomChooser(seed: number): Chooser {
  const rng = createPrng(seed);
  return { ordersCpus: true, choose: (_k, n) => rng.below(n) };
}

/** The thread body: park when asked, sleep otherwise, return 100 + its index when stopped. */
function body(i: number, started: boolean[]) {
  return function* random_thread() {
    started[i] = true;
    for (;;) {
      if (kthread_should_stop()) break;
      if (kthread_should_park()) {
        yield* kthread_parkme();
        continue;
      }
      set_current_state(TASK_INTERRUPTIBLE);
      if (!kthread_should_stop() && !kthread_should_park()) yield* schedule();
      set_current_state(TASK_RUNNING);
    }
    return 100 + i;
  };
}

describe("random kthread programs", () => {
  it("keep every invariant", () => {
    const outcomes = { killedCreate: 0, stopsBeforeRun: 0, stopsAfterRun: 0 };
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 14 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(),
        fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
        (ops, cpus, seed, killAt) => {
          const results: string[] = [];
          function* driver(): Generator<number, number, unknown> {
            allow_signal(current(), SIGKILL);
            const threads: (task_struct | null)[] = [null, null, null];
            const woken = [false, false, false];
            const started = [false, false, false];
            const parked = [false, false, false];
            const stop = function* (t: number, k: task_struct) {
              const ret = yield* kthread_stop(k);
              // threadfn's value if it started; -EINTR if it never did (and then it was
              // never woken, or was stopped before it first ran).
              const ok = started[t] ? ret === 100 + t : ret === -4;
              results.push(`stop ${t}: ${ret} woken=${woken[t]} started=${started[t]} ${ok ? "ok" : "WRONG"}`);
            };
            for (const { op: o, t } of ops) {
              const k = threads[t] ?? null;
              if (o === "create" && k === null) {
                started[t] = false;
                const p = yield* kthread_create(body(t, started), null, "rnd/%d", t);
                if (IS_ERR(p)) results.push(`create ${t}: ${p.errno}`);
                else threads[t] = p;
              } else if (o === "wake" && k !== null) {
                yield* wake_up_process(k);
                woken[t] = true;
              } else if (o === "park" && k !== null && !parked[t]) {
                expect(yield* kthread_park(k)).toBe(0);
                parked[t] = true;
                woken[t] = true; // park wakes a never-woken thread
              } else if (o === "unpark" && k !== null && parked[t]) {
                yield* kthread_unpark(k);
                parked[t] = false;
              } else if (o === "stop" && k !== null) {
                yield* stop(t, k);
                threads[t] = null;
                woken[t] = false;
                parked[t] = false;
              } else if (o === "sleep") {
                yield* msleep(1);
              }
            }
            for (let t = 0; t < 3; t++) {
              const k = threads[t];
              if (k) yield* stop(t, k);
            }
            printk("driver done");
            return 0;
          }
          const r = runScenario(
            {
              name: "random",
              description: "",
              *main() {
                const d = yield* kthread_create(driver, null, "driver");
                if (IS_ERR(d)) return;
                yield* wake_up_process(d);
                yield* msleep(200);
              },
              signals: killAt === null ? [] : [`KILL:driver@driver:__kthread_create_on_node+${killAt}`],
            },
            { cpus, chooser: randomChooser(seed) },
          );
          expect(problems(r.reports)).toEqual([]);
          expect(r.stop).toBe("idle");
          expect(r.reports.some((x) => x.title === "driver done")).toBe(true); // no deadlock
          for (const line of results) {
            if (line.startsWith("create")) outcomes.killedCreate++;
            else if (line.includes("started=true")) outcomes.stopsAfterRun++;
            else outcomes.stopsBeforeRun++;
            if (line.startsWith("stop")) {
              expect(line).toMatch(/ ok$/);
              if (line.includes("woken=false")) expect(line).toMatch(/: -4 /); // never woken: never ran
            } else expect(line).toMatch(/^create \d: -4$/); // killed while creating
          }
        },
      ),
      { numRuns: 120, seed: 2026 },
    );
    // The programs reached every kind of outcome (else this test would prove little).
    expect(outcomes.killedCreate).toBeGreaterThan(0);
    expect(outcomes.stopsBeforeRun).toBeGreaterThan(0);
    expect(outcomes.stopsAfterRun).toBeGreaterThan(0);
  });
});
