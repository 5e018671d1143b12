// A TypeScript consumer of the package, type-checked against its .d.ts (check.sh): a scenario
// of its own and a run, with the types a user writes.
import {
  defineScenario,
  IS_ERR,
  kthread_run,
  kthread_should_stop,
  kthread_stop,
  msleep,
  printk,
  type RunResult,
  runScenario,
  type Scenario,
  type task_struct,
} from "tasklab";

export const pinger: Scenario = defineScenario({
  name: "pinger",
  description: "a kthread that sleeps until stopped",
  *main() {
    const t = yield* kthread_run(
      function* (_data: unknown) {
        while (!kthread_should_stop()) yield* msleep(1);
        return 0;
      },
      null,
      "pinger",
    );
    if (IS_ERR(t)) return;
    const task: task_struct = t;
    yield* msleep(3);
    printk(`stopped ${task.comm}: ${yield* kthread_stop(task)}`);
  },
});

const result: RunResult = runScenario(pinger, { cpus: 2 });
// @ts-expect-error: the options are typed (cpus is a number)
runScenario(pinger, { cpus: "two" });
export const reports: number = result.reports.length;
