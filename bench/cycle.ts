/** The kthread-cycle workload shared by the benchmarks and the profiling script. */
import { IS_ERR } from "../src/linux/include/err.js";
import { kthread_run } from "../src/linux/kernel/kthread.js";
import { kthread_stop } from "../src/linux/kernel/kthread_control.js";
import { sleepUntilStopped } from "../src/linux/kernel/kthread_daemon.js";
import { Machine } from "../src/machine.js";

/** A 2-CPU machine that boots, then runs `cycles` kthread_run + kthread_stop cycles. */
export function kthreadCycleMachine(cycles: number, traced: boolean): Machine {
  return new Machine({
    cpus: 2,
    events: traced ? undefined : [],
    bufferSize: 1 << 16,
    init: function* () {
      for (let i = 0; i < cycles; i++) {
        const t = yield* kthread_run(sleepUntilStopped, null, "bench/%d", i);
        if (IS_ERR(t)) throw new Error("kthread_run failed");
        yield* kthread_stop(t);
      }
    },
  });
}
