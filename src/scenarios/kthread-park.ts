/**
 * Parking a per-CPU kernel thread across CPU hotplug: a thread bound to CPU 1 counts its
 * rounds; it is parked, CPU 1 goes offline (its smpboot threads park, its pool workers go
 * unbound) and comes back, then the thread is unparked, bound to CPU 1 again, and goes on.
 * It must never have run anywhere but CPU 1.
 */
import { smp_processor_id } from "../linux/include/current.js";
import { IS_ERR } from "../linux/include/err.js";
import { cpu_down, cpu_up } from "../linux/kernel/cpu.js";
import {
  kthread_parkme,
  kthread_set_per_cpu,
  kthread_should_park,
  kthread_should_stop,
} from "../linux/kernel/kthread.js";
import { kthread_create_on_cpu, kthread_park, kthread_stop, kthread_unpark } from "../linux/kernel/kthread_control.js";
import { printk } from "../linux/kernel/printk/printk.js";
import { wake_up_process } from "../linux/kernel/sched/core.js";
import { msleep } from "../linux/kernel/time/timer.js";
import { defineScenario } from "./scenario.js";

function* percpu_fn(): Generator<number, number, unknown> {
  let rounds = 0;
  while (!kthread_should_stop()) {
    if (kthread_should_park()) {
      printk("percpu_thread: parking");
      yield* kthread_parkme();
      printk("percpu_thread: unparked on CPU %d", smp_processor_id());
      continue;
    }
    if (smp_processor_id() !== 1) printk("percpu_thread: ran on CPU %d", smp_processor_id());
    rounds++;
    yield* msleep(2);
  }
  return rounds;
}

export default defineScenario({
  name: "kthread-park",
  description: "park a per-CPU kthread, take its CPU offline and back, unpark it: it stays bound to its CPU",
  cpus: 2,
  eras: { since: "3.10", why: "kthread_park and kthread_create_on_cpu (3.10+)" },
  *main() {
    const t = yield* kthread_create_on_cpu(percpu_fn, null, 1, "percpu_thread/%u");
    if (IS_ERR(t)) return;
    kthread_set_per_cpu(t, 1);
    yield* wake_up_process(t);
    yield* msleep(10);
    printk("kthread_park: %d", yield* kthread_park(t));
    printk("cpu_down(1): %d", yield* cpu_down(1));
    yield* msleep(10);
    printk("cpu_up(1): %d", yield* cpu_up(1));
    yield* kthread_unpark(t);
    yield* msleep(10);
    printk("kthread_stop: %d rounds", yield* kthread_stop(t));
  },
});
