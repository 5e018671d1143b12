import { describe, expect, it } from "vitest";
import { kasanCheck, kfree, kmalloc, type Tracked } from "../../src/linux/mm/slab.js";
import { runMain } from "../helpers.js";

interface Obj extends Tracked {
  v: number;
}

describe("slab object tracking", () => {
  it("reports a double free with the stacks of the allocation, the first and the second free", () => {
    const r = runMain(function* double_free_test() {
      const o = kmalloc<Obj>("test_obj", 16, () => ({ v: 1, __slab: null }));
      kfree(o);
      kfree(o);
    });
    const k = r.reports.filter((x) => x.kind === "kasan");
    expect(k).toHaveLength(1);
    expect(k[0]?.title).toBe("BUG: KASAN: double-free in double_free_test");
    expect(k[0]?.lines[0]).toBe("Free of object by task init/1:");
    expect(k[0]?.lines.some((l) => /^Allocated by task init\/1 on cpu \d+ at 0\.\d{6}s:$/.test(l))).toBe(true);
    expect(k[0]?.lines.slice(1, 3)).toEqual([" double_free_test", " kernel_init"]);
    expect(k[0]?.lines.filter((l) => l.startsWith("Freed by task init/1"))).toHaveLength(1);
    expect(k[0]?.lines.at(-1)).toMatch(
      /^The buggy address belongs to the object of cache kmalloc-16 \(test_obj, size 16\), id \d+$/,
    );
  });

  it("reports a use after free at a checked access", () => {
    const r = runMain(function* uaf_test() {
      const o = kmalloc<Obj>("test_obj", 16, () => ({ v: 1, __slab: null }));
      if (o === null) return;
      kfree(o);
      kasanCheck(o, "write");
    });
    expect(r.reports.map((x) => x.title)).toEqual(["BUG: KASAN: slab-use-after-free in uaf_test"]);
    expect(r.reports[0]?.lines[0]).toBe("Write by task init/1:");
  });

  it("reports an object nothing references at the end as a leak (kmemleak), and not one that is still referenced", () => {
    const kept: Obj[] = [];
    const r = runMain(function* leak_test() {
      kmalloc<Obj>("test_obj", 32, () => ({ v: 1, __slab: null }));
      const o = kmalloc<Obj>("test_obj", 32, () => ({ v: 2, __slab: null }));
      if (o) kept.push(o);
    });
    const leaks = r.reports.filter((x) => x.kind === "kmemleak");
    // `kept` lives outside the kernel: the kernel no longer references either object.
    expect(leaks).toHaveLength(2);
    expect(leaks[0]?.lines[0]).toMatch(/^unreferenced object id \d+ \(cache kmalloc-32, test_obj, size 32\):$/);
    expect(leaks[0]?.lines[1]).toMatch(/^ {2}comm "init", pid 1, cpu \d+, time 0\.\d{6}s$/);
    expect(leaks[0]?.lines.slice(2)).toEqual(["  backtrace:", "    leak_test", "    kernel_init", "    ret_from_fork"]);
  });

  it("balances allocations and frees over a whole kthread life: only what live tasks own remains", () => {
    const r = runMain(function* () {});
    const slab = r.machine.kernel.slab;
    expect(slab.allocs - slab.frees).toBe(slab.live.size);
    const caches = new Map<string, number>();
    for (const rec of slab.live.values()) caches.set(rec.cache, (caches.get(rec.cache) ?? 0) + 1);
    const tasks = r.machine.tasks().length;
    const idle = r.machine.kernel.idle_tasks.length - 1; // init_task is static
    expect(caches.get("task_struct")).toBe(tasks + idle);
    expect(caches.get("thread_stack")).toBe(tasks + idle);
    expect(caches.get("pid")).toBe(tasks);
    expect(r.reports).toEqual([]);
  });
});
