/**
 * tasklab's library API. Modeled kernel functions keep their Linux names; a scenario's
 * code calls them with `yield*` from generator functions (see README, "Your own scenario").
 */

export type { UGen, UserOp } from "./linux/arch/x86/entry/user_mode.js";
// Kernel releases (`kernel` option of a machine or run).
export { DEFAULT_ERA, ERA_NAMES, ERAS, type Era, type EraName, era, since } from "./linux/eras/profiles.js";
export { __get_task_comm, set_task_comm } from "./linux/fs/exec.js";
// The modeled kernel.
export { current, smp_processor_id } from "./linux/include/current.js";
export { ERR_PTR, type ErrOr, type ErrPtr, IS_ERR, PTR_ERR } from "./linux/include/err.js";
export * from "./linux/include/errno.js";
export * from "./linux/include/sched.js";
export * from "./linux/include/signal.js";
export type { completion, spinlock_t, task_struct } from "./linux/include/task_struct.js";
export type { EventType, TraceEvent, TraceRecord } from "./linux/include/trace/events/records.js";
export * from "./linux/include/uapi/futex.js";
export * from "./linux/include/uapi/mman.js";
export * from "./linux/include/uapi/prctl.js";
export * from "./linux/include/uapi/resource.js";
export * from "./linux/include/uapi/sched.js";
export * from "./linux/include/uapi/wait.js";
export { do_exit } from "./linux/kernel/exit.js";
export { get_task_struct, kernel_clone, kernel_thread, put_task_struct } from "./linux/kernel/fork.js";
export { freeze_kernel_threads, set_freezable, thaw_kernel_threads, try_to_freeze } from "./linux/kernel/freezer.js";
export {
  get_kthread_comm,
  kthread_complete_and_exit,
  kthread_create,
  kthread_create_on_node,
  kthread_data,
  kthread_exit,
  kthread_freezable_should_stop,
  kthread_func,
  kthread_parkme,
  kthread_run,
  kthread_should_park,
  kthread_should_stop,
  kthread_should_stop_or_park,
  type threadfn_t,
} from "./linux/kernel/kthread.js";
export {
  cpu_to_node,
  kthread_bind,
  kthread_bind_mask,
  kthread_create_on_cpu,
  kthread_park,
  kthread_run_on_cpu,
  kthread_stop,
  kthread_stop_put,
  kthread_unpark,
} from "./linux/kernel/kthread_control.js";
export {
  KTW_FREEZABLE,
  kthread_cancel_delayed_work_sync,
  kthread_cancel_work_sync,
  kthread_create_worker,
  kthread_create_worker_on_cpu,
  kthread_create_worker_on_node,
  type kthread_delayed_work,
  kthread_destroy_worker,
  kthread_flush_work,
  kthread_flush_worker,
  kthread_init_delayed_work,
  kthread_init_work,
  kthread_queue_delayed_work,
  kthread_queue_work,
  kthread_run_worker,
  kthread_run_worker_on_cpu,
  type kthread_work,
  type kthread_worker,
  kthread_worker_fn,
} from "./linux/kernel/kthread_worker.js";
export {
  DEFINE_SPINLOCK,
  spin_lock,
  spin_lock_irq,
  spin_unlock,
  spin_unlock_irq,
} from "./linux/kernel/locking/spinlock.js";
export { printk } from "./linux/kernel/printk/printk.js";
export {
  complete,
  complete_all,
  completion_done,
  init_completion,
  wait_for_completion,
  wait_for_completion_interruptible,
  wait_for_completion_killable,
  wait_for_completion_timeout,
} from "./linux/kernel/sched/completion.js";
export {
  __set_current_state,
  cond_resched,
  preempt_disable,
  preempt_enable,
  schedule,
  set_current_state,
  set_user_nice,
  wake_up_process,
  wake_up_state,
} from "./linux/kernel/sched/core.js";
export { __wake_up, init_waitqueue_head, wait_event } from "./linux/kernel/sched/wait.js";
export {
  allow_signal,
  fatal_signal_pending,
  ignore_signals,
  kill_pid,
  send_sig,
  signal_pending,
} from "./linux/kernel/signal.js";
export { jiffies, msecs_to_jiffies, msleep, schedule_timeout } from "./linux/kernel/time/timer.js";
// Output.
export { TraceBuffer } from "./linux/kernel/trace/buffer.js";
export { K, type Kernel } from "./linux/kernel.js";
export { cpu_relax, mdelay, udelay } from "./linux/lib/delay.js";
export { EXEC_LAYOUT, PAGE_SIZE } from "./linux/mm/mm_types.js";
export { kfree, kmalloc, kzalloc } from "./linux/mm/slab.js";
export { DEFAULTS, Machine, type MachineOptions } from "./machine.js";
export {
  formatReport,
  problems,
  psRows,
  type RunOptions,
  type RunResult,
  runScenario,
  type TraceFormat,
  traceText,
} from "./run.js";
export { findScenario, SCENARIOS } from "./scenarios/index.js";
export {
  appliesTo,
  defineScenario,
  EraMismatchError,
  type EraRange,
  type Invariant,
  type Scenario,
} from "./scenarios/scenario.js";
export {
  userScenario,
  WEXITSTATUS,
  WIFCONTINUED,
  WIFEXITED,
  WIFSTOPPED,
  WSTOPSIG,
  WTERMSIG,
} from "./scenarios/user-program.js";
// The engine.
export {
  type ChoiceKind,
  type Chooser,
  defaultChooser,
  type RecordedChoice,
  ReplayDivergence,
  recordingChooser,
  replayChooser,
} from "./sim/chooser.js";
export type { KGen, Report, RunLimits, StopReason } from "./sim/engine.js";
export { kcall, kfunc } from "./sim/functions.js";
/**
 * Snapshots: `machine.snapshot()` is an independent copy that runs on exactly as the
 * original would; `snapshot(m)` keeps a machine's state aside and `restore(s)` makes a fresh
 * machine from it, as often as wanted; `machine.hash()` (or `hashMachine`) is a canonical
 * hash of the state, equal for a machine and its copies. A machine whose threads are not
 * all compiled frames, or that a host observer watches (function tracer, injection,
 * debugger), is refused with a SnapshotError naming the thread or hook.
 */
export { type HashMachineOptions, hashMachine, MachineSnapshot, restore, SnapshotError, snapshot } from "./snapshot.js";
/**
 * Saved states (docs/STATE-FORMAT.md): `saveState(m)` writes a machine as a versioned text
 * (a header line: format version, tasklab version, kernel release, scenario, options; a body
 * line: the object graph) and `loadState(text)` reads it back into a machine that runs on as
 * `m` would have, in this process or another of the same build. Saving refuses what
 * `snapshot` refuses (a SnapshotError); loading a file of another format version or build,
 * or a damaged one, throws a StateError with a one-line message.
 */
export {
  loadState,
  type SaveOptions,
  STATE_FORMAT_VERSION,
  StateError,
  saveState,
} from "./state/file.js";
export { formatFtrace, formatLine } from "./trace/ftrace.js";
export { formatJsonl } from "./trace/jsonl.js";
export { type ChromeEvent, formatPerfetto } from "./trace/perfetto.js";
export { PTHREAD_CLONE_FLAGS, type pthread_attr_t } from "./user/libc.js";
export { spawn_program, wait_program } from "./user/spawn.js";
export type { UserMain } from "./user/user.js";
export { User } from "./user/user.js";
export {
  formatPsColumns,
  formatPsEf,
  formatPsEo,
  formatPsL,
  PS_COLUMNS,
  type PsRow,
  parsePsColumns,
  psRow,
} from "./views/ps.js";
export { formatPstree, type PstreeOptions } from "./views/pstree.js";
export { formatTop } from "./views/top.js";
