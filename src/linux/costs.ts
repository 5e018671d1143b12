/**
 * The cost model: virtual nanoseconds per call of each modeled function (its own work,
 * not its callees'), and of a few steps that are not functions. Data, not code.
 *
 * Calibration (docs/ARCHITECTURE.md, "Cost model"): a real 6.18 guest of this project's
 * machine kind creates a kthread in 93–199 µs from request to hand-back, of which
 * 21–112 µs is kthreadd's copy_process and ≈67 µs a cross-CPU wakeup of an idle CPU
 * (shared/reference/real-linux-observations.md §1.7, §3.5); a trivial syscall costs ≈1 µs
 * and pthread_create+join 45 µs. The figures below add up to those totals for the
 * kthread-run scenario; the split between functions is an estimate.
 */
import { knownTable } from "../sim/code.js";
export const DEFAULT_COST = 200;

export const COSTS: Readonly<Record<string, number>> = Object.freeze({
  // Steps that are not functions.
  ipi_idle_wakeup: 25_000, // IPI + exit from idle on the target CPU (VM-inflated)
  spin_relax: 50, // one spin of a contended lock
  sched_tick: 600,
  cpu_bringup: 400_000, // an AP from INIT/SIPI to running its idle task

  // Scheduler.
  schedule: 1_500,
  schedule_idle: 1_000,
  schedule_preempt_disabled: 50,
  try_to_wake_up: 1_200,
  wake_up_new_task: 2_500,
  do_idle: 100,
  cpu_startup_entry: 0,

  // Fork.
  kernel_clone: 1_500,
  _do_fork: 1_500, // kernel_clone under its older names: _do_fork (4.2–5.9), do_fork (before)
  do_fork: 1_500,
  // copy_process and its steps add up to ≈20 µs (kthreadd's fork: 21–112 µs observed).
  copy_process: 6_800,
  dup_task_struct: 7_000, // task_struct + vmalloc'd stack
  sched_fork: 600,
  copy_files: 400,
  copy_fs: 300,
  copy_sighand: 900,
  copy_signal: 1_200,
  copy_mm: 300,
  copy_thread: 1_500,
  alloc_pid: 1_000,
  ret_from_fork: 1_000,
  kernel_thread: 100,
  kernel_thread_helper: 100, // 2.6.x: where a kernel thread starts (fn(arg), then do_exit)
  user_mode_thread: 100,

  // kthread layer.
  __kthread_create_on_node: 3_000, // kmalloc + kvasprintf of the name
  create_kthread: 400,
  kthread: 1_000,
  kthreadd: 0,
  kthread_stop: 800,
  kthread_park: 500,
  kthread_unpark: 300,
  kthread_exit: 200,

  // Exit.
  do_exit: 6_000,
  exit_mm: 300,
  mm_release: 300,
  exit_notify: 1_500,
  do_notify_parent: 300,
  do_task_dead: 200,
  delayed_put_task_struct: 2_000,

  // User tasks (real-linux-observations.md §3: pthread_create+join 45 µs, vfork+exit+wait
  // 31 µs, fork+exit+wait 744 µs with ≈19 page faults of 11–16 µs, fork+exec+wait 2.76 ms).
  user_step: 150, // user code between two requests
  do_syscall_64: 250, // entry, exit and the return to user mode
  copy_pte: 60, // per resident page: copying one page-table entry at fork
  zap_pte: 40, // per resident page: unmapping at exit or exec
  dup_mmap: 3_000,
  exit_mmap: 2_000,
  do_anonymous_page: 6_000,
  do_wp_page: 12_000, // copy-on-write: allocate and copy a page
  handle_mm_fault: 1_000,
  load_elf_binary: 250_000, // open, read and map the ELF file and ld.so
  begin_new_exec: 30_000,
  do_execveat_common: 20_000,
  futex_wait: 800,
  futex_wake: 600,
  do_wait: 1_500,
  __x64_sys_mmap: 2_500,
  __x64_sys_munmap: 3_000,
  __x64_sys_clone3: 400,
  __x64_sys_clone: 300,

  // Synchronisation and time.
  spin_lock: 40,
  spin_lock_irq: 40,
  complete: 400,
  complete_all: 400,
  wait_for_common: 300,
  msleep: 200,
  schedule_timeout: 300,
  process_timeout: 200,
});

// Saved states point at the table by name (src/sim/code.ts).
knownTable("COSTS", COSTS);
