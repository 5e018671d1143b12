/**
 * kthread_stop on a thread that was created but never woken: kthread() sees
 * KTHREAD_SHOULD_STOP at its first wakeup, never calls threadfn, and exits with -EINTR,
 * which kthread_stop returns.
 */
import { IS_ERR } from "../linux/include/err.js";
import { kthread_create } from "../linux/kernel/kthread.js";
import { kthread_stop } from "../linux/kernel/kthread_control.js";
import { printk } from "../linux/kernel/printk/printk.js";
import { defineScenario } from "./scenario.js";

function* never_runs() {
  printk("never_runs: threadfn ran (it must not)");
  return 0;
}

export default defineScenario({
  name: "kthread-stop-unwoken",
  description: "kthread_stop on a created but never woken thread: -EINTR, threadfn never runs",
  *main() {
    const t = yield* kthread_create(never_runs, null, "unwoken");
    if (IS_ERR(t)) return;
    const ret = yield* kthread_stop(t);
    printk("kthread_stop returned %d", ret);
  },
});
