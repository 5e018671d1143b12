// A user's scenario file in TypeScript (check.sh): `tasklab run` loads tsx for it, and only for it.
import { defineScenario, kthread_run, kthread_should_stop, kthread_stop, msleep, printk } from "tasklab";

export default defineScenario({
  name: "package-check",
  description: "one kthread, started and stopped",
  *main() {
    const t = yield* kthread_run(
      function* () {
        while (!kthread_should_stop()) yield* msleep(1);
        return 7;
      },
      null,
      "checker",
    );
    yield* msleep(2);
    printk(`kthread_stop returned ${yield* kthread_stop(t as never)}`);
  },
});
