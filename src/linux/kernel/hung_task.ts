/**
 * The hung task detector (kernel/hung_task.c): a task asleep in TASK_UNINTERRUPTIBLE (not
 * killable, not TASK_IDLE, not frozen) that has not run for more than
 * hung_task_timeout_secs is reported with its stack, once per sleep.
 *
 * khungtaskd's loop is not modeled (its wakeups would change every trace): the check runs
 * from the tick once every hung_task_timeout_secs (khungtaskd's default interval), and once
 * more when a run ends (scenarios/detectors.ts). The scheduler records when each task last
 * switched out, so the blocked time is exact, not sampled at the checks.
 */
import { TASK_FROZEN, TASK_NOLOAD, TASK_UNINTERRUPTIBLE, TASK_WAKEKILL } from "../include/sched.js";
import type { task_struct } from "../include/task_struct.js";
import { K } from "../kernel.js";
import { sched_show_task } from "./sched/core.js";

/** CONFIG_DEFAULT_HUNG_TASK_TIMEOUT (seconds). */
export const DEFAULT_HUNG_TASK_TIMEOUT = 120;

/**
 * Whether t sleeps the way the check watches: D, not killable, not idle, not frozen, switched out.
 * Models task_is_hung (6.13+; before, the state test in check_hung_uninterruptible_tasks).
 */
function isHungTaskCandidate(t: task_struct): boolean {
  const state = t.__state;
  if (!(state & TASK_UNINTERRUPTIBLE) || state & (TASK_WAKEKILL | TASK_NOLOAD | TASK_FROZEN)) return false;
  return t.on_cpu === 0 && t.nvcsw + t.nivcsw > 0;
}

/** Reports t if its sleep passed the timeout since the previous check (`last`). */
function check_hung_task(t: task_struct, timeout: number, now: number, last: number): void {
  if (!isHungTaskCandidate(t) || now - t.last_switch_time <= timeout || last - t.last_switch_time > timeout) return;
  K.engine.report({
    kind: "hung-task",
    title: `INFO: task ${t.comm}:${t.pid} blocked for more than ${Math.floor((now - t.last_switch_time) / 1e9)} seconds.`,
    lines: [
      `"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" (tasklab: --hung-task-timeout 0) disables this message.`,
      ...sched_show_task(t),
    ],
    time: now,
  });
}

/** check_hung_uninterruptible_tasks: every thread of every process, at virtual time `now`. */
export function check_hung_uninterruptible_tasks(now: number): void {
  const timeout = K.cfg.hung_task_timeout_secs * 1e9;
  const last = K.hung_task_last_checked;
  K.hung_task_last_checked = now;
  if (timeout <= 0) return;
  for (const g of K.init_task.tasks) for (const t of g.signal.thread_head) check_hung_task(t, timeout, now, last);
}
