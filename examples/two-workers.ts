// A scenario of your own: two kernel threads that ping-pong through completions, then stop.
import {
  complete,
  defineScenario,
  IS_ERR,
  init_completion,
  kthread_run,
  kthread_should_stop,
  kthread_stop,
  msleep,
  wait_for_completion_timeout,
} from "tasklab";

const ping = init_completion();
const pong = init_completion();

function* pinger() {
  let rounds = 0;
  while (!kthread_should_stop()) {
    yield* complete(ping);
    if ((yield* wait_for_completion_timeout(pong, 10)) > 0) rounds++;
  }
  return rounds;
}

function* ponger() {
  while (!kthread_should_stop()) {
    if ((yield* wait_for_completion_timeout(ping, 10)) > 0) yield* complete(pong);
  }
  return 0;
}

export default defineScenario({
  name: "two-workers",
  description: "two kthreads ping-pong through completions for 20 ms",
  cpus: 2,
  *main() {
    const a = yield* kthread_run(pinger, null, "pinger");
    const b = yield* kthread_run(ponger, null, "ponger");
    if (IS_ERR(a) || IS_ERR(b)) return;
    yield* msleep(20);
    yield* kthread_stop(a);
    yield* kthread_stop(b);
  },
});
