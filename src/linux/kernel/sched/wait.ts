/**
 * Wait queues (kernel/sched/wait.c): a list of sleeping tasks; a waker wakes all
 * non-exclusive waiters and up to nr_exclusive exclusive ones. The sleeper sets its state
 * before testing its condition, so a wakeup between the test and schedule() is not lost.
 */
import type { KGen } from "../../../sim/engine.js";
import { kfunc } from "../../../sim/functions.js";
import { current } from "../../include/current.js";
import { TASK_RUNNING } from "../../include/sched.js";
import type { task_struct, wait_queue_entry, wait_queue_head } from "../../include/task_struct.js";
import { list_add_tail, list_del_init, list_empty, list_head } from "../../lib/list.js";
import { schedule, try_to_wake_up } from "./core.js";

export function init_waitqueue_head(): wait_queue_head {
  return { lock: { name: "&wq_head->lock", owner: null }, head: new list_head<wait_queue_entry>() };
}

export function init_wait_entry(task: task_struct, exclusive: boolean): wait_queue_entry {
  const w: wait_queue_entry = { task, exclusive, node: null as unknown as list_head<wait_queue_entry> };
  w.node = new list_head(w);
  return w;
}

/** Queues `w` (if not queued yet) and sets the caller's state (and what it waits on). */
export function prepare_to_wait(wq: wait_queue_head, w: wait_queue_entry, state: number): void {
  if (list_empty(w.node)) list_add_tail(w.node, wq.head);
  const me = current();
  me.__state = state;
  me.blocker = wq;
}

export function finish_wait(_wq: wait_queue_head, w: wait_queue_entry): void {
  const me = current();
  me.__state = TASK_RUNNING;
  me.blocker = null;
  if (!list_empty(w.node)) list_del_init(w.node);
}

/** __wake_up: wakes the waiters of wq that sleep in `mode` (exclusive ones: nr_exclusive). */
export const __wake_up = kfunc(function* __wake_up(wq: wait_queue_head, mode: number, nr_exclusive: number) {
  let left = nr_exclusive;
  for (const w of wq.head) {
    const woke = yield* try_to_wake_up(w.task, mode, 0);
    if (woke && w.exclusive && --left === 0) break;
  }
});

/** wait_event: sleeps in `state` until `condition()` holds. */
export function* wait_event(wq: wait_queue_head, state: number, condition: () => boolean): KGen {
  const w = init_wait_entry(current(), false);
  for (;;) {
    prepare_to_wait(wq, w, state);
    if (condition()) break;
    yield* schedule();
  }
  finish_wait(wq, w);
}
