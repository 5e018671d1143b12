/**
 * kthread creation when memory runs out: the request, then the name, then (in kthreadd)
 * the task_struct cannot be allocated. Each kthread_create returns ERR_PTR(-ENOMEM), and
 * nothing leaks.
 */
import { IS_ERR, PTR_ERR } from "../linux/include/err.js";
import { kthread_create } from "../linux/kernel/kthread.js";
import { kthread_stop } from "../linux/kernel/kthread_control.js";
import { printk } from "../linux/kernel/printk/printk.js";
import { defineScenario } from "./scenario.js";

function* fn() {
  return 0;
}

export default defineScenario({
  name: "kthread-enomem",
  description: "kthread_create when the request, the name or the task_struct cannot be allocated: -ENOMEM",
  // Each fails the first such allocation after boot: the request of the 1st call, the name of the
  // 2nd (the 1st never got that far), the task_struct of the 3rd (the first to reach kthreadd).
  faults: ["kmalloc:kthread_create_info", "kmalloc:full_name", "cache:task_struct"],
  eras: { since: "6.4", why: "the request and the name allocated by the creator before queuing (6.4+)" },
  *main() {
    for (const what of ["no request", "no name", "no task_struct", "enough memory"]) {
      const t = yield* kthread_create(fn, null, "enomem");
      if (IS_ERR(t)) printk("kthread_create with %s: %d", what, PTR_ERR(t));
      else {
        printk("kthread_create with %s: task %d", what, t.pid);
        yield* kthread_stop(t);
      }
    }
  },
});
