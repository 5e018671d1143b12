/**
 * Kernel eras: one profile per modeled release, 2.6.24 to 6.19. A profile is data: every
 * behaviour that changed between releases is a named field, derived below from the release
 * number by one rule each, so a reader sees each boundary once. The model's functions read
 * `K.era` at the one place a behaviour differs; what did not change is written once.
 *
 * Boundaries come from the trees listed in ../shared/reference/linux-task-creation.md §0;
 * where the spec only brackets a change (§7), the comment says which two trees were read,
 * and the boundary sits at the first modeled release that has it.
 *
 * Size: long because it is the one table of every era difference the model has: each field with
 * its reason and the release it changed in, so a reader finds every boundary in one place.
 */
import { knownTable } from "../../sim/code.js";

/** The releases that can be selected (`--kernel`). */
export const ERA_NAMES = [
  "2.6.24",
  "2.6.32",
  "3.10",
  "3.13",
  "4.4",
  "4.9",
  "4.14",
  "4.19",
  "5.4",
  "5.10",
  "5.17",
  "6.1",
  "6.4",
  "6.8",
  "6.19",
] as const;

export type EraName = (typeof ERA_NAMES)[number];

/** The kthread creation eras of the spec's §1.1. */
export type KthreadEra = 1 | 2 | 3 | 4 | 5 | 6;

export interface Era {
  readonly name: EraName;
  /** major·10000 + minor·100 + patch (2.6.24 → 20624): for ordering. */
  readonly code: number;
  /** What this release changed, in one line (relative to the previous profile). */
  readonly summary: string;

  // ---- kthread creation (spec §1.1, §2.1, §2.2, §3)
  /** E1 on-stack request + two completions; E2 one completion; E3 heap request, killable wait, xchg; E4 struct kthread by the thread; E5 by copy_process; E6 name passed to copy_process. */
  readonly kthread: KthreadEra;
  /** kthreadd's nice level, inherited by every kthread it forks (2.6.24: −5). */
  readonly kthreadd_nice: number;
  /** What a creator killed before its request was claimed returns (null: the wait is not killable). */
  readonly kthread_killed_errno: "ENOMEM" | "EINTR" | null;
  /** Where struct kthread lives: nowhere (2.6.24: one global stop info), on the thread's stack, allocated by the thread, by copy_process. */
  readonly kthread_struct: "none" | "stack" | "thread" | "copy_process";
  /** How the thread gets its name: creator writes comm (≤4.9), creator calls set_task_comm (4.14–6.3, task_rename), copy_process (6.4+). */
  readonly kthread_naming: "comm" | "set_task_comm" | "copy_process";
  /** Which kthreads keep the full formatted name: none (≤5.16), those of 16+ characters (5.17–6.3), all (6.4+). */
  readonly kthread_full_name: "none" | "long" | "always";
  /** Who resets policy and CPU mask after creation: nobody (2.6.24), the creator (E2–E4), the thread itself (E5+). */
  readonly kthread_reset_by: "none" | "creator" | "thread";
  /** kthread_stop sets TIF_NOTIFY_SIGNAL before waking (between 5.17 and 6.1). */
  readonly kthread_stop_notify_signal: boolean;
  /** An unbound kthread affines itself to its node when first woken (6.14+). */
  readonly kthread_affine_node: boolean;
  /** kthread_create_worker* wake the worker (until 6.13; 6.14+ leave it asleep). */
  readonly kthread_worker_wakes: boolean;
  /**
   * The park protocol: up to 4.14 a KTHREAD_IS_PARKED bit (kthread_park returns 0 at once for
   * a parked thread, the thread completes `parked` once per park, kthread_unpark wakes only a
   * parked thread); from 4.19 SHOULD_PARK alone, a second request WARNs and returns −EBUSY,
   * and the parker also waits until the thread is off its CPU (read: kernel/kthread.c of
   * 4.14.177 and 4.19).
   */
  readonly kthread_park_protocol: "is_parked" | "should_park";
  /** The kthread API calls this release has (by their Linux names). */
  readonly kthread_api: ReadonlySet<string>;
  /** Where the creator's kthread_create_info lives: on its stack (≤3.12), on the heap (3.13+, so a killed creator may leave). */
  readonly kthread_request: "stack" | "heap";
  /** The request's `done` pointer is a token taken with xchg by whoever completes or frees the request (3.13+). */
  readonly kthread_token: boolean;
  /** 2.6.24: the new thread completes the request's `started`; kthreadd waits for it and completes `done` itself, and the creator wakes kthreadd with the list lock held. */
  readonly kthread_started: boolean;
  /** The function whose body creates a kthread: kthread_create (2.6.24, 2.6.32), kthread_create_on_node (3.10–4.8), __kthread_create_on_node (4.9+, shared with the workers). */
  readonly kthread_create_body: "kthread_create" | "kthread_create_on_node" | "__kthread_create_on_node";
  /** How a new kthread tells its creator it exists and sleeps: a plain complete + schedule (≤4.19), or with preemption off in between (5.4+). */
  readonly kthread_handoff: "schedule" | "preempt_disabled";
  /** How a kthread ends: do_exit(ret), whose exit code kthread_stop returns (≤5.16), or kthread_exit(ret) storing it in struct kthread (5.17+). */
  readonly kthread_end: "do_exit" | "kthread_exit";
  /** kthread_bind also marks the thread PF_NO_SETAFFINITY (2.6.32+; PF_THREAD_BOUND by its older name). */
  readonly kthread_bind_flag: boolean;
  /** kthread_bind on a thread that has started WARNs (6.14+). */
  readonly kthread_bind_warns_started: boolean;
  /** kthread_create_on_cpu parks its thread (the unpark binds it, 3.10–4.8) or binds it at once (4.9+). */
  readonly kthread_on_cpu: "park" | "bind";
  /** Who marks a per-CPU kthread KTHREAD_IS_PER_CPU: kthread_create_on_cpu (≤5.16) or smpboot's kthread_set_per_cpu (5.17+). */
  readonly kthread_per_cpu_by: "kthread_create_on_cpu" | "smpboot";

  // ---- the memory daemons' task flags (mm/vmscan.c kswapd, mm/compaction.c kcompactd)
  /**
   * PF_KSWAPD's value: 0x00040000 (≤4.11, after PF_FSTRANS) or 0x00020000 (4.12+: "mm: introduce
   * memalloc_nofs_{save,restore} API" dropped PF_FSTRANS, moved PF_KSWAPD down and put
   * PF_MEMALLOC_NOFS at 0x00040000; merged for 4.12). Read: include/linux/sched.h of 2.6.24 and
   * 3.10.105 (0x00040000), 6.1.20 and 6.19 (0x00020000); the modeled releases bracket it 4.9–4.14.
   */
  readonly pf_kswapd: 0x00040000 | 0x00020000;
  /**
   * kswapd also sets PF_SWAPWRITE (≤5.17; "mm/fs: delete PF_SWAPWRITE" went into 5.18, leaving
   * a hole at 0x00800000). Read: mm/vmscan.c of 2.6.24 and 3.10.105 (set), 6.1.20 (gone); the
   * modeled releases bracket it 5.17–6.1.
   */
  readonly pf_swapwrite: boolean;
  /**
   * kcompactd marks itself PF_KCOMPACTD (0x00010000) while it runs (6.14+: the NFS release_folio
   * deadlock fix, merged in 6.14-rc6 and taken into the 6.13 stable series). Read: mm/compaction.c
   * of 6.1.20 (set_freezable only) and 6.19 (the flag); the modeled releases bracket it 6.8–6.19.
   */
  readonly pf_kcompactd: boolean;

  // ---- fork (spec §1.3, §1.4, §2.3, §5)
  /** The function that does the fork: do_fork (≤3.x), _do_fork (4.x–5.9), kernel_clone (5.10+). */
  readonly fork_fn: "do_fork" | "_do_fork" | "kernel_clone";
  /** struct kernel_clone_args carries the request (5.3+); before, flags hold the exit signal. */
  readonly clone_args: boolean;
  /** The clone3 system call exists (5.3+). */
  readonly clone3: boolean;
  /**
   * The flags pidfd_open takes: none (5.3), PIDFD_NONBLOCK (5.10+), and PIDFD_THREAD (6.9+);
   * others are −EINVAL. Read: kernel/pid.c of 5.4, the PIDFD_NONBLOCK patch (5.10), 6.19.
   */
  readonly pidfd_open_flags: "none" | "nonblock" | "thread";
  /**
   * pidfd_open of a pid that is no thread-group leader's, without PIDFD_THREAD: −EINVAL
   * (pid_has_task(PIDTYPE_TGID) in pidfd_open, then in pidfd_prepare: read 5.4 and 6.9) or
   * −ENOENT (pidfd_prepare of 6.19; placed at 6.15, the pidfs rework, not read release by release).
   */
  readonly pidfd_not_leader_errno: "EINVAL" | "ENOENT";
  /** kernel_thread: a pt_regs frame for kernel_thread_helper (2.6.x x86), fn/arg in the stack arguments (3.x–6.0), fn/fn_arg/kthread in kernel_clone_args (6.1–6.3), plus the name (6.4+). */
  readonly kernel_thread: "pt_regs" | "stack_args" | "args_fn" | "args_name";
  /**
   * Where a new task's PF_KTHREAD comes from: the parent (copied with the task_struct, ≤6.0;
   * 2.6.24 has no such flag, a kernel thread is one without an mm, and the model keeps the
   * flag as that mark) or kernel_clone_args.kthread (6.1+: user_mode_thread makes none).
   * Read: kernel/fork.c of 5.17 (set_kthread_struct when the inherited flag is set) and 6.1.
   */
  readonly pf_kthread: "inherited" | "args";
  /** The state sched_fork leaves the child in: R (before 4.9) or TASK_NEW. */
  readonly sched_fork_state: "R" | "NEW";
  /** wake_up_new_task: activate on the CPU sched_fork chose (2.6.24); TASK_WAKING then select (2.6.32); select under pi_lock (3.10+). */
  readonly wake_up_new_task: "activate" | "waking" | "pi_lock";
  /** sched_fork and wake_up_new_task place the child with set_task_cpu, so sched_migrate_task traces it even on the same CPU (≤4.4; __set_task_cpu from 4.8, read: 3.10.105, 6.1.20). */
  readonly fork_set_task_cpu: boolean;
  /** A wakeup onto an idle CPU goes to that CPU's wake list, traced there (6.1+; absent 5.17). */
  readonly ttwu_queue_idle: boolean;
  /** The scheduler's wakeup preemption check: check_preempt_curr, renamed wakeup_preempt in 6.8 (absent 6.4). */
  readonly wakeup_preempt_name: "check_preempt_curr" | "wakeup_preempt";
  /** The vfork parent's wait: uninterruptible (≤2.6.32), killable (3.x–5.x), +uninterruptible+freezable (6.1–6.4), killable+freezable (6.8+). */
  readonly vfork_wait: "D" | "KILLABLE" | "D|KILLABLE|FREEZABLE" | "KILLABLE|FREEZABLE";
  /** errno when the pid space is exhausted: ENOMEM (≤3.13, alloc_pid returned NULL), EAGAIN (4.1+). */
  readonly pid_exhausted_errno: "ENOMEM" | "EAGAIN";
  /** The pending-signal check (−ERESTARTNOINTR): late, under the locks (≤4.14); early, before allocating (4.19+), which also adds the late fatal-signal −EINTR. */
  readonly fork_signal_check: "late" | "early";
  /** pid 1 is forked by kernel_thread with CLONE_FS|CLONE_SIGHAND (≤3.13), with CLONE_FS (4.x–5.x), by user_mode_thread (6.1+). */
  readonly init_thread: "kernel_thread_sighand" | "kernel_thread" | "user_mode_thread";
  /** pid 1 is pinned to the boot CPU at creation (present 4.14, absent 4.4). */
  readonly init_pinned: boolean;
  /** pid 1 is also marked PF_NO_SETAFFINITY while pinned (init/main.c: present 5.17, absent 5.10). */
  readonly init_no_setaffinity: boolean;
  /** The flag-combination rows of §2.3 that exist in this release. */
  readonly clone_checks: {
    /** CLONE_NEWUSER with CLONE_FS → EINVAL (3.10+). */
    readonly newuser_fs: boolean;
    /** CLONE_PARENT from an unkillable init → EINVAL (2.6.32+). */
    readonly parent_from_init: boolean;
    /** Which flag may not meet NEWUSER/NEWPID or a foreign pid ns: none (≤3.10's own rules aside), SIGHAND (3.13–4.1), THREAD (4.4+). */
    readonly ns_vs: "none" | "sighand" | "thread";
    /** CLONE_PIDFD exists (5.2+). */
    readonly pidfd: boolean;
    /** CLONE_PIDFD together with CLONE_THREAD is allowed (6.9+). */
    readonly pidfd_thread: boolean;
    /**
     * do_fork's own namespace rows: 2.6.32 (CLONE_NEWUSER with CLONE_THREAD → EINVAL, without
     * CAP_SYS_ADMIN → EPERM), 3.10.105 (NEWUSER or NEWPID with THREAD or PARENT → EINVAL; in
     * copy_process SIGHAND or NEWPID from a foreign pid ns → EINVAL); none elsewhere.
     */
    readonly do_fork_newuser: "none" | "2.6.32" | "3.10";
    /** clone3's set_tid (5.5+, rules of 5.10). */
    readonly set_tid: boolean;
  };

  // ---- tracing (spec §6)
  /** The sched/task tracepoints exist (2.6.24 predates ftrace). */
  readonly tracepoints: boolean;
  /** Width of the pid in the line prefix: 5 (≤4.19) or 7 (5.10+). */
  readonly trace_pid_width: 5 | 7;
  /** Characters of the irq-info column: 4, or 5 with the migrate-disable digit (5.17+). */
  readonly trace_irq_chars: 4 | 5;
  /** 2.6.32's own event formats (`task %s:%d [%d] …`, `parent %s:%d  child %s:%d`). */
  readonly trace_legacy_formats: boolean;
  /** Wakeup events print success= (2.6.32–4.1). */
  readonly trace_wakeup_success: boolean;
  /** sched_waking exists (4.4+). */
  readonly trace_sched_waking: boolean;
  /** task_newtask and task_rename exist (3.10+). */
  readonly trace_task_events: boolean;
  /** task_rename prints pid= (3.10–6.8). */
  readonly trace_rename_pid: boolean;
  /** sched_process_exit prints group_dead= (between 6.8 and 6.19). */
  readonly trace_exit_group_dead: boolean;
  /** task_newtask's clone_flags keep the exit signal in the low byte (before 5.3). */
  readonly trace_flags_with_signal: boolean;
  /** The sched_kthread_work_* events exist (present 5.17, absent 5.10). */
  readonly trace_kthread_work: boolean;
  /**
   * function_graph's duration marks: + ! only, or + ! # * @ $ (trace_find_mark's table). Read:
   * kernel/trace/trace_functions_graph.c of 3.13 (two marks) and 4.1 (the table, as in 4.4–6.19).
   */
  readonly funcgraph_marks: "+!" | "+!#*@$";
  /** The trace line has the irq-info column (3.x+; 2.6.32's trace_print_context prints none). */
  readonly trace_irq_info: boolean;
  /**
   * The header prints "# entries-in-buffer/entries-written" (3.x+). 4.19.0 (the tree read) does
   * not: its print_func_help_header_irq lost the print_event_info call that 4.14.177 and 5.4.286 have.
   */
  readonly trace_header_entries: boolean;
  /** sched_process_exec exists (absent 2.6.32, present 3.10). */
  readonly trace_process_exec: boolean;
  /**
   * sched_prepare_exec exists (6.10+: Marco Elver's "tracing: Add sched_prepare_exec
   * tracepoint"; read: absent from 6.1.20's and present in 6.19's include/trace/events/sched.h,
   * called at the top of begin_new_exec).
   */
  readonly trace_prepare_exec: boolean;
  /**
   * sched_switch's prev_state as TP_fast_assign stores it and TP_printk prints it (include/trace/
   * events/sched.h of 2.6.32, 3.10, 3.13, 4.1, 4.4, 4.10, 4.14, 4.19, 5.17, 6.1): `raw` the task's
   * state bits (before 4.14) or 1 << task_state_index; `letters` the __print_flags table, bit i ↔
   * letter i; `max` the bit that marks a preempted task "R+" (TASK_STATE_MAX, TASK_REPORT_MAX; 0:
   * 2.6.32 has none); `plus_needs_preempt` the mark only under CONFIG_PREEMPT (≤4.1); `reread` the
   * state read in the tracepoint, after a pending signal set it running (≤5.17), not passed in.
   */
  readonly trace_prev_state: {
    readonly raw: boolean;
    readonly letters: string;
    readonly max: number;
    readonly plus_needs_preempt: boolean;
    readonly reread: boolean;
  };

  // ---- boot (spec §4)
  /** Idle tasks are all "swapper" (≤2.6.32) or "swapper/N". */
  readonly idle_comm: "swapper" | "swapper/N";
  /** Workqueue threads: one per workqueue and CPU ("events/0", ≤2.6.32) or pools of kworkers (3.x+). */
  readonly workqueue_threads: "per_wq" | "kworker";
  /** A rescuer is named after its workqueue (≤6.4) or "kworker/R-<wq>" (6.8+). */
  readonly rescuer_prefix: "" | "kworker/R-";
  /** Per-CPU softlockup watchdog threads "watchdog/N" (2.6.24–4.14: 2.6.24's kernel/softlockup.c has them; present 4.14, absent 4.19). */
  readonly watchdog_threads: boolean;
  /** Per-CPU hotplug threads "cpuhp/N" (present 4.9, absent 4.4). */
  readonly cpuhp_threads: boolean;
  /** Idle kernel threads (kworkers, rescuers, RCU's) sleep in TASK_IDLE, shown I (4.14+); before, in S. */
  readonly task_idle: boolean;
  /**
   * How per-CPU kthreads (migration/N, ksoftirqd/N, watchdog/N) are made: by each subsystem's
   * CPU notifier with kthread_create + kthread_bind, woken at CPU_ONLINE (≤2.6.32: read
   * kernel/softirq.c, kernel/sched.c, kernel/softlockup.c of 2.6.24 and 2.6.32), or by
   * smpboot, created parked and unparked (3.10: kernel/smpboot.c).
   */
  readonly percpu_threads: "notifier" | "smpboot";
  /**
   * The RCU grace-period kthreads, in spawn order: none (≤2.6.32, grace periods ran in
   * softirq), one per flavour (3.10: preempt, bh, sched; 3.13–4.19: preempt, sched, bh — the
   * flavour list is head-inserted, read in kernel/rcu/tree.c's rcu_init), one (5.4+).
   */
  readonly rcu_gp_threads: readonly string[];
}

/** "4.19" → 41900, "2.6.24" → 20624. */
export function versionCode(v: string): number {
  let code = codes.get(v);
  if (code === undefined) {
    const [a = 0, b = 0, c = 0] = v.split(".").map(Number);
    code = a * 10000 + b * 100 + c;
    codes.set(v, code);
  }
  return code;
}

/** Parsed version numbers (the model asks about the same few releases over and over). */
const codes = new Map<string, number>();

const SUMMARIES: Readonly<Record<EraName, string>> = {
  "2.6.24": "E1: on-stack request, kthreadd waits for each new thread (started), kthreads at nice −5, no tracepoints",
  "2.6.32":
    "E2: one completion, struct kthread on the thread's stack, the creator resets policy and mask; sched tracepoints",
  "3.10": "smpboot per-CPU threads, kworker pools, kthread_park, task_newtask/task_rename, swapper/N, killable vfork",
  "3.13": "E3: heap request, killable creator wait with the xchg hand-off (a killed creator gets −ENOMEM)",
  "4.4":
    "_do_fork with tls; sched_waking; six function_graph marks; pid exhaustion −EAGAIN; a killed creator gets −EINTR; THREAD vs new pid ns",
  "4.9": "E4: struct kthread allocated by the thread; TASK_NEW after sched_fork; cpuhp/N; kthread_create_worker",
  "4.14":
    "the creator names the thread with set_task_comm (task_rename); pid 1 pinned to the boot CPU; idle kthreads in TASK_IDLE (I); PF_KSWAPD 0x20000",
  "4.19":
    "early −ERESTARTNOINTR, late fatal −EINTR; kthread_park −EBUSY and waits for the CPU (no IS_PARKED); watchdog/N gone",
  "5.4": "struct kernel_clone_args, clone3, exit signal out of clone_flags, CLONE_PIDFD",
  "5.10": "_do_fork renamed kernel_clone; pid column 7 wide; clone3 set_tid",
  "5.17":
    "E5: copy_process allocates struct kthread, the thread resets itself, kthread_exit, long names kept; 5-char irq column",
  "6.1":
    "kernel_thread passes fn/fn_arg/kthread; pid 1 a user_mode_thread; kthread_stop sets TIF_NOTIFY_SIGNAL; wakeups onto an idle CPU via its wake list; no PF_SWAPWRITE",
  "6.4": "E6: the name is formatted up front and set in copy_process (no task_rename for kthreads)",
  "6.8":
    "kworker/R- rescuers; kthread_stop_put; kthread_should_stop_or_park; killable+freezable vfork wait; wakeup_preempt",
  "6.19":
    "kthreads affine to their node when first woken; workers created asleep; CLONE_PIDFD with CLONE_THREAD; group_dead=; PF_KCOMPACTD",
};

/** kthread API calls by the first modeled release that has them. */
const KTHREAD_API_SINCE: Readonly<Record<string, EraName>> = {
  kthread_create: "2.6.24",
  kthread_create_on_node: "3.10",
  kthread_run: "2.6.24",
  kthread_bind: "2.6.24",
  kthread_stop: "2.6.24",
  kthread_should_stop: "2.6.24",
  kthread_create_on_cpu: "3.10",
  kthread_park: "3.10",
  kthread_unpark: "3.10",
  kthread_parkme: "3.10",
  kthread_should_park: "3.10",
  kthread_bind_mask: "4.4",
  kthread_freezable_should_stop: "3.10",
  kthread_create_worker: "4.9",
  kthread_create_worker_on_cpu: "4.9",
  kthread_queue_delayed_work: "4.9",
  kthread_cancel_delayed_work_sync: "4.9",
  kthread_destroy_worker: "4.9",
  kthread_exit: "5.17",
  kthread_complete_and_exit: "5.17",
  kthread_run_on_cpu: "6.1",
  kthread_stop_put: "6.8",
  kthread_should_stop_or_park: "6.8",
  kthread_run_worker: "6.19",
};

/** The profile of one release: every field by its one rule. */
function profile(name: EraName): Era {
  const code = versionCode(name);
  const since = (v: string) => code >= versionCode(v);
  const kthread: KthreadEra = since("6.4")
    ? 6
    : since("5.17")
      ? 5
      : since("4.9")
        ? 4
        : since("3.13")
          ? 3
          : since("2.6.29")
            ? 2
            : 1;
  return {
    name,
    code,
    summary: SUMMARIES[name],
    kthread,
    kthreadd_nice: since("2.6.25") ? 0 : -5,
    kthread_killed_errno: kthread < 3 ? null : since("4.1") ? "EINTR" : "ENOMEM",
    kthread_struct: kthread === 1 ? "none" : kthread <= 3 ? "stack" : kthread === 4 ? "thread" : "copy_process",
    kthread_naming: kthread === 6 ? "copy_process" : since("4.14") ? "set_task_comm" : "comm",
    kthread_full_name: kthread === 6 ? "always" : kthread === 5 ? "long" : "none",
    kthread_reset_by: kthread === 1 ? "none" : kthread <= 4 ? "creator" : "thread",
    kthread_stop_notify_signal: since("6.1"),
    kthread_affine_node: since("6.14"),
    kthread_worker_wakes: !since("6.14"),
    kthread_park_protocol: since("4.19") ? "should_park" : "is_parked",
    kthread_api: new Set(Object.keys(KTHREAD_API_SINCE).filter((f) => since(KTHREAD_API_SINCE[f] as string))),
    kthread_request: kthread <= 2 ? "stack" : "heap",
    kthread_token: kthread >= 3,
    kthread_started: kthread === 1,
    kthread_create_body:
      kthread >= 4 ? "__kthread_create_on_node" : since("3.10") ? "kthread_create_on_node" : "kthread_create",
    kthread_handoff: since("5.4") ? "preempt_disabled" : "schedule",
    kthread_end: kthread >= 5 ? "kthread_exit" : "do_exit",
    kthread_bind_flag: kthread > 1,
    kthread_bind_warns_started: since("6.14"),
    kthread_on_cpu: kthread >= 4 ? "bind" : "park",
    kthread_per_cpu_by: kthread >= 5 ? "smpboot" : "kthread_create_on_cpu",
    pf_kswapd: since("4.12") ? 0x00020000 : 0x00040000,
    pf_swapwrite: !since("5.18"),
    pf_kcompactd: since("6.14"),
    fork_fn: since("5.10") ? "kernel_clone" : since("4.2") ? "_do_fork" : "do_fork",
    clone_args: since("5.3"),
    clone3: since("5.3"),
    pidfd_open_flags: since("6.9") ? "thread" : since("5.10") ? "nonblock" : "none",
    pidfd_not_leader_errno: since("6.15") ? "ENOENT" : "EINVAL",
    kernel_thread: since("6.4") ? "args_name" : since("6.1") ? "args_fn" : since("3.0") ? "stack_args" : "pt_regs",
    pf_kthread: since("6.1") ? "args" : "inherited",
    sched_fork_state: since("4.9") ? "NEW" : "R",
    wake_up_new_task: since("3.0") ? "pi_lock" : since("2.6.25") ? "waking" : "activate",
    fork_set_task_cpu: !since("4.8"),
    // read: kernel/sched/core.c ttwu_queue_cond, 5.17 (cache and WF_ON_CPU only) vs 6.1.20.
    ttwu_queue_idle: since("6.1"),
    wakeup_preempt_name: since("6.8") ? "wakeup_preempt" : "check_preempt_curr",
    vfork_wait: since("6.8")
      ? "KILLABLE|FREEZABLE"
      : since("6.1")
        ? "D|KILLABLE|FREEZABLE"
        : since("3.0")
          ? "KILLABLE"
          : "D",
    pid_exhausted_errno: since("4.1") ? "EAGAIN" : "ENOMEM",
    fork_signal_check: since("4.19") ? "early" : "late",
    init_thread: since("6.1") ? "user_mode_thread" : since("4.1") ? "kernel_thread" : "kernel_thread_sighand",
    init_pinned: since("4.14"),
    init_no_setaffinity: since("5.17"),
    clone_checks: {
      newuser_fs: since("3.10"),
      parent_from_init: since("2.6.25"),
      ns_vs: since("4.4") ? "thread" : since("3.13") ? "sighand" : "none",
      pidfd: since("5.2"),
      pidfd_thread: since("6.9"),
      do_fork_newuser: since("3.13") ? "none" : since("3.0") ? "3.10" : since("2.6.25") ? "2.6.32" : "none",
      set_tid: since("5.10"),
    },
    tracepoints: since("2.6.25"),
    trace_pid_width: since("5.10") ? 7 : 5,
    trace_irq_chars: since("5.17") ? 5 : 4,
    trace_legacy_formats: !since("3.0"),
    trace_wakeup_success: !since("4.4"),
    trace_sched_waking: since("4.4"),
    trace_task_events: since("3.0"),
    trace_rename_pid: !since("6.9"),
    trace_exit_group_dead: since("6.9"),
    trace_flags_with_signal: !since("5.3"),
    trace_kthread_work: since("5.17"),
    funcgraph_marks: since("4.1") ? "+!#*@$" : "+!",
    trace_irq_info: since("3.0"),
    trace_header_entries: since("3.0") && name !== "4.19",
    trace_process_exec: since("3.0"),
    trace_prepare_exec: since("6.10"),
    trace_prev_state: {
      raw: !since("4.14"),
      letters: since("4.14") ? "SDTtXZPI" : since("4.2") ? "SDTtZXxKWPN" : since("3.0") ? "SDTtZXxKWP" : "SDTtZXxW",
      max: since("4.14") ? 0x100 : since("4.9") ? 4096 : since("4.2") ? 2048 : since("3.0") ? 1024 : 0,
      plus_needs_preempt: !since("4.4"),
      reread: !since("5.18"),
    },
    idle_comm: since("3.0") ? "swapper/N" : "swapper",
    workqueue_threads: since("3.0") ? "kworker" : "per_wq",
    rescuer_prefix: since("6.8") ? "kworker/R-" : "",
    watchdog_threads: !since("4.19"),
    cpuhp_threads: since("4.9"),
    // read: kernel/workqueue.c worker_thread sleeps TASK_INTERRUPTIBLE in 4.10.1, TASK_IDLE in
    // 4.14.177, whose fs/proc/array.c is the first with "I (idle)".
    task_idle: since("4.14"),
    percpu_threads: since("3.0") ? "smpboot" : "notifier",
    rcu_gp_threads: since("4.20")
      ? ["rcu_preempt"]
      : since("3.13")
        ? ["rcu_preempt", "rcu_sched", "rcu_bh"]
        : since("3.0")
          ? ["rcu_preempt", "rcu_bh", "rcu_sched"]
          : [],
  };
}

/** Frozen: static tables, shared by every machine and its snapshots (src/sim/copy.ts). */
export const ERAS: ReadonlyMap<EraName, Era> = new Map(ERA_NAMES.map((n) => [n, Object.freeze(profile(n))]));

/** The era a run uses unless told otherwise: the newest modeled. */
export const DEFAULT_ERA: EraName = "6.19";

export function isEraName(v: string): v is EraName {
  return (ERA_NAMES as readonly string[]).includes(v);
}

/** The profile of `name`, or a RangeError that lists the choices. */
export function era(name: string): Era {
  if (!isEraName(name)) throw new RangeError(`unknown kernel '${name}': one of ${ERA_NAMES.join(", ")}`);
  return ERAS.get(name) as Era;
}

/** Whether `e` is release `v` or later. */
export function since(e: Era, v: string): boolean {
  return e.code >= versionCode(v);
}

/** Whether `e` lies in the range of releases from `first` to `last`, both included (either open). */
export function within(e: Era, first?: string, last?: string): boolean {
  return (first === undefined || e.code >= versionCode(first)) && (last === undefined || e.code <= versionCode(last));
}

// Saved states point at each era's table by name (src/sim/code.ts).
for (const [name, e] of ERAS) knownTable(`era:${name}`, e);
