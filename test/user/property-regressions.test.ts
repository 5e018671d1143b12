/**
 * Model bugs the properties of user tasks found, each as a minimal program: fixed, kept as
 * regression tests.
 */
import { describe, expect, it } from "vitest";
import { E2BIG, EBADF, EFAULT, EINVAL, ENOENT, ENOMEM, ENOSYS, EPERM, ESRCH } from "../../src/linux/include/errno.js";
import { SIGCHLD, SIGTERM } from "../../src/linux/include/signal.js";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAKE } from "../../src/linux/include/uapi/futex.js";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import { CLONE_IO, CLONE_PARENT, CLONE_SETTLS } from "../../src/linux/include/uapi/sched.js";
import { TASK_SIZE } from "../../src/linux/mm/mm_types.js";
import { runProgram } from "../helpers.js";
import { badReports, HEAP, INT_MIN, probe, tryClone, tty, UNMAPPED } from "./random-programs.js";

describe("regressions found by these properties", () => {
  // Regression (found by this file, fixed in the model): forget_original_parent (src/linux/kernel/exit.ts) moves only the child's group
  // leader to the new reaper (child.real_parent/parent); Linux's for_each_thread sets every
  // thread's real_parent. A thread of a reparented process keeps its dead parent as
  // real_parent, so a clone(CLONE_PARENT) from that thread (copy_process: p->real_parent =
  // current->real_parent) goes on the dead task's children list: it stays a zombie forever,
  // never reaped, never freed. In Linux it is init's child, and init reaps it.
  it("a thread's CLONE_PARENT child after its parent died is reaped by init", () => {
    const r = runProgram(function* (u) {
      const pid = yield* u.libc.fork();
      if (pid === 0) {
        const th = u.alloca(8);
        yield* u.libc.pthread_create(
          th,
          null,
          function* (u2) {
            yield* u2.libc.usleep(2000); // meanwhile the parent exits: init adopts this process
            const c = yield* u2.sys.clone(CLONE_PARENT | SIGCHLD);
            if (c === 0) for (;;) yield* u2.sys.exit_group(0);
            return 0;
          },
          null,
        );
        yield* u.libc.pthread_join((yield* u.load(th)) as number, 0);
        return yield* u.libc.exit(0);
      }
      yield* u.libc.usleep(500); // the thread exists now; then this parent exits
      return 0;
    });
    expect(badReports(r)).toEqual([]);
    const zombies = r.machine.tasks().filter((t) => t.exit_state !== 0);
    expect(zombies.map((t) => `${t.comm}/${t.pid} parent ${t.real_parent.pid}`)).toEqual([]);
  });

  // Regression (found by this file, fixed in the model): do_anonymous_page (src/linux/mm/memory.ts) does not recheck that the page is
  // still missing once it runs: handle_mm_fault saw no page, then yields (the cost of the
  // calls). Two tasks sharing an mm (two threads here) that first-write the same new page on
  // two CPUs both allocate one; the second replaces the first in the VMA: the first write is
  // lost and its page leaks (kmemleak). Linux rechecks the PTE under the page-table lock
  // (vmf_pte_changed) and frees the loser's page: both writes land in one page.
  it("two first writes to one page at once: both are kept, no page leaks", () => {
    const A = HEAP;
    const B = HEAP + 4096;
    const r = runProgram(
      function* (u) {
        yield* u.store(A, 0);
        const th = u.alloca(8);
        yield* u.libc.pthread_create(
          th,
          null,
          function* (u2) {
            yield* u2.store(A + 8, 1); // ready
            while ((yield* u2.load(A)) !== 1) {}
            yield* u2.store(B + 8, 22); // first write to page B, from CPU 1 ...
            return 0;
          },
          null,
        );
        while ((yield* u.load(A + 8)) !== 1) {}
        yield* u.store(A, 1);
        yield* u.store(B, 11); // ... and from CPU 0, at the same time
        yield* u.libc.pthread_join((yield* u.load(th)) as number, 0);
        yield* u.libc.puts(`${yield* u.load(B)} ${yield* u.load(B + 8)}`);
        return 0;
      },
      { cpus: 2, seed: 1 },
    );
    expect(tty(r)).toEqual(["11 22"]);
    expect(badReports(r)).toEqual([]);
  });

  // Regression (found by this file, fixed in the model): __x64_sys_clone (src/linux/kernel/fork_syscalls.ts) passes flags through u64(),
  // which turns any negative number into "all bits set", and only then takes the low 32 bits
  // (0xffffffff: CLONE_NEWNS|CLONE_FS, -EINVAL). The kernel takes lower_32_bits(clone_flags):
  // for a negative word (a sign-extended int, or what JS's | gives as soon as CLONE_IO, bit 31,
  // is in it) those are (flags >>> 0). clone(CLONE_IO | SIGCHLD) is a plain fork in Linux.
  it("a negative flag word: clone(CLONE_IO | SIGCHLD) makes a child", () => {
    const { out } = probe(function* (u, rec) {
      rec("CLONE_IO | SIGCHLD", yield* tryClone(u, () => u.sys.clone(CLONE_IO | SIGCHLD)));
      rec("sign-extended SIGCHLD", yield* tryClone(u, () => u.sys.clone(SIGCHLD - 2 ** 40)));
    });
    expect(out["CLONE_IO | SIGCHLD"]).toBeGreaterThan(0);
    expect(out["sign-extended SIGCHLD"]).toBeGreaterThan(0);
  });

  // Regression (found by this file, fixed in the model): copy_clone_args_from_user takes size -1 (a size_t of 2^64-1) for -1 and answers
  // -EINVAL (usize < CLONE_ARGS_SIZE_VER0); Linux: usize > PAGE_SIZE, -E2BIG. The model's own
  // rule for u64 fields (u64(): a negative number has the high bits set) is not applied to size.
  it("clone3 with size -1 is -E2BIG", () => {
    const { out } = probe(function* (u, rec) {
      rec("size -1", yield* tryClone(u, () => u.sys.clone3({ exit_signal: SIGCHLD }, -1)));
    });
    expect(out["size -1"]).toBe(-E2BIG);
  });

  // Regression (found by this file, fixed in the model): copy_thread (src/linux/kernel/fork.ts) ignores the TLS. On x86-64, copy_thread
  // calls set_new_tls → do_arch_prctl_64(ARCH_SET_FS), which refuses a base >= TASK_SIZE_MAX
  // with -EPERM, and copy_process fails with it (after the namespaces, before alloc_pid).
  it("CLONE_SETTLS with a TLS at or past TASK_SIZE_MAX is -EPERM", () => {
    const { out } = probe(function* (u, rec) {
      rec("clone", yield* tryClone(u, () => u.sys.clone(CLONE_SETTLS | SIGCHLD, 0, 0, 0, TASK_SIZE)));
      rec(
        "clone3",
        yield* tryClone(u, () => u.sys.clone3({ flags: CLONE_SETTLS, exit_signal: SIGCHLD, tls: 2 ** 47 }, 88)),
      );
    });
    expect(out).toEqual({ clone: -EPERM, clone3: -EPERM });
  });

  // Regression (found by this file, fixed in the model): __x64_sys_kill (src/linux/kernel/signal.ts) checks valid_signal first. In Linux
  // the check is in check_kill_permission, after the target is found: kill of a missing pid
  // (or INT_MIN) is -ESRCH whatever the signal.
  it("kill(missing pid, 65) is -ESRCH: the signal is checked once the target is found", () => {
    const { out } = probe(function* (u, rec) {
      rec("missing pid", yield* u.sys.kill(99999, 65));
      rec("INT_MIN", yield* u.sys.kill(INT_MIN, 65));
    });
    expect(out).toEqual({ "missing pid": -ESRCH, INT_MIN: -ESRCH });
  });

  // Regression (found by this file, fixed in the model): __x64_sys_kill answers -ESRCH for a zombie (t.exit_state !== 0). In Linux a
  // zombie keeps its pid and sighand until reaped: kill() succeeds (0) and the signal is
  // dropped; `kill -0 pid` is how a parent sees an unreaped child exists.
  it("kill of a zombie child succeeds", () => {
    const { out } = probe(function* (u, rec) {
      const pid = yield* u.sys.clone(SIGCHLD);
      if (pid === 0) for (;;) yield* u.sys.exit_group(0);
      yield* u.libc.usleep(2000); // the child is a zombie now
      rec("probe", yield* u.sys.kill(pid, 0));
      rec("SIGTERM", yield* u.sys.kill(pid, SIGTERM));
      rec("reaped", (yield* u.sys.wait4(pid, 0, 0)) === pid);
    });
    expect(out).toEqual({ probe: 0, SIGTERM: 0, reaped: true });
  });

  // Regression (found by this file, fixed in the model): kill(-1, sig) skips kernel threads; Linux's kill_something_info counts every
  // process with pid > 1 outside the caller's group, kernel threads included (they ignore the
  // signal, and group_send_sig_info returns 0), so a lone process gets 0, not -ESRCH.
  it("kill(-1, SIGUSR1) from a lone process is 0 (kernel threads count)", () => {
    const { out } = probe(function* (u, rec) {
      rec("kill(-1)", yield* u.sys.kill(-1, 10));
    });
    expect(out["kill(-1)"]).toBe(0);
  });

  // Regression (found by this file, fixed in the model): do_execveat_common (src/linux/fs/exec.ts) checks argv before it looks the file
  // up. Linux opens the file first (alloc_bprm → do_open_execat), then counts argv: a missing
  // file is -ENOENT whatever argv is.
  it("execve of a missing file with a bad argv is -ENOENT", () => {
    const { out } = probe(function* (u, rec) {
      rec("execve", yield* u.sys.execve("/nonexistent", 42 as unknown as string[]));
    });
    expect(out.execve).toBe(-ENOENT);
  });

  // Regression (found by this file, fixed in the model): do_execveat_common refuses argv = NULL (-EFAULT). Linux's count() treats a NULL
  // argv as empty, and since 5.18 execve adds "" as argv[0] (pr_warn_once "launched ... with
  // NULL argv"): the program runs.
  it("execve with a NULL argv runs the program", () => {
    const { out } = probe(function* (u, rec) {
      const pid = yield* u.sys.vfork();
      if (pid === 0) {
        const r = yield* u.sys.execve("/bin/false", null as unknown as string[]);
        for (;;) yield* u.sys.exit_group(-r);
      }
      yield* u.sys.wait4(pid, HEAP + 8, 0);
      rec("status", yield* u.load(HEAP + 8));
    });
    expect(out.status).toBe(1 << 8); // /bin/false's exit status, not -EFAULT's 14
  });

  // Regression (found by this file, fixed in the model): __x64_sys_execve ignores envp. Linux copies it (count(envp), copy_strings): a
  // bad envp pointer is -EFAULT and the caller's program goes on.
  it("execve with a bad envp is -EFAULT", () => {
    const { out } = probe(function* (u, rec) {
      const pid = yield* u.sys.vfork();
      if (pid === 0) {
        const r = yield* u.sys.execve("/bin/true", ["true"], 42 as unknown as string[]);
        for (;;) yield* u.sys.exit_group(-r);
      }
      yield* u.sys.wait4(pid, HEAP + 8, 0);
      rec("status", yield* u.load(HEAP + 8));
    });
    expect(out.status).toBe(EFAULT << 8);
  });

  // Regression (found by this file, fixed in the model): __x64_sys_futex (src/linux/kernel/futex.ts) checks the address's alignment
  // before the operation. In Linux do_futex's switch comes first: an unknown operation is
  // -ENOSYS without the address being looked at.
  it("futex with an unknown operation at an unaligned address is -ENOSYS", () => {
    const { out } = probe(function* (u, rec) {
      rec("futex", yield* u.sys.futex(HEAP + 1, 99, 0));
    });
    expect(out.futex).toBe(-ENOSYS);
  });

  // Regression (found by this file, fixed in the model): FUTEX_WAKE never looks at the address. Linux's get_futex_key: access_ok fails
  // for an address past TASK_SIZE_MAX (-EFAULT, private or not), and a shared (non-private)
  // key needs the page (get_user_pages_fast): an unmapped address is -EFAULT.
  it("FUTEX_WAKE at an address that is not user memory, or of a shared futex that is not mapped, is -EFAULT", () => {
    const { out } = probe(function* (u, rec) {
      rec("shared, unmapped", yield* u.sys.futex(UNMAPPED, FUTEX_WAKE, 1));
      rec("private, past TASK_SIZE_MAX", yield* u.sys.futex(2 ** 47, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1));
    });
    expect(out).toEqual({ "shared, unmapped": -EFAULT, "private, past TASK_SIZE_MAX": -EFAULT });
  });

  // Regression (found by this file, fixed in the model): do_mmap/__x64_sys_mmap (src/linux/mm/mmap.ts) answer -EINVAL to lengths and
  // ranges Linux answers -ENOMEM to: a length that PAGE_ALIGN wraps to 0 (do_mmap), a length
  // above TASK_SIZE and a MAP_FIXED range that ends past TASK_SIZE (__get_unmapped_area).
  it("mmap of a length that wraps or exceeds TASK_SIZE, or MAP_FIXED past TASK_SIZE, is -ENOMEM", () => {
    const RW = PROT_READ | PROT_WRITE;
    const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
    const { out } = probe(function* (u, rec) {
      rec("length -1", yield* u.sys.mmap(0, -1, RW, ANON));
      rec("length 2**48", yield* u.sys.mmap(0, 2 ** 48, RW, ANON));
      rec("MAP_FIXED at TASK_SIZE", yield* u.sys.mmap(TASK_SIZE, 4096, RW, ANON | MAP_FIXED));
    });
    expect(out).toEqual({ "length -1": -ENOMEM, "length 2**48": -ENOMEM, "MAP_FIXED at TASK_SIZE": -ENOMEM });
  });

  // Regression (found by this file, fixed in the model): __x64_sys_mmap checks MAP_SHARED/MAP_PRIVATE before the fd. Linux's
  // ksys_mmap_pgoff looks the fd up first for a non-anonymous mapping (-EBADF), and the map
  // type is checked in do_mmap; and x86's sys_mmap refuses an offset that is not page-aligned
  // (-EINVAL) before anything, which the model never checks.
  it("mmap: a bad fd is -EBADF before the map type; an unaligned offset is -EINVAL", () => {
    const { out } = probe(function* (u, rec) {
      rec("no type, fd -1", yield* u.sys.mmap(0, 4096, PROT_READ, 0, -1));
      rec("offset 1", yield* u.sys.mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1));
    });
    expect(out).toEqual({ "no type, fd -1": -EBADF, "offset 1": -EINVAL });
  });
});
