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
 * any, any-enomem, any-fault  the kill comes at a step the chooser picks (and, any-fault,
 *     one allocation the chooser picks fails): for `tasklab explore`, which tries every
 *     step and every allocation (a plain run sends no signal and fails nothing).
 */
import { current } from "../linux/include/current.js";
import { type ErrOr, IS_ERR, PTR_ERR } from "../linux/include/err.js";
import { TASK_UNINTERRUPTIBLE } from "../linux/include/sched.js";
import { SIGKILL } from "../linux/include/signal.js";
import type { task_struct } from "../linux/include/task_struct.js";
import { kthread_create, kthread_run } from "../linux/kernel/kthread.js";
import { kthread_stop } from "../linux/kernel/kthread_control.js";
import { printk } from "../linux/kernel/printk/printk.js";
import { allow_signal, fatal_signal_pending } from "../linux/kernel/signal.js";
import { msleep } from "../linux/kernel/time/timer.js";
import { list_empty } from "../linux/lib/list.js";
import type { Machine } from "../machine.js";
import { defineScenario, type Invariant, type Scenario } from "./scenario.js";

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

/** The task named `comm` (for_each_process, without an array: `killable-wait` asks at every modeled call). */
function task_named(m: Machine, comm: string): task_struct | undefined {
  for (const p of m.kernel.init_task.tasks) if (p.comm === comm) return p;
  return undefined;
}

/** What must hold whenever and wherever the kill comes (what `tasklab explore` checks). */
const protocol: readonly Invariant[] = [
  {
    // Whatever the creator got, the new thread goes away: it exits by itself when the
    // creator gave up, or the creator stops it. A thread left behind is stuck forever.
    name: "victim-gone",
    check: (m) => (task_named(m, "victim") === undefined ? null : "the new thread is still there at the end"),
  },
  {
    // A killed creator must be able to leave while kthreadd has not even taken its
    // request (the OOM killer relies on it: kthreadd may be waiting for memory).
    name: "killable-wait",
    always: true,
    check: (m) => {
      if (list_empty(m.kernel.kthread_create_list)) return null;
      const c = task_named(m, "creator");
      if (c === undefined || c.__state !== TASK_UNINTERRUPTIBLE || !fatal_signal_pending(c)) return null;
      return "the creator sleeps uninterruptibly with SIGKILL pending while its request is still queued";
    },
  },
];

export function variant(row: string, description: string, signals: string[], faults: string[] = []): Scenario {
  return defineScenario({
    name: `kthread-creator-killed-${row}`,
    description: `creator killed, spec §2.2 row ${row}: ${description}`,
    signals,
    faults,
    invariants: protocol,
    eras: { since: "3.13", why: "a killable kthread_create wait and the xchg hand-off of the request (3.13+)" },
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
  variant("any", "at a step the explorer chooses (a plain run sends none: the creator gets the task)", [
    "KILL:creator@any",
  ]),
  variant(
    "any-enomem",
    "at a step the explorer chooses, and the fork fails (a plain run sends none: the creator gets -EAGAIN)",
    ["KILL:creator@any"],
    ["alloc_pid,nth=2"],
  ),
  variant(
    "any-fault",
    "at a step the explorer chooses, and one allocation it chooses fails (a plain run does neither)",
    ["KILL:creator@any"],
    ["slab,any"],
  ),
  variant("4t", "after the new thread took the token (the creator gets the task)", ["KILL:creator@victim:complete"]),
  variant(
    "4k",
    "after kthreadd took the token of a failed fork (the creator gets -EAGAIN)",
    ["KILL:creator@kthreadd:complete"],
    ["alloc_pid,nth=2"], // the victim's pid (the first after boot is the creator's)
  ),
];
