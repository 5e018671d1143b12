/**
 * A kernel thread with a 40-character name: task->comm, every tracepoint and ftrace's
 * TASK column keep 15 characters; /proc (and so ps) shows the full name, up to 63.
 */
import { IS_ERR } from "../linux/include/err.js";
import { kthread_run } from "../linux/kernel/kthread.js";
import { kthread_stop } from "../linux/kernel/kthread_control.js";
import { sleepUntilStopped } from "../linux/kernel/kthread_daemon.js";
import { msleep } from "../linux/kernel/time/timer.js";
import { defineScenario } from "./scenario.js";

export const LONG_NAME = "long_kthread_name_for_the_proc_view/%d";

export default defineScenario({
  name: "kthread-long-name",
  description: "a kthread whose name has 40 characters: 15 in comm and traces, all of it in /proc and ps",
  *main() {
    const t = yield* kthread_run(sleepUntilStopped, null, LONG_NAME, 1234);
    if (IS_ERR(t)) return;
    yield* msleep(10);
    yield* kthread_stop(t);
    yield* kthread_run(sleepUntilStopped, null, LONG_NAME, 5678); // left running, for ps and /proc
  },
});
