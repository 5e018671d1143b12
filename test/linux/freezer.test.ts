import { describe, expect, it } from "vitest";
import { __get_task_comm, set_task_comm } from "../../src/linux/fs/exec.js";
import { current } from "../../src/linux/include/current.js";
import { IS_ERR } from "../../src/linux/include/err.js";
import { TASK_FROZEN, task_state_to_char } from "../../src/linux/include/sched.js";
import { freeze_kernel_threads, set_freezable, thaw_kernel_threads } from "../../src/linux/kernel/freezer.js";
import { kthread_freezable_should_stop, kthread_run } from "../../src/linux/kernel/kthread.js";
import { kthread_stop } from "../../src/linux/kernel/kthread_control.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { K } from "../../src/linux/kernel.js";
import { problems } from "../../src/run.js";
import { proc_status } from "../../src/views/proc.js";
import { runMain } from "../helpers.js";

describe("the freezer", () => {
  it("freezes freezable kernel threads in TASK_FROZEN (shown as D), not the others, and thaws them", () => {
    const seen: string[] = [];
    let frozenRounds = 0;
    function* freezable() {
      yield* set_freezable();
      const was = { value: false };
      while (!(yield* kthread_freezable_should_stop(was))) {
        if (was.value) frozenRounds++;
        yield* msleep(1);
      }
      return 0;
    }
    function* unfreezable() {
      while (!(yield* kthread_freezable_should_stop())) yield* msleep(1);
      return 0;
    }
    const r = runMain(function* () {
      const a = yield* kthread_run(freezable, null, "freezable");
      const b = yield* kthread_run(unfreezable, null, "unfreezable");
      if (IS_ERR(a) || IS_ERR(b)) return;
      yield* msleep(3);
      expect(yield* freeze_kernel_threads()).toBe(0);
      seen.push(`${task_state_to_char(a)}:${(a.__state & TASK_FROZEN) !== 0}`, `${(b.__state & TASK_FROZEN) !== 0}`);
      yield* msleep(5);
      yield* thaw_kernel_threads();
      yield* msleep(5);
      seen.push(`${(a.__state & TASK_FROZEN) !== 0}`);
      yield* kthread_stop(a);
      yield* kthread_stop(b);
    });
    expect(problems(r.reports)).toEqual([]);
    expect(seen).toEqual(["D:true", "false", "false"]); // frozen shows as D; the other never froze; thawed
    expect(frozenRounds).toBe(1);
  });
});

describe("the freezer and the boot daemons", () => {
  it("freezes kswapd0 (set_freezable in mm/vmscan.c's kswapd, every release), kcompactd0 and khugepaged; not khungtaskd or ksoftirqd", () => {
    const states: string[][] = [];
    const status: string[] = [];
    const watched = ["kswapd0", "kcompactd0", "khugepaged", "khungtaskd", "ksoftirqd/0"];
    const look = () =>
      watched.map((n) => {
        const p = [...K.init_task.tasks].find((t) => t.comm === n);
        return p === undefined ? `${n}:-` : `${n}:${task_state_to_char(p)}${p.__state & TASK_FROZEN ? " frozen" : ""}`;
      });
    for (const kernel of ["2.6.24", "6.19"]) {
      const r = runMain(
        function* () {
          yield* msleep(1);
          expect(yield* freeze_kernel_threads()).toBe(0);
          states.push(look());
          const ks = [...K.init_task.tasks].find((t) => t.comm === "kswapd0");
          if (ks)
            status.push(
              proc_status(ks, K)
                .split("\n")
                .find((l) => l.startsWith("State:")) ?? "",
            );
          yield* thaw_kernel_threads();
          yield* msleep(1);
          states.push(look());
        },
        { kernel },
      );
      expect(problems(r.reports)).toEqual([]);
    }
    expect(states).toEqual([
      // 2.6.24: no kcompactd0 (4.9+) nor khungtaskd (2.6.32+) nor khugepaged (3.x)
      ["kswapd0:D frozen", "kcompactd0:-", "khugepaged:-", "khungtaskd:-", "ksoftirqd/0:S"],
      ["kswapd0:S", "kcompactd0:-", "khugepaged:-", "khungtaskd:-", "ksoftirqd/0:S"],
      ["kswapd0:D frozen", "kcompactd0:D frozen", "khugepaged:D frozen", "khungtaskd:S", "ksoftirqd/0:S"],
      ["kswapd0:S", "kcompactd0:S", "khugepaged:S", "khungtaskd:S", "ksoftirqd/0:S"],
    ]);
    expect(status).toEqual(["State:\tD (disk sleep)", "State:\tD (disk sleep)"]); // /proc/<pid>/status while frozen
  });
});

describe("task names", () => {
  it("keep 15 characters in comm; __get_task_comm cuts to the buffer", () => {
    const names: string[] = [];
    runMain(function* () {
      set_task_comm(current(), "a_name_of_twenty_chars");
      names.push(current().comm, __get_task_comm(16, current()), __get_task_comm(5, current()));
      yield* msleep(1);
    });
    expect(names).toEqual(["a_name_of_twent", "a_name_of_twent", "a_na"]);
  });
});
