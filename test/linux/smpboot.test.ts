/** smpboot's per-CPU thread types: registration, its failure path, unregistration. */
import { describe, expect, it } from "vitest";
import { ENOMEM } from "../../src/linux/include/errno.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import { smpboot_register_percpu_thread, smpboot_unregister_percpu_thread } from "../../src/linux/kernel/smpboot.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { problems } from "../../src/run.js";
import { records, runMain } from "../helpers.js";

function run(faults: string[] = []) {
  const ran: number[] = [];
  const pending = new Set([0, 1]);
  let ret: number | null = null;
  const ht = {
    thread_comm: "pcpu/%u",
    thread_should_run: (cpu: number) => pending.has(cpu),
    *thread_fn(cpu: number) {
      pending.delete(cpu);
      ran.push(cpu);
    },
    store: new Map<number, task_struct>(),
  };
  const r = runMain(
    function* () {
      ret = yield* smpboot_register_percpu_thread(ht);
      if (ret !== 0) return;
      yield* msleep(5);
      yield* smpboot_unregister_percpu_thread(ht);
    },
    { cpus: 2, faults },
  );
  const exits = records(r)
    .filter((e) => e.type === "sched_process_exit")
    .map((e) => (e as { comm: string }).comm);
  return { r, ret, ran, exits, store: ht.store };
}

describe("smpboot", () => {
  it("runs a registered type's thread on each CPU and stops them all on unregistration, freeing their data", () => {
    const { r, ret, ran, exits, store } = run();
    expect(ret).toBe(0);
    expect(ran.sort()).toEqual([0, 1]);
    expect(exits.sort()).toEqual(["pcpu/0", "pcpu/1"]);
    expect(store.size).toBe(0);
    expect(problems(r.reports)).toEqual([]); // no leak of smpboot_thread_data or the tasks
  });

  it("stops the threads already made when one cannot be created, and returns the error", () => {
    const { r, ret, exits, store } = run(["kmalloc:smpboot_thread_data,nth=2"]);
    expect(ret).toBe(-ENOMEM);
    expect(exits).toEqual(["pcpu/0"]);
    expect(store.size).toBe(0);
    expect(problems(r.reports)).toEqual([]);
  });
});
