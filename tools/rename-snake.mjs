#!/usr/bin/env node
/**
 * tools/rename-snake.mjs: the codemod of issue 22 (item 2), "snake_case in src/linux/ means
 * Linux has it". It renames tasklab's own helpers that looked like Linux functions to
 * ordinary TypeScript names, definitions and every use, in src/ test/ bench/ web/ docs/
 * examples/ and README.md.
 *
 *   node tools/rename-snake.mjs            rename, printing each file and what changed in it
 *   node tools/rename-snake.mjs --check    change nothing; exit 1 if anything is left to rename
 *   node tools/rename-snake.mjs --verbose  also list the files where it only kept names
 * Then `npx biome check --write` the files it names (imports re-sort, long lines re-wrap) and
 * `npx tsc --noEmit -p .`.
 *
 * Rerunnable and idempotent: the new names are never old ones, so a second run finds nothing.
 * Rerun it after merging a branch that started before the rename; it catches the branch's new
 * uses of the old names (then `npx tsc --noEmit -p .` shows anything it could not).
 *
 * What it renames: whole words only (an identifier boundary on both sides), in code and in
 * comments. What it leaves alone, and says so ("kept"):
 * - string literals and a template literal's text (not its `${...}`): trace and thread names
 *   ("hotplug_inject", the kthread's comm), module paths (hotplug_inject.js), saved-state code
 *   names (`irq_timer_fn:NAME`), struct names in test input ("clone_args");
 * - a property or member: `x.name`, `x?.name`, and a key or member declaration (`name:` after
 *   `{`, `,`, `;`, `(` or `readonly`), e.g. the era profile's fields `kthread_api`, `clone_args`;
 * - `struct name` (a C struct, e.g. struct clone_args), `name.ts`/`name.js` (a file);
 * - `"name"` in a comment too (a thread name), and in Markdown `name:X` (a code-name prefix).
 * Two renames change traces on purpose: `daemon_thread` and `hotplug_inject` are kfuncs whose
 * own (inner) function name the function tracers print.
 *
 * Each entry: old name, new name, the Linux function whose body the helper is (or "tasklab's
 * own: ..."): the new definition's doc comment says the same. test/linux/names.test.ts checks
 * that every snake_case function defined in src/linux/ is a Linux name (test/linux/linux-symbols.txt).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** [old, new, what Linux function the body is]. */
export const RENAMES = [
  ["add_timer_on_this_cpu", "addTimerOnThisCpu", "add_timer_on (timer on smp_processor_id())"],
  ["alloc_pid_fail", "allocPidFail", "alloc_pid (its out_free label)"],
  [
    "attach_pgrp_session",
    "attachPgrpSession",
    "copy_process (init_task_pid/attach_pid for PIDTYPE_PGID and PIDTYPE_SID)",
  ],
  ["before_smp_init", "beforeSmpInit", "kernel_init_freeable (the part before smp_init)"],
  ["build_table", "buildSyscallTable", "sys_call_table (its initializer)"],
  ["change_pgrp", "changePgrp", "change_pid (PIDTYPE_PGID)"],
  ["check_clone_flags", "checkCloneFlags", "copy_process (the clone-flag checks at its top)"],
  ["class_rank", "schedClassRank", "sched_class_above (the linker order of sched classes)"],
  [
    "clone_args",
    "kernelCloneArgs",
    "struct kernel_clone_args (a designated initializer; struct clone_args is the uapi one)",
  ],
  ["clone_flags_hi", "cloneFlagsHi", "upper_32_bits"],
  ["clone_flags_lo", "cloneFlagsLo", "lower_32_bits"],
  ["commit_setuid", "commitSetuid", "__sys_setuid (prepare_creds … commit_creds)"],
  ["create_info_fields", "createInfoFields", "__kthread_create_on_node (its kthread_create_info set-up)"],
  ["create_init", "createInit", "rest_init (its kernel_thread/user_mode_thread(kernel_init) call)"],
  [
    "create_on_node",
    "kernelCreateOnNode",
    "kthread_create / kthread_create_on_node / __kthread_create_on_node (the release's)",
  ],
  [
    "daemon_thread",
    "daemonThread",
    "tasklab's own: the threadfn of boot daemons whose work is not modeled (kswapd, khungtaskd, ...)",
  ],
  ["dec_nproc", "decNproc", "dec_rlimit_ucounts (UCOUNT_RLIMIT_NPROC)"],
  ["dequeue_entity_tree", "dequeueEntityTree", "__dequeue_entity"],
  ["detach_pgrp_session", "detachPgrpSession", "__unhash_process (detach_pid PIDTYPE_PGID/PIDTYPE_SID)"],
  ["do_raw_spin_lock_contended", "rawSpinLockContended", "do_raw_spin_lock (queued_spin_lock_slowpath)"],
  ["dump_stack_lines", "dumpStackLines", "dump_stack (dump_stack_lvl)"],
  ["dup_sighand", "dupSighand", "copy_sighand / unshare_sighand (the copy of sighand->action)"],
  ["engine_cpu", "engineCpu", "tasklab's own: the engine CPU that runs a runqueue"],
  ["enqueue_entity_tree", "enqueueEntityTree", "__enqueue_entity"],
  ["exec_files", "execFiles", "unshare_files + do_close_on_exec"],
  ["fair_select_cpu", "fairSelectCpu", "select_task_rq_fair (its policy)"],
  ["find_dst_cpu", "findDstCpu", "sched_balance_find_dst_cpu (find_idlest_cpu before 6.10)"],
  ["find_dst_group", "findDstGroup", "sched_balance_find_dst_group (find_idlest_group before 6.10)"],
  ["find_leaks", "findLeaks", "kmemleak_scan"],
  ["find_path", "findPath", "check_noncircular (__bfs_forwards)"],
  ["find_task", "findTask", "tasklab's own: the fault-injection target a --fail/--signal reference names"],
  ["finish_task_switch_dead", "finishTaskSwitchDead", "finish_task_switch (its TASK_DEAD branch)"],
  ["first_online", "firstOnline", "cpumask_first_and(mask, cpu_online_mask)"],
  ["flush_marker", "newFlushWork", "kthread_flush_work / kthread_flush_worker (their on-stack KTHREAD_WORK_INIT)"],
  ["fork_common", "forkBody", "kernel_clone (_do_fork, do_fork): the body they share"],
  ["fork_entry", "forkEntry", "kernel_clone / _do_fork / do_fork (the release's entry)"],
  ["fork_signal_check", "forkSignalCheck", "copy_process (its signal_pending checks)"],
  ["fork_user_state", "forkUserState", "copy_thread (its user half: the child's pt_regs)"],
  ["free_fs_struct_ref", "putFsStruct", "free_fs_struct (exit_fs's --fs->users)"],
  ["from_ancestor_ns", "fromAncestorNs", "__send_signal's from_ancestor_ns argument (≤5.x; si_fromuser)"],
  [
    "from_legacy_flags",
    "fromLegacyFlags",
    "tasklab's own: a clone flags word (exit signal in its low byte) into kernel_clone_args, as SYSCALL_DEFINE5(clone) does",
  ],
  ["get_signal_jobctl", "getSignalJobctl", "get_signal (its job-control part)"],
  ["get_sigset", "getSigset", "copy_from_user of a sigset_t (rt_sigprocmask)"],
  ["group_stats", "groupStats", "update_sg_wakeup_stats"],
  ["has_zombie_child", "hasZombieChild", "tasklab's own: user-space init: whether a child waits to be reaped"],
  [
    "hotplug_inject",
    "hotplugInject",
    "tasklab's own: the kernel thread that runs --hotplug (cpu_down/cpu_up at set times)",
  ],
  [
    "in_this_release",
    "syscallInRelease",
    "tasklab's own: whether the release has a syscall (else its sys_call_table slot is sys_ni_syscall)",
  ],
  ["inc_nproc", "incNproc", "inc_rlimit_ucounts (UCOUNT_RLIMIT_NPROC)"],
  ["init_exec", "initExec", "run_init_process / begin_new_exec (pid 1's exec)"],
  ["init_reap_loop", "initReapLoop", "tasklab's own: user-space init: its wait-and-reap loop"],
  ["insert_at", "insertAt", "tasklab's own: array insert"],
  ["insert_vma", "insertVma", "insert_vm_struct / vma_link"],
  ["irq_timer_fn", "irqTimerFn", "call_timer_fn (timer callback glue)"],
  ["kasan_check", "kasanCheck", "kasan_check_read / kasan_check_write"],
  ["kernel_thread_regs", "kernelThreadRegs", "kernel_thread (2.6.x x86_32: its pt_regs set-up)"],
  ["kmalloc_cache", "kmallocCache", "kmalloc_slab"],
  ["kthread_api", "kthreadApi", "tasklab's own: a scenario may call only the kthread API its release has"],
  ["kthread_create_fn", "kthreadCreateFunction", "kthread_create (a function in 2.6.24/2.6.32, a macro after)"],
  ["kthread_fields", "kthreadFields", "set_kthread_struct / kthread() (struct kthread initialisation)"],
  ["kthread_fn", "eraKthread", "kthread (selects the release's trampoline)"],
  ["kthread_idle_loop", "kthreadIdleLoop", "tasklab's own: main loop of daemons whose work is not modeled"],
  [
    "kthread_name_and_reset",
    "kthreadNameAndReset",
    "__kthread_create_on_node / kthread_create (creator's side after the thread exists, <6.4)",
  ],
  ["legacy_flags", "legacyFlags", "tasklab's own: kernel_clone_args back to one clone flags word (before 5.3)"],
  ["legacy_prepare_cpu", "workqueueCpuUpPrepare", "workqueue_cpu_callback (CPU_UP_PREPARE)"],
  ["lock_name", "lockName", "print_lock_name"],
  ["main_with_hotplug", "mainWithHotplug", "tasklab's own: pid 1 main that starts the hotplug thread first"],
  ["map_program", "mapProgram", "load_elf_binary (its mappings: elf_map, setup_arg_pages, set_brk)"],
  ["new_kthread", "newKthread", "set_kthread_struct (kzalloc) / kthread()'s on-stack struct kthread"],
  ["new_ns", "newNs", "create_*_ns (kmem_cache_alloc + ns_alloc_inum)"],
  ["new_pid_namespace", "newPidNamespace", "create_pid_namespace (its initialisation)"],
  ["new_worker", "newWorker", "kthread_init_worker (with __kthread_create_worker's kzalloc)"],
  [
    "notifier_create_thread",
    "notifierCreateThread",
    "CPU_UP_PREPARE notifiers (cpu_callback in softirq.c, migration_call; ≤2.6.32)",
  ],
  ["nproc_overlimit", "nprocOverlimit", "is_rlimit_overlimit (UCOUNT_RLIMIT_NPROC)"],
  ["ns_of", "activePidNs", "task_active_pid_ns"],
  ["ns_of_current", "currentPidNs", "task_active_pid_ns(current)"],
  ["open_file", "openFile", "get_unused_fd_flags + fd_install"],
  ["page_index", "linear_page_index", "linear_page_index"],
  ["pgid_target", "pgidTarget", "kernel_wait4 (pid 0 / pid < -1: PIDTYPE_PGID)"],
  ["pgrp_members", "pgrpMembers", "do_each_pid_task(pgrp, PIDTYPE_PGID)"],
  ["pidfd_open_known", "pidfdOpenFlags", "pidfd_open (its flags check)"],
  ["pidfd_prepare_check", "pidfdPrepareCheck", "pidfd_prepare (its checks)"],
  ["preempt_curr_if", "preemptCurrIf", "wakeup_preempt / check_preempt_curr (their body)"],
  ["prepare_signal_jobctl", "prepareSignalJobctl", "prepare_signal (its job-control half)"],
  ["program_bug", "programBug", "tasklab's own: a user program that breaks the model rules"],
  ["program_next", "programNext", "tasklab's own: steps a user program to its next request"],
  ["put_ns", "putNs", "put_*_ns (ns_ref_put in 6.18+)"],
  ["put_sigset", "putSigset", "copy_to_user of a sigset_t (rt_sigprocmask, rt_sigpending)"],
  ["range_pages", "rangePages", "vma_pages"],
  ["read_user", "readUser", "get_user / copy_from_user"],
  ["register_user_abi", "registerUserAbi", "tasklab's own: installs the user layer ABI"],
  ["remove_at", "removeAt", "tasklab's own: array remove"],
  ["request_name", "requestName", "tasklab's own: a kthread_create_info name in reports"],
  ["ret_from_fork_iret", "retFromForkIret", "ret_from_fork (2.6.x, a kernel thread's iret path)"],
  ["ret_from_fork_to", "retFromForkTo", "ret_from_fork then kernel_thread_helper (2.6.x)"],
  ["run_in_irq", "runInIrq", "irq_enter / irq_exit around a handler"],
  ["run_user", "runUser", "tasklab's own: the CPU in user mode"],
  ["sched_preempt_hook", "schedPreemptHook", "preempt_schedule_irq"],
  [
    "schedule_tail_user",
    "scheduleTailUser",
    "schedule_tail (its CLONE_CHILD_SETTID write) and the return to user mode",
  ],
  ["should_fail_point", "shouldFailPoint", "should_fail"],
  ["sigaddset_pending", "sigaddsetPending", "sigaddset(&t->pending.signal) with TIF_SIGPENDING (__send_signal_locked)"],
  ["sighand_action_mut", "sighandActionMut", "tasklab's own: copy-on-write of the sighand action table"],
  ["signal_target", "signalTarget", "complete_signal (its choice of thread)"],
  ["signal_wanter", "signalWanter", "complete_signal (its wants_signal search)"],
  ["sleep_until_stopped", "sleepUntilStopped", "tasklab's own: a threadfn that sleeps until kthread_stop()"],
  [
    "sleeping_percpu_thread",
    "sleepingPercpuThread",
    "tasklab's own: a struct smp_hotplug_thread with no modeled work (ksoftirqd, migration, watchdog)",
  ],
  ["split_xchg", "splitXchg", "tasklab's own: the split-xchg mutant of the xchg in __kthread_create_on_node"],
  ["start_kthread_worker", "startKthreadWorker", "kthread_run_worker (6.14+) / kthread_create_worker"],
  ["switch_state", "switchState", "__trace_sched_switch_state"],
  [
    "task_is_blocked",
    "isHungTaskCandidate",
    "task_is_hung (6.13+; before, the state test in check_hung_uninterruptible_tasks)",
  ],
  ["trace_lines", "traceLines", "print_lock_trace / stack_trace_print"],
  ["unblocked_pending", "unblockedPending", "next_signal / has_pending_signals"],
  ["unbound_pool_id", "unboundPoolId", "worker_pool_assign_id"],
  ["unhash_pid", "unhashPid", "free_pid (its idr_remove per level)"],
  ["user_abi", "userAbi", "tasklab's own: the installed user layer ABI"],
  ["user_thread", "userThread", "user_mode_thread (6.1+) / kernel_thread"],
  ["user_time", "userTime", "tasklab's own: user code running for a time"],
  ["wait_children", "waitChildren", "do_wait_thread (the wait_consider_task loop)"],
  ["wait_opts_for", "waitOptsFor", "tasklab's own: a fresh struct wait_opts for kernel_wait4"],
  ["wait_target", "waitTarget", "kernel_wait4 (pid to PIDTYPE_*)"],
  ["warn_if_started", "warnIfStarted", "__kthread_bind_mask (its WARN, 6.14+)"],
  ["with_dequeued", "withDequeued", "the sched_change guard (DEQUEUE_SAVE … ENQUEUE_RESTORE)"],
  ["workqueue_cpu_online_legacy", "workqueueCpuOnline", "workqueue_cpu_callback (CPU_ONLINE)"],
  ["write_ready", "writeReady", "tasklab's own: whether a user write needs no fault (handle_mm_fault not needed)"],
  ["write_user", "writeUser", "put_user / copy_to_user (faulting)"],
  ["zombie_report", "zombieReport", "wait_task_zombie (its report)"],
  ["kthread_delayed_work_timer_irq", "kthreadDelayedWorkTimerIrq", "kthread_delayed_work_timer_fn, run in irq context"],
  ["process_timeout_irq", "processTimeoutIrq", "process_timeout, run in irq context"],
  ["hrtimer_wakeup_irq", "hrtimerWakeupIrq", "hrtimer_wakeup, run in irq context"],
  ["delayed_put_task_struct_rcu", "delayedPutTaskStructRcu", "delayed_put_task_struct, run as an RCU callback"],
  ["pid_wait_pidfd", "pidWaitPidfd", "alloc_pid (its init_waitqueue_head(&pid->wait_pidfd), done on first use)"],
  ["pidfd_poll_mask", "pidfdPollMask", "pidfd_poll (its mask, without the poll_wait)"],
  ["wake_up_pidfd", "wakePidfdPollers", "wake_up_all(&pid->wait_pidfd) (do_notify_pidfd, and release_task at reap)"],
  ["poll_restartable", "pollRestartable", "__x64_sys_poll / do_restart_poll (do_sys_poll, then the restart_block)"],
  ["no_work", "noWork", "tasklab's own: thread_should_run of a sleeping smp_hotplug_thread"],
  ["child_siginfo", "childSiginfo", "do_notify_parent (the siginfo it fills)"],
  ["clone_args_from_memory", "cloneArgsFromMemory", "copy_clone_args_from_user"],
  ["user_siginfo", "userSiginfo", "prepare_kill_siginfo (and do_tkill's SI_TKILL info)"],
  ["handler_code", "handlerCode", "tasklab's own: the program function a handler address stands for"],
  ["handler_address", "handlerAddress", "tasklab's own: a handler function's address in the sighand's text"],
  ["sigset_value", "sigsetValue", "tasklab's own: a sigset given as a number or bigint"],
  ["read_sigaction", "readSigaction", "rt_sigaction's copy_from_user of the struct sigaction"],
];

const ROOT = join(fileURLToPath(import.meta.url), "../..");
const DIRS = ["src", "test", "bench", "web", "docs", "examples"];
const FILES = ["README.md"];
const CODE = /\.(ts|tsx|mts|js|mjs|jsx)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", "golden", "artifacts", ".git"]);
const MAP = new Map(RENAMES.map(([o, n]) => [o, n]));
const WORD = new RegExp(`(?<![\\w$])(${[...MAP.keys()].join("|")})(?![\\w$])`, "g");

function* files(dir) {
  let names;
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(name)) yield* files(path);
    } else if (CODE.test(name) || name.endsWith(".md")) yield path;
  }
}

/** Why the match of `name` at `at` in `text` is not the helper, or null to rename it. */
function keep(text, at, name, markdown) {
  const before = text.slice(Math.max(0, at - 40), at);
  const after = text.slice(at + name.length, at + name.length + 12);
  if (/(^|[^.])\.[ \t]*$/.test(before)) return "a property"; // x.name, x?.name; not ...name
  if (/\bstruct\s+$/.test(before)) return "a struct";
  if (/^[ \t]+struct\b/.test(after)) return "a struct";
  if (/^\.(ts|js|mjs|mts)\b/.test(after)) return "a file";
  if (/^\??\s*:(?!:)/.test(after) && /(^|[{,;(]|\breadonly)\s*$/.test(before)) return "a key";
  if (/"$/.test(before) && /^"/.test(after)) return "a quoted name";
  if (markdown && /^:\S/.test(after)) return "a code name";
  return null;
}

/** The spans of `src` (a code file) that are string literals or template text: [start, end). */
function stringSpans(src) {
  const spans = [];
  const braces = []; // per open `${`: the brace depth inside it
  let i = 0;
  let prev = ""; // last significant code character, to tell a regex from a division
  const n = src.length;
  const template = () => {
    const start = i;
    for (i++; i < n; i++) {
      const c = src[i];
      if (c === "\\") i++;
      else if (c === "`") {
        spans.push([start, ++i]);
        return;
      } else if (c === "$" && src[i + 1] === "{") {
        spans.push([start, i]);
        i += 2;
        braces.push(0);
        return;
      }
    }
    spans.push([start, n]);
  };
  while (i < n) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      const start = i;
      for (i++; i < n && src[i] !== c && src[i] !== "\n"; i++) if (src[i] === "\\") i++;
      spans.push([start, ++i]);
      prev = c;
    } else if (c === "`") {
      template();
      prev = "`";
    } else if (c === "}" && braces.length > 0 && braces[braces.length - 1] === 0) {
      braces.pop();
      template(); // resumes the template's text after `}`
      prev = "`";
    } else if (
      c === "/" &&
      (prev === "" ||
        "(,=:[!&|?{};+-*%<>~^".includes(prev) ||
        /\b(return|typeof|yield)\s*$/.test(src.slice(Math.max(0, i - 8), i)))
    ) {
      const start = i; // a regular expression literal
      let klass = false;
      for (i++; i < n && src[i] !== "\n"; i++) {
        if (src[i] === "\\") i++;
        else if (src[i] === "[") klass = true;
        else if (src[i] === "]") klass = false;
        else if (src[i] === "/" && !klass) break;
      }
      spans.push([start, ++i]);
      prev = "/";
    } else {
      if (c === "{" && braces.length > 0) braces[braces.length - 1]++;
      else if (c === "}" && braces.length > 0) braces[braces.length - 1]--;
      if (!/\s/.test(c)) prev = c;
      i++;
    }
  }
  return spans;
}

/** `text` with the helpers renamed, and one line per occurrence renamed or kept. */
export function renameText(text, markdown) {
  const spans = markdown ? [] : stringSpans(text);
  const inString = (at) => spans.some(([s, e]) => at >= s && at < e);
  const log = [];
  const lineOf = (at) => text.slice(0, at).split("\n").length;
  const out = text.replace(WORD, (name, _g, at) => {
    const why = inString(at) ? "a string" : keep(text, at, name, markdown);
    if (why !== null) {
      log.push(`  ${lineOf(at)}: kept ${name} (${why})`);
      return name;
    }
    log.push(`  ${lineOf(at)}: ${name} -> ${MAP.get(name)}`);
    return MAP.get(name);
  });
  return { out, log };
}

function main(argv) {
  const check = argv.includes("--check");
  const verbose = argv.includes("--verbose");
  let changed = 0;
  const paths = [...DIRS.flatMap((d) => [...files(join(ROOT, d))]), ...FILES.map((f) => join(ROOT, f))];
  for (const path of paths) {
    const text = readFileSync(path, "utf8");
    WORD.lastIndex = 0;
    if (!WORD.test(text)) continue;
    const { out, log } = renameText(text, path.endsWith(".md"));
    const renamed = log.filter((l) => l.includes(" -> ")).length;
    if (renamed === 0 && !verbose) continue;
    console.log(`${relative(ROOT, path)}: ${renamed} renamed`);
    for (const l of log) console.log(l);
    if (renamed > 0) {
      changed++;
      if (!check) writeFileSync(path, out);
    }
  }
  console.log(`${changed} file(s) ${check ? "to change" : "changed"}`);
  if (check && changed > 0) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
