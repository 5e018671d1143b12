/**
 * The creator of a kernel thread is killed while it waits for kthreadd: one scenario per
 * row of the ownership table (spec §2.2). The creator is a kernel thread that accepts
 * SIGKILL; its kthread_create result is logged. Who frees the request and the name in each
 * case is what the tests check, from the slab tracker.
 *
 * 3a  killed before kthreadd took the request: the creator gets -EINTR; the new thread
 *     finds the token gone, frees request and name, exits -EINTR without running threadfn.
 *     3a-late: the same outcome when the kill comes after kthreadd took the request but
 *     before the new thread's xchg.
 * 3b  as 3a, and the fork in kthreadd fails: kthreadd finds the token gone and frees both.
 * 4t  killed after the new thread took the token: the creator waits (D) and gets the task.
 * 4k  the fork fails and kthreadd took the token before the kill: the creator gets the error.
 */
import { current } from "../linux/include/current.js";
import { type ErrOr, IS_ERR, PTR_ERR } from "../linux/include/err.js";
import { SIGKILL } from "../linux/include/signal.js";
import type { task_struct } from "../linux/include/task_struct.js";
import { kthread_create, kthread_run } from "../linux/kernel/kthread.js";
import { kthread_stop } from "../linux/kernel/kthread_control.js";
import { printk } from "../linux/kernel/printk/printk.js";
import { allow_signal } from "../linux/kernel/signal.js";
import { msleep } from "../linux/kernel/time/timer.js";
import { defineScenario, type Scenario } from "./scenario.js";

function* victim_fn() {
  printk("victim: threadfn ran");
  return 0;
}

/** The creator: accepts SIGKILL, creates "victim", logs what it got, stops it if it got one. */
function* creator(): Generator<number, number, unknown> {
  allow_signal(current(), SIGKILL);
  const t: ErrOr<task_struct> = yield* kthread_create(victim_fn, null, "victim");
  if (IS_ERR(t)) {
    printk("creator: kthread_create returned %d", PTR_ERR(t));
    return 0;
  }
  printk("creator: kthread_create returned task %d", t.pid);
  printk("creator: kthread_stop returned %d", yield* kthread_stop(t));
  return 0;
}

export function variant(row: string, description: string, signals: string[], faults: string[] = []): Scenario {
  return defineScenario({
    name: `kthread-creator-killed-${row}`,
    description: `creator killed, spec §2.2 row ${row}: ${description}`,
    signals,
    faults,
    *main() {
      yield* kthread_run(creator, null, "creator");
      yield* msleep(20);
    },
  });
}

export const creatorKilled: readonly Scenario[] = [
  variant("3a", "before kthreadd took the request (-EINTR; the new thread frees it)", [
    "KILL:creator@wait_for_completion_killable",
  ]),
  variant("3a-late", "after kthreadd took the request, before the new thread's xchg (-EINTR; the thread frees it)", [
    "KILL:creator@kthreadd:create_kthread",
  ]),
  variant(
    "3b",
    "before kthreadd took it, and the fork fails (-EINTR; kthreadd frees it)",
    ["KILL:creator@wait_for_completion_killable"],
    ["alloc_pid,nth=2"], // the victim's pid (the first after boot is the creator's)
  ),
  variant("4t", "after the new thread took the token (the creator gets the task)", ["KILL:creator@victim:complete"]),
  variant(
    "4k",
    "after kthreadd took the token of a failed fork (the creator gets -EAGAIN)",
    ["KILL:creator@kthreadd:complete"],
    ["alloc_pid,nth=2"], // the victim's pid (the first after boot is the creator's)
  ),
];
