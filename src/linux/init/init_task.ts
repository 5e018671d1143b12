/**
 * The kernel's static initial state (init/init_task.c, and sched_init's runqueues): what
 * exists before the first line of start_kernel runs.
 */
import type { Engine } from "../../sim/engine.js";
import type { UserBinary } from "../arch/x86/entry/user_mode.js";
import type { Era } from "../eras/profiles.js";
import { init_files } from "../fs/file.js";
import { NICE_TO_PRIO, PF_KTHREAD, SCHED_NORMAL, TASK_RUNNING } from "../include/sched.js";
import { SIG_DFL } from "../include/signal.js";
import type {
  cred,
  files_struct,
  fs_struct,
  sighand_struct,
  signal_struct,
  task_struct,
  user_namespace,
} from "../include/task_struct.js";
import { CAP_FULL_SET, RLIM_INFINITY } from "../kernel/cred.js";
import { lockdep_init } from "../kernel/locking/lockdep.js";
import { init_nsproxy } from "../kernel/nsproxy.js";
import { create_pid_namespace, type pid_namespace } from "../kernel/pid.js";
import { init_completion } from "../kernel/sched/completion.js";
import { fair_sched_class } from "../kernel/sched/fair.js";
import type { rq } from "../kernel/sched/sched.js";
import { init_waitqueue_head } from "../kernel/sched/wait.js";
import type { TraceBuffer } from "../kernel/trace/buffer.js";
import type { Kernel, KernelConfig } from "../kernel.js";
import { cpumask } from "../lib/cpumask.js";
import { list_add_tail, list_head } from "../lib/list.js";
import type { SlabState } from "../mm/slab.js";

/**
 * The fields of init_task set once it exists: those that point back at it, and its engine
 * thread (the machine spawns it, running start_kernel).
 */
type Late = "tasks" | "sibling" | "real_parent" | "parent" | "group_leader" | "sim";

/**
 * init_task (init/init_task.c): pid 0, the boot CPU's idle task, and the static structures
 * it points at (init_fs, init_files, init_sighand, init_signals, init_cred). Every field is
 * checked against task_struct but the late ones.
 */
export function createInitTask(possible: cpumask, user_ns: user_namespace, pid_ns: pid_namespace): task_struct {
  const fs: fs_struct = { users: 1, umask: 0o022, in_exec: false, __slab: null };
  const files: files_struct = init_files();
  const sighand: sighand_struct = {
    count: 1,
    action: new Int32Array(64).fill(SIG_DFL),
    sa_flags: new Int32Array(64),
    sa_mask: new Array<bigint>(64).fill(0n),
    text: [],
    action_shared: false,
    __slab: null,
  };
  const signal: signal_struct = {
    sigcnt: 1,
    nr_threads: 1,
    live: 1,
    oom_score_adj: 0,
    flags: 0,
    group_exit_code: 0,
    group_stop_count: 0,
    thread_head: new list_head<task_struct>(),
    wait_chldexit: init_waitqueue_head(),
    shared_pending: { signal: 0n },
    rlim_nproc: RLIM_INFINITY,
    group_exec_task: null,
    pgrp: null,
    session: null,
    leader: false,
    is_child_subreaper: false,
    has_child_subreaper: false,
    __slab: null,
  };
  const cred: cred = {
    usage: 1,
    uid: 0,
    euid: 0,
    cap_effective: CAP_FULL_SET,
    cap_permitted: CAP_FULL_SET,
    cap_inheritable: 0n,
    keep_caps: false,
    user_ns,
    __slab: null,
  };
  const fields: Omit<task_struct, Late | "thread_node"> & Record<Late, null> = {
    __state: TASK_RUNNING,
    ti_flags: 0,
    preempt_count: 1,
    flags: PF_KTHREAD,
    on_cpu: 0,
    cpu: 0,
    wake_cpu: 0,
    recent_used_cpu: 0,
    wakee_flips: 0,
    last_wakee: null,
    wakee_flip_decay_ts: 0,
    on_rq: 0,
    prio: NICE_TO_PRIO(0),
    static_prio: NICE_TO_PRIO(0),
    normal_prio: NICE_TO_PRIO(0),
    rt_priority: 0,
    sched_class: fair_sched_class,
    se: { vruntime: 0, weight: 1024, exec_start: 0, sum_exec_runtime: 0, prev_sum_exec_runtime: 0, nr_migrations: 0 },
    policy: SCHED_NORMAL,
    nr_cpus_allowed: possible.weight,
    cpus_mask: possible,
    tasks: null,
    mm: null,
    active_mm: null,
    exit_state: 0,
    exit_code: 0,
    exit_signal: 0,
    pid: 0,
    tgid: 0,
    real_parent: null,
    parent: null,
    children: new list_head<task_struct>(),
    sibling: null,
    group_leader: null,
    thread_pid: null,
    vfork_done: null,
    set_child_tid: 0,
    clear_child_tid: 0,
    worker_private: null,
    nvcsw: 0,
    nivcsw: 0,
    last_switch_time: 0,
    held_locks: [],
    blocker: null,
    start_time: 0,
    comm: "swapper",
    fs,
    files,
    signal,
    sighand,
    cred,
    nsproxy: init_nsproxy(pid_ns),
    user: null,
    restart_expires: 0,
    restart_poll: null,
    saved_sigmask: null,
    blocked: 0n,
    pending: { signal: 0n },
    jobctl: 0,
    pref_node_fork: -1,
    usage: 2,
    rcu_users: 2,
    stack: null,
    thread: { fn: null, fn_arg: null, user_mode: false },
    sim: null,
    slab_label: null,
    __slab: null,
  };
  const t = fields as unknown as task_struct;
  t.tasks = new list_head(t);
  t.thread_node = new list_head(t);
  list_add_tail(t.thread_node, signal.thread_head);
  t.sibling = new list_head(t);
  t.real_parent = t;
  t.parent = t;
  t.group_leader = t;
  return t;
}

/** A CPU's runqueue as sched_init leaves it: empty, its idle task current. */
export function createRunqueue(cpu: number, idle: task_struct): rq {
  return {
    cpu,
    nr_running: 0,
    curr: idle,
    idle,
    stop: null,
    stop_queued: false,
    cfs: { queue: [], nr_running: 0, load: 0, min_vruntime: 0 },
    wake_list: [],
    nr_switches: 0,
    last_switch: 0,
    softlockup_reported: false,
  };
}

/** What the machine hands the kernel's initial state: its configuration and the parts it builds. */
export interface KernelParts {
  cfg: KernelConfig;
  era: Era;
  engine: Engine;
  trace: TraceBuffer;
  binaries: Map<string, UserBinary>;
  max_threads: number;
  slab: SlabState;
  /** Whether lockdep runs (CONFIG_PROVE_LOCKING). */
  lockdep: boolean;
}

/**
 * The kernel's global variables at power-on (src/linux/kernel.ts declares them): init_task
 * and the initial namespaces, the boot CPU online, every runqueue empty with pid 0 current.
 */
export function createKernel(p: KernelParts): Kernel {
  const cpus = p.cfg.cpus;
  const all: number[] = [];
  for (let i = 0; i < cpus; i++) all.push(i);
  const possible = cpumask.of(cpus, all);
  const init_user_ns: user_namespace = { count: 1, level: 0, parent: null, owner: 0, __slab: null };
  const init_pid_ns = create_pid_namespace(p.cfg.pid_max, init_user_ns);
  const init_task = createInitTask(possible, init_user_ns, init_pid_ns);
  // Plain loops rather than Array.from({ length }, …): a machine is built for every schedule.
  const runqueues: rq[] = [];
  const idle_tasks: (task_struct | null)[] = [];
  for (let i = 0; i < cpus; i++) {
    runqueues.push(createRunqueue(i, init_task));
    idle_tasks.push(i === 0 ? init_task : null);
  }
  return {
    cfg: p.cfg,
    era: p.era,
    engine: p.engine,
    nr_cpu_ids: cpus,
    cpu_possible_mask: possible,
    cpu_online_mask: cpumask.of(cpus, [0]),
    runqueues,
    wq_online: false,
    init_task,
    idle_tasks,
    init_pid_ns,
    init_user_ns,
    nproc: new Map(),
    next_ns_inum: 0xf0000000,
    tty: [],
    binaries: p.binaries,
    nr_threads: 0,
    total_forks: 0,
    max_threads: p.max_threads,
    kthreadd_task: null,
    child_reaper: null,
    kthread_create_list: new list_head(),
    kthread_create_lock: { name: "kthread_create_lock", owner: null },
    kthreadd_done: init_completion(),
    slab: p.slab,
    hotplug_threads: [],
    unbound_percpu_workers: [],
    warned_once: new Set(),
    lockdep: p.lockdep ? lockdep_init() : null,
    hung_task_last_checked: 0,
    percpu_workers: [],
    cpuhp_state: [],
    trace: p.trace,
    system_state: "booting",
    fail_point: null,
    injection: null,
    pm_freezing: false,
    pm_nosig_freezing: false,
    kthread_stop_info: null,
    legacy_workqueues: [],
  };
}
