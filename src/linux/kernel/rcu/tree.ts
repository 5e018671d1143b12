/**
 * The RCU kthreads a 6.x boot starts (kernel/rcu/tree.c): the grace-period thread, named
 * after the flavour ("rcu_preempt"), and the expedited-GP kthread workers. No grace
 * periods are modeled: they sleep as they do on an idle system (rcu_preempt in I).
 */

import { kfunc } from "../../../sim/functions.js";
import { IS_ERR } from "../../include/err.js";
import { TASK_IDLE } from "../../include/sched.js";
import { kthread_create } from "../kthread.js";
import { kthread_idle_loop } from "../kthread_daemon.js";
import { kthread_run_worker } from "../kthread_worker.js";
import { wake_up_process } from "../sched/core.js";

const rcu_gp_kthread = kfunc(function* rcu_gp_kthread(_unused: unknown) {
  return yield* kthread_idle_loop(TASK_IDLE);
});

/** rcu_spawn_gp_kthread (an early initcall). */
export const rcu_spawn_gp_kthread = kfunc(function* rcu_spawn_gp_kthread() {
  const t = yield* kthread_create(rcu_gp_kthread, null, "%s", "rcu_preempt");
  if (!IS_ERR(t)) yield* wake_up_process(t);
  // rcu_start_exp_gp_kworkers: one parallel worker per leaf node (one here), then the main one.
  yield* kthread_run_worker(0, "rcu_exp_par_gp_kthread_worker/%d", 0);
  yield* kthread_run_worker(0, "rcu_exp_gp_kthread_worker");
});
