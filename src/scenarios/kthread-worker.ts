/**
 * A kthread worker: three works queued (one twice, which the second time is refused), a
 * delayed work that runs, one that is cancelled before its timer, a flush of one work, a
 * flush of the worker, then destroy. Every step is logged; the trace shows the
 * sched_kthread_work_* events.
 */
import { IS_ERR } from "../linux/include/err.js";
import {
  kthread_cancel_delayed_work_sync,
  kthread_destroy_worker,
  kthread_flush_work,
  kthread_flush_worker,
  kthread_init_delayed_work,
  kthread_init_work,
  kthread_queue_delayed_work,
  kthread_queue_work,
  type kthread_work,
  startKthreadWorker,
} from "../linux/kernel/kthread_worker.js";
import { printk } from "../linux/kernel/printk/printk.js";
import { msleep } from "../linux/kernel/time/timer.js";
import { mdelay } from "../linux/lib/delay.js";
import { defineScenario } from "./scenario.js";

function* work_a(_w: kthread_work) {
  printk("work_a runs");
  yield* mdelay(1);
}

function* work_b(_w: kthread_work) {
  printk("work_b runs");
}

function* work_delayed(_w: kthread_work) {
  printk("work_delayed runs");
}

function* work_cancelled(_w: kthread_work) {
  printk("work_cancelled runs (it must not)");
}

export default defineScenario({
  name: "kthread-worker",
  description: "a kthread worker: queue, a refused requeue, delayed and cancelled work, flush, destroy",
  eras: { since: "4.9", why: "kthread workers (kthread_create_worker, 4.9+)" },
  *main() {
    // As a module built for both sides of 6.14 would: kthread_run_worker where it exists;
    // before, kthread_create_worker wakes the worker itself.
    const worker = yield* startKthreadWorker(0, "my_worker");
    if (IS_ERR(worker)) return;
    const a = kthread_init_work(work_a);
    const b = kthread_init_work(work_b);
    const d = kthread_init_delayed_work(work_delayed);
    const c = kthread_init_delayed_work(work_cancelled);
    printk("queue a: %d", Number(yield* kthread_queue_work(worker, a)));
    printk("queue b: %d", Number(yield* kthread_queue_work(worker, b)));
    printk("queue b again: %d", Number(yield* kthread_queue_work(worker, b)));
    printk("queue delayed (2 jiffies): %d", Number(yield* kthread_queue_delayed_work(worker, d, 2)));
    printk("queue to-cancel (10 jiffies): %d", Number(yield* kthread_queue_delayed_work(worker, c, 10)));
    yield* kthread_flush_work(a);
    printk("flushed a");
    printk("cancel: %d", Number(yield* kthread_cancel_delayed_work_sync(c)));
    yield* msleep(20);
    yield* kthread_flush_worker(worker);
    printk("flushed the worker");
    yield* kthread_destroy_worker(worker);
    printk("destroyed the worker");
  },
});
