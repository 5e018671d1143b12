/** Copied handler tables (copy_sighand without CLONE_SIGHAND) are private to each task. */
import { describe, expect, it } from "vitest";
import { IS_ERR } from "../../src/linux/include/err.js";
import { SIG_IGN, SIGKILL, SIGUSR1 } from "../../src/linux/include/signal.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import { kthread_create } from "../../src/linux/kernel/kthread.js";
import { sleepUntilStopped } from "../../src/linux/kernel/kthread_daemon.js";
import { allow_signal, ignore_signals } from "../../src/linux/kernel/signal.js";
import { K } from "../../src/linux/kernel.js";
import { runMain } from "../helpers.js";

describe("a kernel thread's copy of kthreadd's handlers", () => {
  it("changes alone: allow_signal in one thread leaves kthreadd's and a sibling's SIG_IGN", () => {
    const seen: number[][] = [];
    runMain(
      function* () {
        const a = yield* kthread_create(sleepUntilStopped, null, "a");
        const b = yield* kthread_create(sleepUntilStopped, null, "b");
        if (IS_ERR(a) || IS_ERR(b)) return;
        const kthreadd = K.kthreadd_task as task_struct;
        const h = (t: task_struct, sig: number) => t.sighand?.action[sig - 1] ?? -1;
        allow_signal(a, SIGKILL);
        seen.push([h(a, SIGKILL), h(b, SIGKILL), h(kthreadd, SIGKILL)]);
        // And the other way: kthreadd's own table changing leaves its children's alone.
        allow_signal(kthreadd, SIGUSR1);
        seen.push([h(a, SIGUSR1), h(b, SIGUSR1), h(kthreadd, SIGUSR1)]);
        ignore_signals(kthreadd);
      },
      { cpus: 2, boot: "minimal" },
    );
    expect(seen).toEqual([
      [2, SIG_IGN, SIG_IGN],
      [SIG_IGN, SIG_IGN, 2],
    ]);
  });
});
