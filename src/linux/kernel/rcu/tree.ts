/**
 * The RCU kthreads of the boot (kernel/rcu/tree.c): the grace-period thread of each flavour
 * (K.era.rcu_gp_threads: "rcu_preempt" since 4.20's flavour consolidation; three before, none
 * before 3.x) and the expedited-GP kthread workers (6.1+; 5.x used the rcu_gp/rcu_par_gp
 * workqueues, whose rescuers workqueue.ts starts). No grace periods are modeled: they sleep
 * as they do on an idle system (rcu_preempt in I).
 */

import { kfunc } from "../../../sim/functions.js";
import { since } from "../../eras/profiles.js";
import { IS_ERR } from "../../include/err.js";
import { TASK_IDLE } from "../../include/sched.js";
import { K } from "../../kernel.js";
import { kthread_create } from "../kthread.js";
import { kthreadIdleLoop } from "../kthread_daemon.js";
import { startKthreadWorker } from "../kthread_worker.js";
import { wake_up_process } from "../sched/core.js";

const rcu_gp_kthread = kfunc(function* rcu_gp_kthread(_unused: unknown) {
  return yield* kthreadIdleLoop(TASK_IDLE);
});

/**
 * rcu_start_exp_gp_kworkers: 6.1–6.8 make the main worker, then one parallel worker (read:
 * kernel/rcu/tree.c of 6.1, 6.4, 6.8); 6.19 one parallel worker per leaf node (one here,
 * "…/0") first, then the main one. The change lies between 6.8 and 6.19.
 */
function* rcu_start_exp_gp_kworkers() {
  if (since(K.era, "6.9")) {
    yield* startKthreadWorker(0, "rcu_exp_par_gp_kthread_worker/%d", 0);
    yield* startKthreadWorker(0, "rcu_exp_gp_kthread_worker");
  } else {
    yield* startKthreadWorker(0, "rcu_exp_gp_kthread_worker");
    yield* startKthreadWorker(0, "rcu_exp_par_gp_kthread_worker");
  }
}

/** rcu_spawn_gp_kthread (an early initcall, 3.x+). */
export const rcu_spawn_gp_kthread = kfunc(function* rcu_spawn_gp_kthread() {
  for (const name of K.era.rcu_gp_threads) {
    const t = yield* kthread_create(rcu_gp_kthread, null, "%s", name);
    if (!IS_ERR(t)) yield* wake_up_process(t);
  }
  if (since(K.era, "6.1")) yield* rcu_start_exp_gp_kworkers();
});
