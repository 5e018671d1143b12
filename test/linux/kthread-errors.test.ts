/**
 * The error paths of kthread creation that issue 2 models, with who frees what
 * (spec §2.1, §2.2): the allocation failures seen by the creator and by kthreadd.
 */
import { describe, expect, it } from "vitest";
import { type ErrOr, IS_ERR, PTR_ERR } from "../../src/linux/include/err.js";
import { EAGAIN, ENOMEM } from "../../src/linux/include/errno.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import { kthread_run } from "../../src/linux/kernel/kthread.js";
import { problems } from "../../src/run.js";
import { records, runMain } from "../helpers.js";

function* body() {
  return 0;
}

function createWith(fault: string) {
  let got: ErrOr<task_struct> | null = null;
  const r = runMain(
    function* () {
      got = yield* kthread_run(body, null, "victim");
    },
    { faults: [fault] },
  );
  return { r, got: got as ErrOr<task_struct> | null };
}

describe("kthread creation when an allocation fails", () => {
  it("returns ERR_PTR(-ENOMEM) when the request cannot be allocated (nothing queued, nothing leaked)", () => {
    const { r, got } = createWith("kmalloc:kthread_create_info");
    expect(got && IS_ERR(got) && PTR_ERR(got)).toBe(-ENOMEM);
    expect(records(r).some((e) => e.type === "task_newtask")).toBe(false);
    expect(problems(r.reports)).toEqual([]);
  });

  it("returns ERR_PTR(-ENOMEM) when the name cannot be allocated; the creator frees the request", () => {
    const { r, got } = createWith("kmalloc:full_name");
    expect(got && IS_ERR(got) && PTR_ERR(got)).toBe(-ENOMEM);
    expect(problems(r.reports)).toEqual([]);
  });

  it("passes kthreadd's fork error back (task_struct: -ENOMEM); kthreadd frees the name, the creator the request", () => {
    const { r, got } = createWith("cache:task_struct");
    expect(got && IS_ERR(got) && PTR_ERR(got)).toBe(-ENOMEM);
    expect(records(r).some((e) => e.type === "task_newtask")).toBe(false);
    expect(problems(r.reports)).toEqual([]);
  });

  it("turns a failed struct kthread allocation in copy_process into -EAGAIN, undoing the fork", () => {
    const { r, got } = createWith("kmalloc:kthread");
    expect(got && IS_ERR(got) && PTR_ERR(got)).toBe(-EAGAIN);
    expect(problems(r.reports)).toEqual([]);
  });

  it.each(["thread_stack", "sighand_cache", "signal_cache", "pid"])(
    "undoes every earlier step of copy_process when %s cannot be allocated",
    (cache) => {
      const { r, got } = createWith(`cache:${cache}`);
      expect(got && IS_ERR(got) && PTR_ERR(got)).toBe(-ENOMEM);
      expect(problems(r.reports)).toEqual([]);
      const slab = r.machine.kernel.slab;
      expect(slab.allocs - slab.frees).toBe(slab.live.size);
      // The references kthreadd's fork took on the shared fs and files (CLONE_FS|CLONE_FILES)
      // were dropped: each count is the number of tasks that hold it.
      const idle = r.machine.kernel.idle_tasks.filter((t) => t !== null);
      const tasks = [...idle, ...r.machine.tasks()];
      for (const t of tasks) {
        if (t.fs !== null) expect(t.fs.users, `fs of ${t.comm}`).toBe(tasks.filter((u) => u.fs === t.fs).length);
        if (t.files !== null)
          expect(t.files.count, `files of ${t.comm}`).toBe(tasks.filter((u) => u.files === t.files).length);
      }
    },
  );
});
