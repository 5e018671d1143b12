/**
 * Task exit (kernel/exit.c, 6.19): do_exit releases what the task holds, tells its parent
 * (a parent that ignores SIGCHLD, like kthreadd, reaps it at once: EXIT_DEAD, never a
 * zombie), and switches away for good. The task_struct outlives the task: the last
 * reference is dropped after an RCU grace period (sched_process_free).
 */
import { activeEngine, HALT, type KGen, SWITCH } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EXIT_DEAD, EXIT_ZOMBIE, PF_EXITING, PF_NOFREEZE, TASK_DEAD } from "../include/sched.js";
import { SIG_IGN, SIGCHLD } from "../include/signal.js";
import type { task_struct } from "../include/task_struct.js";
import { trace_sched_process_exit, trace_sched_process_free } from "../include/trace/events/sched.js";
import { K } from "../kernel.js";
import { list_add_tail, list_del_init } from "../lib/list.js";
import { kfree } from "../mm/slab.js";
import { __cleanup_sighand, free_fs_struct_ref, mmput, put_files_struct, put_task_struct } from "./fork.js";
import { free_pid } from "./pid.js";
import { complete } from "./sched/completion.js";
import { __schedule, preempt_disable } from "./sched/core.js";
import { send_sig } from "./signal.js";
import { run_in_irq } from "./time/timer.js";

/** call_rcu: runs `fn` in softirq context on this CPU after a grace period. */
export function call_rcu(fn: () => Generator<number, void, unknown>): void {
  const e = activeEngine();
  const cpu = e.runningCpu;
  e.addTimer(cpu, cpu.clock + K.cfg.rcu_gp_delay, () => run_in_irq(fn()));
}

const delayed_put_task_struct = kfunc(function* delayed_put_task_struct(tsk: task_struct) {
  trace_sched_process_free(tsk);
  put_task_struct(tsk);
});

/** Drops one of the two RCU users (the parent's view and the scheduler's). */
export function put_task_struct_rcu_user(tsk: task_struct): void {
  if (--tsk.rcu_users === 0) call_rcu(() => delayed_put_task_struct(tsk));
}

/** What the switch away from a dead task finishes: its stack and the scheduler's reference. */
export function finish_task_switch_dead(prev: task_struct): void {
  kfree(prev.stack);
  prev.stack = null;
  put_task_struct_rcu_user(prev);
}

function thread_group_leader(p: task_struct): boolean {
  return p.group_leader === p;
}

/** thread_group_empty: the leader is the only task left in its group. */
function thread_group_empty(p: task_struct): boolean {
  return p.signal.nr_threads <= 1;
}

/**
 * release_task: unhashes a reaped task (pid, task list, parent's children) and drops the
 * parent's RCU reference. When it was the last thread of a group whose leader is already a
 * zombie, the leader's parent is told now (and may reap the leader too).
 */
export const release_task: (p: task_struct) => KGen<void> = kfunc(function* release_task(p: task_struct): KGen<void> {
  K.nr_threads--;
  if (p.sighand !== null) {
    __cleanup_sighand(p.sighand);
    p.sighand = null;
  }
  p.signal.nr_threads--;
  if (p.thread_pid !== null) {
    p.thread_pid.task = null;
    free_pid(K.init_pid_ns, p.thread_pid);
    p.thread_pid = null;
  }
  list_del_init(p.tasks);
  list_del_init(p.sibling);
  const leader = p.group_leader;
  let zap_leader = false;
  if (leader !== p && thread_group_empty(leader) && leader.exit_state === EXIT_ZOMBIE) {
    zap_leader = yield* do_notify_parent(leader, leader.exit_signal);
    if (zap_leader) leader.exit_state = EXIT_DEAD;
  }
  put_task_struct_rcu_user(p);
  if (zap_leader) yield* release_task(leader);
});

/** mm_release: completes vfork_done (a vfork parent, or kthread_stop waiting on `exited`). */
const mm_release = kfunc(function* mm_release(tsk: task_struct) {
  const done = tsk.vfork_done;
  if (done !== null) {
    tsk.vfork_done = null;
    yield* complete(done);
  }
});

const exit_mm = kfunc(function* exit_mm() {
  const tsk = current();
  yield* mm_release(tsk);
  const mm = tsk.mm;
  if (mm === null) return;
  tsk.mm = null;
  mmput(mm);
});

function exit_files(tsk: task_struct): void {
  if (tsk.files !== null) {
    put_files_struct(tsk.files);
    tsk.files = null;
  }
}

function exit_fs(tsk: task_struct): void {
  if (tsk.fs !== null) {
    free_fs_struct_ref(tsk.fs);
    tsk.fs = null;
  }
}

/**
 * do_notify_parent: sends the exit signal; returns true when the parent ignores SIGCHLD,
 * in which case the child is reaped at once.
 */
const do_notify_parent = kfunc(function* do_notify_parent(tsk: task_struct, sig: number) {
  const parent = tsk.parent;
  const ignores = sig === SIGCHLD && parent.sighand !== null && parent.sighand.action[SIGCHLD - 1] === SIG_IGN;
  if (!ignores && sig > 0) yield* send_sig(sig, parent, 1);
  return ignores;
});

/**
 * forget_original_parent: the children of an exiting task go to init (the child reaper);
 * those that are already zombies are announced to it.
 */
const forget_original_parent = kfunc(function* forget_original_parent(father: task_struct) {
  const reaper = K.child_reaper;
  if (reaper === null || reaper === father) return;
  for (const child of father.children) {
    list_del_init(child.sibling);
    list_add_tail(child.sibling, reaper.children);
    child.real_parent = reaper;
    child.parent = reaper;
    if (child.exit_state === EXIT_ZOMBIE && thread_group_empty(child)) {
      if (yield* do_notify_parent(child, child.exit_signal)) {
        child.exit_state = EXIT_DEAD;
        yield* release_task(child);
      }
    }
  }
});

/**
 * exit_notify: reparents the children, then tells the parent. A leader whose threads still
 * live stays a zombie and is announced when the last one goes; a parent that ignores
 * SIGCHLD (kthreadd) reaps at once; a non-leader thread is always reaped at once.
 */
const exit_notify = kfunc(function* exit_notify(tsk: task_struct) {
  yield* forget_original_parent(tsk);
  let autoreap = true;
  if (thread_group_leader(tsk)) {
    autoreap = thread_group_empty(tsk) && (yield* do_notify_parent(tsk, tsk.exit_signal));
  }
  tsk.exit_state = autoreap ? EXIT_DEAD : EXIT_ZOMBIE;
  if (autoreap) yield* release_task(tsk);
});

/** do_task_dead: the last schedule(); the task never runs again. */
const do_task_dead = kfunc(function* do_task_dead() {
  const tsk = current();
  tsk.__state = TASK_DEAD;
  tsk.flags |= PF_NOFREEZE;
  preempt_disable();
  __schedule(false);
  yield SWITCH;
  throw new Error(`task ${tsk.comm}/${tsk.pid} ran after do_task_dead`);
});

/** do_exit: ends the current task with `code`. Never returns. */
export const do_exit = kfunc(function* do_exit(code: number) {
  const tsk = current();
  tsk.flags |= PF_EXITING;
  const group_dead = --tsk.signal.live === 0;
  if (group_dead && tsk.tgid === 1) {
    // is_global_init: the machine cannot go on without init. panic() never returns.
    activeEngine().panic(
      `Kernel panic - not syncing: Attempted to kill init! exitcode=0x${(code >>> 0).toString(16).padStart(8, "0")}`,
      ["Call Trace:", ...tsk.sim.backtrace().map((f) => ` ${f}`)],
    );
    for (;;) yield HALT;
  }
  tsk.exit_code = code;
  trace_sched_process_exit(tsk, group_dead);
  yield* exit_mm();
  exit_files(tsk);
  exit_fs(tsk);
  yield* exit_notify(tsk);
  yield* do_task_dead();
});

/** make_task_dead: how an oopsing task leaves (with its preempt count reset, as the kernel does). */
export const make_task_dead = kfunc(function* make_task_dead(signr: number) {
  const tsk = current();
  tsk.preempt_count = 0;
  activeEngine().runningCpu.irqsOff = 0;
  yield* do_exit(signr);
});
