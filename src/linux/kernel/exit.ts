/**
 * Task exit (kernel/exit.c, 6.19): do_exit releases what the task holds (its address
 * space, with the CLONE_CHILD_CLEARTID write and the vfork hand-back; files; fs;
 * namespaces), gives its children to a new reaper, tells its parent, and switches away for
 * good. A process leader stays a zombie until its parent waits for it (exit_wait.ts); a
 * thread, and the child of a parent that ignores SIGCHLD (kthreadd), is reaped at once.
 * The task_struct outlives the task: the last reference is dropped after an RCU grace
 * period (sched_process_free).
 * Size: just over 400 lines: do_exit's steps in the kernel's order read in one file (waiting
 * for children is in exit_wait.ts).
 */
import { activeEngine, HALT, type KGen, SWITCH, type TimerFn } from "../../sim/engine.js";
import { kfunc, kleaf } from "../../sim/functions.js";
import { put_files_struct } from "../fs/file.js";
import { do_notify_pidfd, wakePidfdPollers } from "../fs/pidfs.js";
import { current } from "../include/current.js";
import { ECHILD } from "../include/errno.js";
import {
  EXIT_DEAD,
  EXIT_ZOMBIE,
  PF_EXITING,
  PF_NOFREEZE,
  TASK_DEAD,
  TASK_INTERRUPTIBLE,
  TASK_KILLABLE,
  TASK_UNINTERRUPTIBLE,
} from "../include/sched.js";
import {
  CLD_DUMPED,
  CLD_EXITED,
  CLD_KILLED,
  type kernel_siginfo,
  SA_NOCLDWAIT,
  SIG_IGN,
  SIGCHLD,
  SIGKILL,
  SIGNAL_GROUP_EXIT,
  valid_signal,
} from "../include/signal.js";
import type { task_struct } from "../include/task_struct.js";
import { trace_sched_process_exit, trace_sched_process_free } from "../include/trace/events/sched.js";
import { __WALL, WNOHANG } from "../include/uapi/wait.js";
import { K } from "../kernel.js";
import { list_add_tail, list_del_init, list_empty } from "../lib/list.js";
import { put_user } from "../mm/memory.js";
import { kfree } from "../mm/slab.js";
import { decNproc } from "./cred.js";
import { kernel_wait4 } from "./exit_wait.js";
import { put_task_struct } from "./fork.js";
import { __cleanup_sighand, mmput, putFsStruct } from "./fork_copy.js";
import { futex_wake, get_futex_key } from "./futex.js";
import { put_nsproxy } from "./nsproxy.js";
import { detachPgrpSession, kill_orphaned_pgrp } from "./pgrp.js";
import { free_pid, ns_of_pid, type pid_namespace, task_active_pid_ns, task_tgid_nr_ns } from "./pid.js";
import { complete } from "./sched/completion.js";
import { __schedule, preempt_disable, wake_up_state } from "./sched/core.js";
import { __wake_up } from "./sched/wait.js";
import { flush_signals, send_signal, sigaddsetPending, signal_wake_up } from "./signal.js";
import { irqTimerFn, schedule_timeout } from "./time/timer.js";

/** call_rcu: runs `fn(arg)` in softirq context on this CPU after a grace period (`fn` from irqTimerFn). */
export function call_rcu<A>(fn: TimerFn<A>, arg: A): void {
  const e = activeEngine();
  const cpu = e.runningCpu;
  e.addTimer(cpu, cpu.clock + K.cfg.rcu_gp_delay, fn, arg);
}

const delayed_put_task_struct = kleaf(function delayed_put_task_struct(tsk: task_struct) {
  trace_sched_process_free(tsk);
  put_task_struct(tsk);
});
/** Models delayed_put_task_struct, run as an RCU callback. */
const delayedPutTaskStructRcu = irqTimerFn(delayed_put_task_struct);

/** Drops one of the two RCU users (the parent's view and the scheduler's). */
export function put_task_struct_rcu_user(tsk: task_struct): void {
  if (--tsk.rcu_users === 0) call_rcu(delayedPutTaskStructRcu, tsk);
}

/**
 * What the switch away from a dead task finishes: its stack and the scheduler's reference.
 * Models finish_task_switch (its TASK_DEAD branch).
 */
export function finishTaskSwitchDead(prev: task_struct): void {
  kfree(prev.stack);
  prev.stack = null;
  put_task_struct_rcu_user(prev);
}

export function thread_group_leader(p: task_struct): boolean {
  return p.group_leader === p;
}

/** thread_group_empty: the leader is the only task left in its group. */
export function thread_group_empty(p: task_struct): boolean {
  return p.signal.nr_threads <= 1;
}

/**
 * release_task: unhashes a reaped task (pid, task list, thread list, parent's children),
 * uncounts it from its user, and drops the parent's RCU reference. When it was the last
 * thread of a group whose leader is already a zombie, the leader's parent is told now (and
 * may reap the leader too).
 */
export const release_task: (p: task_struct) => KGen<void> = kfunc(function* release_task(p: task_struct): KGen<void> {
  K.nr_threads--;
  decNproc(p.cred.uid);
  if (p.sighand !== null) {
    __cleanup_sighand(p.sighand);
    p.sighand = null;
  }
  p.signal.nr_threads--;
  const thread_pid = p.thread_pid;
  if (thread_pid !== null) {
    thread_pid.task = null;
    free_pid(thread_pid);
    p.thread_pid = null;
    // __unhash_process: the task has left its pid; its pidfd pollers see it gone (POLLHUP).
    yield* wakePidfdPollers(thread_pid);
  }
  list_del_init(p.tasks);
  list_del_init(p.sibling);
  list_del_init(p.thread_node);
  // __unhash_process of the last of the group (its leader): it leaves its group and session.
  if (p.group_leader === p) detachPgrpSession(p.signal);
  const leader = p.group_leader;
  let zap_leader = false;
  if (leader !== p && thread_group_empty(leader) && leader.exit_state === EXIT_ZOMBIE) {
    yield* do_notify_pidfd(leader); // the leader's process has now exited as a whole
    zap_leader = yield* do_notify_parent(leader, leader.exit_signal);
    if (zap_leader) leader.exit_state = EXIT_DEAD;
  }
  put_task_struct_rcu_user(p);
  const exec_task = p.signal.group_exec_task;
  if (exec_task !== null) yield* wake_up_state(exec_task, TASK_KILLABLE);
  if (zap_leader) yield* release_task(leader);
});

/**
 * mm_release: what leaving an address space (exit or exec) owes others: clear the
 * CLONE_CHILD_CLEARTID word and wake its futex waiter (pthread_join) when others still
 * use the mm, and complete vfork_done (a vfork parent, or kthread_stop waiting on `exited`).
 */
const mm_release = kfunc(function* mm_release(tsk: task_struct) {
  const mm = tsk.mm;
  if (tsk.clear_child_tid !== 0 && mm !== null) {
    if (mm.mm_users > 1) {
      yield* put_user(0, mm, tsk.clear_child_tid);
      yield* futex_wake(get_futex_key(mm, tsk.clear_child_tid, true), 1);
    }
    tsk.clear_child_tid = 0;
  }
  const done = tsk.vfork_done;
  if (done !== null) {
    tsk.vfork_done = null;
    yield* complete(done);
  }
});

/** exit_mm_release / exec_mm_release: the same hand-back, at exit and at exec. */
export { mm_release };

const exit_mm = kfunc(function* exit_mm() {
  const tsk = current();
  yield* mm_release(tsk);
  const mm = tsk.mm;
  if (mm === null) return;
  tsk.mm = null;
  tsk.active_mm = null;
  yield* mmput(mm);
});

function exit_files(tsk: task_struct): void {
  if (tsk.files !== null) {
    put_files_struct(tsk.files);
    tsk.files = null;
  }
}

function exit_fs(tsk: task_struct): void {
  if (tsk.fs !== null) {
    putFsStruct(tsk.fs);
    tsk.fs = null;
  }
}

function exit_task_namespaces(tsk: task_struct): void {
  if (tsk.nsproxy !== null) {
    put_nsproxy(tsk.nsproxy);
    tsk.nsproxy = null;
  }
}

/** Models do_notify_parent (the siginfo it fills): CLD_EXITED with the exit status, CLD_KILLED or CLD_DUMPED with the signal; the child's pid as its parent sees it. */
function childSiginfo(tsk: task_struct, sig: number): kernel_siginfo {
  const code = tsk.signal.flags & SIGNAL_GROUP_EXIT ? tsk.signal.group_exit_code : tsk.exit_code;
  const ns = task_active_pid_ns(tsk.parent);
  return {
    si_signo: sig,
    si_code: code & 0x80 ? CLD_DUMPED : code & 0x7f ? CLD_KILLED : CLD_EXITED,
    si_pid: ns === null ? tsk.tgid : task_tgid_nr_ns(tsk, ns),
    si_uid: tsk.cred.uid,
    si_status: code & 0x7f ? code & 0x7f : code >> 8,
  };
}

/**
 * do_notify_parent: sends the exit signal and wakes a parent waiting in wait4/waitid;
 * returns true when the parent ignores SIGCHLD or set SA_NOCLDWAIT on it, in which case the
 * child is reaped at once (SIGCHLD is still sent to a handler installed with SA_NOCLDWAIT).
 */
export const do_notify_parent = kfunc(function* do_notify_parent(tsk: task_struct, sig: number) {
  const parent = tsk.parent;
  const sh = parent.sighand;
  const ignores = sig === SIGCHLD && sh !== null && sh.action[SIGCHLD - 1] === SIG_IGN;
  const autoreap =
    ignores || (sig === SIGCHLD && sh !== null && ((sh.sa_flags[SIGCHLD - 1] as number) & SA_NOCLDWAIT) !== 0);
  if (!ignores && sig > 0 && valid_signal(sig)) yield* send_signal(sig, parent, false, false, childSiginfo(tsk, sig));
  yield* __wake_up(parent.signal.wait_chldexit, TASK_INTERRUPTIBLE, 1);
  return autoreap;
});

/**
 * zap_pid_ns_processes: the init of a pid namespace is exiting: no task may join the
 * namespace any more (alloc_pid and fork then fail with -ENOMEM), every other task in it
 * is killed, and the init reaps them all before it goes.
 */
const zap_pid_ns_processes = kfunc(function* zap_pid_ns_processes(ns: pid_namespace) {
  ns.adding = false;
  const me = current();
  // Forced: a nested namespace's init is killed too.
  for (const pid of [...ns.pids.values()]) {
    const t = pid.task;
    if (t !== null && t !== me && t.group_leader === t && t.exit_state === 0) {
      yield* send_signal(SIGKILL, t, true, true);
    }
  }
  // Reap every child, the dying init's own pending signals cleared each time so that the
  // waits sleep; then wait until only the init's own pids are left (children of others
  // are reaped by the tasks they are reparented to, or by this loop once they get here).
  const init_pids = me.group_leader === me ? 1 : 2;
  for (;;) {
    flush_signals(me);
    const r = yield* kernel_wait4(-1, 0, __WALL | (ns.nr_allocated > init_pids ? 0 : WNOHANG), null);
    if (r > 0) continue;
    if (ns.nr_allocated <= init_pids) break;
    if (r === -ECHILD) {
      me.__state = TASK_UNINTERRUPTIBLE;
      yield* schedule_timeout(1);
    }
  }
});

function find_alive_thread(p: task_struct): task_struct | null {
  for (const t of p.signal.thread_head) if (t !== p && !(t.flags & PF_EXITING)) return t;
  return null;
}

/**
 * find_child_reaper: the reaper of the exiting task's pid namespace. When that is the
 * exiting task itself, a live thread of its group takes the role; with none, the namespace
 * dies: no task may join it any more, and all of it is killed and reaped.
 */
function* find_child_reaper(father: task_struct): KGen<task_struct | null> {
  const ns = task_active_pid_ns(father);
  if (ns === null) return K.child_reaper;
  const reaper = ns.child_reaper;
  if (reaper !== father) return reaper;
  const alive = find_alive_thread(father);
  if (alive !== null) {
    ns.child_reaper = alive;
    return alive;
  }
  if (ns.level > 0) yield* zap_pid_ns_processes(ns);
  return father;
}

/**
 * find_new_reaper: a live thread of the exiting task's group; else, below a subreaper, a live
 * thread of the nearest ancestor that is one (PR_SET_CHILD_SUBREAPER) in the same pid
 * namespace; else the namespace's reaper.
 */
function find_new_reaper(father: task_struct, child_reaper: task_struct | null): task_struct | null {
  const thread = find_alive_thread(father);
  if (thread !== null) return thread;
  if (father.signal.has_child_subreaper) {
    const level = father.thread_pid?.level ?? 0;
    for (let r = father.real_parent; r !== K.init_task && r.thread_pid?.level === level; r = r.real_parent) {
      if (!r.signal.is_child_subreaper) continue;
      const t = r.exit_state === 0 && !(r.flags & PF_EXITING) ? r : find_alive_thread(r);
      if (t !== null) return t;
    }
  }
  return child_reaper;
}

/**
 * forget_original_parent: the children of an exiting task go to their new reaper; those
 * that are already zombies are announced to it.
 */
const forget_original_parent = kfunc(function* forget_original_parent(father: task_struct) {
  const child_reaper = yield* find_child_reaper(father);
  if (list_empty(father.children)) return;
  const reaper = find_new_reaper(father, child_reaper);
  if (reaper === null || reaper === father) return;
  for (const child of [...father.children]) {
    list_del_init(child.sibling);
    list_add_tail(child.sibling, reaper.children);
    // Every thread of the child's group gets the new parent (a thread's CLONE_PARENT uses it).
    for (const t of child.signal.thread_head) {
      t.real_parent = reaper;
      t.parent = reaper;
    }
    child.real_parent = reaper;
    child.parent = reaper;
    // A sibling thread adopts: nothing to tell; a child being released by its waiter: neither.
    if (reaper.tgid === father.tgid || child.exit_state === EXIT_DEAD) continue;
    // reparent_leader: the new parent is told with SIGCHLD, whatever the old exit signal was.
    child.exit_signal = SIGCHLD;
    if (child.exit_state === EXIT_ZOMBIE && thread_group_empty(child)) {
      if (yield* do_notify_parent(child, child.exit_signal)) {
        child.exit_state = EXIT_DEAD;
        yield* release_task(child);
      }
    }
    yield* kill_orphaned_pgrp(child, father);
  }
});

/**
 * exit_notify: reparents the children, then tells the parent. A leader whose threads still
 * live stays a zombie and is announced when the last one goes; a parent that ignores
 * SIGCHLD (kthreadd) reaps at once; a non-leader thread is always reaped at once.
 */
const exit_notify = kfunc(function* exit_notify(tsk: task_struct, group_dead: boolean) {
  yield* forget_original_parent(tsk);
  if (group_dead) yield* kill_orphaned_pgrp(tsk.group_leader, null);
  let autoreap = true;
  if (thread_group_leader(tsk)) {
    autoreap = thread_group_empty(tsk) && (yield* do_notify_parent(tsk, tsk.exit_signal));
  }
  tsk.exit_state = autoreap ? EXIT_DEAD : EXIT_ZOMBIE;
  // do_notify_pidfd, once the exit shows (Linux: from do_notify_parent for the last of a group,
  // here for any other thread): pollers of the task's pidfds look again.
  yield* do_notify_pidfd(tsk);
  const exec_task = tsk.signal.group_exec_task;
  if (!autoreap && exec_task !== null) yield* wake_up_state(exec_task, TASK_KILLABLE);
  if (autoreap) yield* release_task(tsk);
});

/** do_task_dead: the last schedule(); the task never runs again. */
const do_task_dead = kfunc(function* do_task_dead(): KGen<never> {
  const tsk = current();
  tsk.__state = TASK_DEAD;
  tsk.flags |= PF_NOFREEZE;
  preempt_disable();
  __schedule(false);
  yield SWITCH;
  throw new Error(`task ${tsk.comm}/${tsk.pid} ran after do_task_dead`);
});

/** do_exit: ends the current task with `code` (a wait status: (status << 8) or a signal). Never returns. */
export const do_exit = kfunc(function* do_exit(code: number): KGen<never> {
  const tsk = current();
  tsk.flags |= PF_EXITING;
  const group_dead = --tsk.signal.live === 0;
  if (group_dead && tsk.tgid === 1 && tsk.thread_pid !== null && ns_of_pid(tsk.thread_pid).level === 0) {
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
  exit_task_namespaces(tsk);
  yield* exit_notify(tsk, group_dead);
  return yield* do_task_dead();
});

/**
 * zap_other_threads: every other thread of the group gets SIGKILL and is woken, so each
 * leaves through do_group_exit as soon as it runs.
 */
export function* zap_other_threads(p: task_struct): KGen<void> {
  for (const t of p.signal.thread_head) {
    if (t === p || t.exit_state !== 0) continue;
    sigaddsetPending(t, SIGKILL);
    yield* signal_wake_up(t, true);
  }
}

/**
 * do_group_exit: the whole thread group exits with `exit_code` (exit_group, or a fatal
 * signal): the first thread to get here sets it for all and kills the others.
 */
export const do_group_exit = kfunc(function* do_group_exit(exit_code: number) {
  const me = current();
  const sig = me.signal;
  let code = exit_code;
  if (sig.flags & SIGNAL_GROUP_EXIT) code = sig.group_exit_code;
  else if (sig.group_exec_task !== null)
    code = 0; // killed by a thread's execve (de_thread)
  else if (sig.nr_threads > 1) {
    sig.group_exit_code = code;
    sig.flags |= SIGNAL_GROUP_EXIT;
    yield* zap_other_threads(me);
  }
  yield* do_exit(code);
});

/** exit(status): this thread only. */
export const __x64_sys_exit = kfunc(function* __x64_sys_exit(error_code: number) {
  yield* do_exit(((error_code | 0) & 0xff) << 8);
});

/** exit_group(status): every thread of the process. */
export const __x64_sys_exit_group = kfunc(function* __x64_sys_exit_group(error_code: number) {
  yield* do_group_exit(((error_code | 0) & 0xff) << 8);
});

/** make_task_dead: how an oopsing task leaves (with its preempt count reset, as the kernel does). */
export const make_task_dead = kfunc(function* make_task_dead(signr: number) {
  const tsk = current();
  if (tsk.pid === 0) {
    activeEngine().panic("Kernel panic - not syncing: Attempted to kill the idle task!", []);
    for (;;) yield HALT;
  }
  tsk.preempt_count = 0;
  activeEngine().runningCpu.irqsOff = 0;
  yield* do_exit(signr);
});
