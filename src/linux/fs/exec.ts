/**
 * execve (fs/exec.c, fs/binfmt_elf.c): replaces the calling task's program. The other
 * threads of its group are killed first (de_thread; a non-leader takes over the leader's
 * pid), the old address space is released (which hands a vfork parent back and does the
 * CLONE_CHILD_CLEARTID write), a fresh one is mapped for the new program, shared signal
 * handlers and fd tables are unshared, caught signals reset, close-on-exec files closed,
 * and the task is renamed after the file (task_rename, then sched_process_exec).
 */

import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { start_thread } from "../arch/x86/entry/user_mode.js";
import { current } from "../include/current.js";
import { EFAULT, ENOENT, ENOMEM } from "../include/errno.js";
import { EXIT_DEAD, EXIT_ZOMBIE, PF_FORKNOEXEC, TASK_KILLABLE } from "../include/sched.js";
import { SIGCHLD, SIGSEGV } from "../include/signal.js";
import type { task_struct } from "../include/task_struct.js";
import {
  trace_sched_prepare_exec,
  trace_sched_process_exec,
  trace_task_rename,
} from "../include/trace/events/sched.js";
import { do_group_exit, mm_release, release_task, zap_other_threads } from "../kernel/exit.js";
import { __cleanup_sighand, dupSighand, mmput } from "../kernel/fork_copy.js";
import { task_active_pid_ns, task_pid_nr_ns } from "../kernel/pid.js";
import { schedule } from "../kernel/sched/core.js";
import { flush_signal_handlers, signal_pending } from "../kernel/signal.js";
import { K } from "../kernel.js";
import { list_add_tail, list_del_init } from "../lib/list.js";
import { EXEC_LAYOUT, type mm_struct, PAGE_SIZE, VM_EXEC, VM_GROWSDOWN, VM_READ, VM_WRITE } from "../mm/mm_types.js";
import { do_mmap, mm_alloc } from "../mm/mmap.js";
import { dup_fd, fput, put_files_struct } from "./file.js";

/** Emits task_rename (with the old name), then stores the truncated new name. */
export function set_task_comm(tsk: task_struct, name: string): void {
  const comm = name.slice(0, 15);
  trace_task_rename(tsk, comm);
  tsk.comm = comm;
}

/** __get_task_comm: the name, cut to fit a buffer of `buf_size` bytes (NUL included). */
export function __get_task_comm(buf_size: number, tsk: task_struct): string {
  return tsk.comm.slice(0, Math.max(0, buf_size - 1));
}

/** Resident pages of the program text and of libc (about 1.5 MiB, as a small C program has). */
const TEXT_PAGES = 16;
const LIBC_PAGES = 350;

/** setup_new_mm (load_elf_binary's mappings): text, heap, libc text and data, stack. */
function* mapProgram(mm: mm_struct, filename: string): KGen<boolean> {
  const L = EXEC_LAYOUT;
  const maps: [number, number, number, string, number][] = [
    [L.text, TEXT_PAGES * PAGE_SIZE, VM_READ | VM_EXEC, filename, TEXT_PAGES],
    [L.heap, 33 * PAGE_SIZE, VM_READ | VM_WRITE, "[heap]", -1],
    [L.libc, 0x200000, VM_READ | VM_EXEC, "/usr/lib/x86_64-linux-gnu/libc.so.6", LIBC_PAGES],
    [L.libc_data, 4 * PAGE_SIZE, VM_READ | VM_WRITE, "", -1],
    [L.stack_top - L.stack_size, L.stack_size, VM_READ | VM_WRITE | VM_GROWSDOWN, "[stack]", -1],
  ];
  for (const [addr, len, flags, name, pages] of maps) {
    if ((yield* do_mmap(mm, addr, len, flags, name, pages)) < 0) return false;
  }
  return true;
}

/**
 * de_thread: the exec'ing thread must be alone in its group. The others are killed and
 * waited for (D, killable); a non-leader then takes the leader's pid and place, and the
 * old leader is released. Returns 0, or -EAGAIN if the exec'ing thread is killed meanwhile.
 */
const de_thread = kfunc(function* de_thread(tsk: task_struct) {
  const sig = tsk.signal;
  if (sig.nr_threads <= 1) {
    tsk.exit_signal = SIGCHLD; // no_thread_group: an exec'd program tells its parent with SIGCHLD
    return 0;
  }
  sig.group_exec_task = tsk;
  yield* zap_other_threads(tsk);
  const leader = tsk.group_leader;
  const alone = () => {
    const others = [...sig.thread_head].filter((t) => t !== tsk && t.exit_state !== EXIT_ZOMBIE);
    return others.length === 0;
  };
  while (!alone() || (leader !== tsk && leader.exit_state !== EXIT_ZOMBIE)) {
    tsk.__state = TASK_KILLABLE;
    sig.group_exec_task = tsk;
    if (signal_pending(tsk)) {
      sig.group_exec_task = null;
      tsk.__state = 0;
      return -11; // -EAGAIN: the caller is being killed too
    }
    yield* schedule();
  }
  sig.group_exec_task = null;
  if (leader !== tsk) {
    // exchange_tids: the exec'ing thread becomes the leader, under the leader's pid.
    const mine = tsk.thread_pid;
    tsk.thread_pid = leader.thread_pid;
    leader.thread_pid = mine;
    if (tsk.thread_pid !== null) tsk.thread_pid.task = tsk;
    if (leader.thread_pid !== null) leader.thread_pid.task = leader;
    [tsk.pid, leader.pid] = [leader.pid, tsk.pid];
    tsk.start_time = leader.start_time;
    list_add_tail(tsk.sibling, leader.real_parent.children);
    list_del_init(leader.sibling);
    list_add_tail(tsk.tasks, K.init_task.tasks);
    list_del_init(leader.tasks);
    tsk.real_parent = leader.real_parent;
    tsk.parent = leader.parent;
    for (const t of sig.thread_head) t.group_leader = tsk;
    tsk.exit_signal = SIGCHLD;
    leader.exit_signal = -1;
    leader.exit_state = EXIT_DEAD;
    yield* release_task(leader);
  }
  return 0;
});

/** unshare_sighand: a handler table shared with another process becomes this task's own. */
function unshare_sighand(tsk: task_struct): boolean {
  const old = tsk.sighand;
  if (old === null || old.count === 1) return true;
  const copy = dupSighand(old);
  if (copy === null) return false;
  __cleanup_sighand(old);
  tsk.sighand = copy;
  return true;
}

/** unshare_files and do_close_on_exec: a private fd table, without the close-on-exec files (pidfds). */
function execFiles(tsk: task_struct): boolean {
  let files = tsk.files;
  if (files === null) return true;
  if (files.count > 1) {
    const copy = dup_fd(files);
    if (copy === null) return false;
    put_files_struct(files);
    tsk.files = copy;
    files = copy;
  }
  files.fd.forEach((f, fd) => {
    if (f !== null && f.kind !== "tty") {
      files.fd[fd] = null;
      fput(f);
    }
  });
  return true;
}

/** exec_mmap: the new address space replaces the old, which is released (mm_release). */
const exec_mmap = kfunc(function* exec_mmap(mm: mm_struct) {
  const tsk = current();
  const old = tsk.mm;
  yield* mm_release(tsk);
  tsk.mm = mm;
  tsk.active_mm = mm;
  if (old !== null) yield* mmput(old);
});

/**
 * begin_new_exec + setup_new_exec: the point of no return. The caller has checked the
 * file; from here the old program is gone.
 */
const begin_new_exec = kfunc(function* begin_new_exec(tsk: task_struct, mm: mm_struct, filename: string) {
  trace_sched_prepare_exec(tsk, filename, filename); // no #! scripts are modeled: interp is the file
  if ((yield* de_thread(tsk)) < 0) {
    yield* mmput(mm); // free_bprm: the new image was never used
    return -11;
  }
  yield* exec_mmap(mm);
  // Past the point of no return the old program is gone: a failure now is fatal (bprm_execve).
  if (!unshare_sighand(tsk) || !execFiles(tsk)) yield* do_group_exit(SIGSEGV);
  tsk.flags &= ~PF_FORKNOEXEC;
  const base = filename.slice(filename.lastIndexOf("/") + 1);
  set_task_comm(tsk, base);
  flush_signal_handlers(tsk);
  return 0;
});

/** load_elf_binary: maps the program and libc, then commits to the new image. */
const load_elf_binary = kfunc(function* load_elf_binary(tsk: task_struct, filename: string) {
  const mm = mm_alloc();
  if (mm === null) return -ENOMEM;
  if (!(yield* mapProgram(mm, filename))) {
    yield* mmput(mm);
    return -ENOMEM;
  }
  return yield* begin_new_exec(tsk, mm, filename);
});

/** An argv or envp the model can copy: NULL, or an array of strings. (Module-level: a local closure would live in the frame across load_elf_binary, and a saved state cannot name it.) */
function strings(v: unknown): boolean {
  return v === null || (Array.isArray(v) && v.every((a) => typeof a === "string"));
}

/**
 * do_execveat_common: execve(filename, argv, envp). -EFAULT for arguments that are not
 * strings, -ENOENT for a file the file system does not have; then the new image, and on
 * success the task returns to user mode in the new program (never to the caller's code).
 */
export const do_execveat_common = kfunc(function* do_execveat_common(
  filename: unknown,
  argv: unknown,
  envp: unknown,
): KGen<number> {
  // The file is opened first, then the argument and environment strings are copied.
  if (typeof filename !== "string") return -EFAULT;
  if (filename === "") return -ENOENT;
  const program = K.binaries.get(filename);
  if (program === undefined) return -ENOENT;
  if (!strings(argv) || !strings(envp)) return -EFAULT;
  // 5.18+: an empty argv gets an empty argv[0] (with a warning), so argc is never 0.
  const args = argv === null || (argv as string[]).length === 0 ? [""] : (argv as string[]);
  const tsk = current();
  const ns = task_active_pid_ns(tsk);
  const old_pid = ns === null ? tsk.pid : task_pid_nr_ns(tsk, ns);
  const fs = tsk.fs;
  if (fs !== null) fs.in_exec = true;
  const ret = yield* load_elf_binary(tsk, filename);
  if (fs !== null) fs.in_exec = false;
  if (ret < 0) return ret;
  start_thread(tsk, {
    fn: program.entry,
    arg: { main: program.main, argv: args },
    stack_top: EXEC_LAYOUT.stack_top - 0x1000,
    tp: EXEC_LAYOUT.main_tp,
  });
  trace_sched_process_exec(tsk, filename, old_pid);
  return 0;
});

export const __x64_sys_execve = kfunc(function* __x64_sys_execve(filename: unknown, argv: unknown, envp: unknown) {
  return yield* do_execveat_common(filename, argv, envp);
});

/** kernel_execve: a kernel thread (pid 1, a user-mode helper) becomes a user program. */
export const kernel_execve = kfunc(function* kernel_execve(filename: string, argv: string[]) {
  return yield* do_execveat_common(filename, argv, []);
});
