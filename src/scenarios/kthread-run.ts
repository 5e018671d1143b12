/**
 * A module starts a kernel thread with kthread_run; the thread loops until told to stop,
 * sleeping 10 ms a round; 50 ms later the module stops it and gets its return value.
 */
import { IS_ERR } from "../linux/include/err.js";
import { kthread_run, kthread_should_stop } from "../linux/kernel/kthread.js";
import { kthread_stop } from "../linux/kernel/kthread_control.js";
import { msleep } from "../linux/kernel/time/timer.js";
import { defineScenario } from "./scenario.js";

/** The thread function: counts its rounds and returns how many it did. */
function* my_kthread(data: unknown) {
  const rounds = data as { n: number };
  while (!kthread_should_stop()) {
    rounds.n++;
    yield* msleep(10);
  }
  return rounds.n;
}

export default defineScenario({
  name: "kthread-run",
  description:
    "a module calls kthread_run on a thread that loops until kthread_should_stop, sleeps, then kthread_stops it",
  *main() {
    const t = yield* kthread_run(my_kthread, { n: 0 }, "my_kthread/%d", 0);
    if (IS_ERR(t)) return;
    yield* msleep(50);
    yield* kthread_stop(t);
  },
});
