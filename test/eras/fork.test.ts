/**
 * Task creation across releases (spec §1.3 deltas, §1.4, §2.3, §4.1, §5): one `it` per
 * boundary, each run on the two modeled releases around it with the differing value
 * asserted on both sides (the fork function on the stack, errno values, task states, the
 * vfork parent's sleep, pid 1's flags).
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { current } from "../../src/linux/include/current.js";
import { type ErrOr, type ErrPtr, IS_ERR, PTR_ERR } from "../../src/linux/include/err.js";
import { EAGAIN, EINTR, EINVAL, ENOMEM, ENOSYS, EPERM, ERESTARTNOINTR } from "../../src/linux/include/errno.js";
import {
  PF_KTHREAD,
  PF_NO_SETAFFINITY,
  TASK_FREEZABLE,
  TASK_KILLABLE,
  TASK_NEW,
  TASK_RUNNING,
  TASK_UNINTERRUPTIBLE,
  TASK_WAKING,
  TIF_SIGPENDING,
} from "../../src/linux/include/sched.js";
import { SIGCHLD } from "../../src/linux/include/signal.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import {
  CLONE_FS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  CLONE_PARENT,
  CLONE_PIDFD,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_UNTRACED,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { forkEntry, kernelCloneArgs } from "../../src/linux/kernel/fork.js";
import type { Machine } from "../../src/machine.js";
import { type RunOptions, runScenario } from "../../src/run.js";
import vforkScenario from "../../src/scenarios/vfork.js";
import type { KGen } from "../../src/sim/engine.js";
import { functionName } from "../../src/sim/functions.js";
import type { User, UserMain } from "../../src/user/user.js";
import { records, runMain, runProgram } from "../helpers.js";

/** A call seen by a watcher: the function, its arguments, the task, the backtrace (innermost first). */
interface Seen {
  fn: string;
  args: readonly unknown[];
  task: task_struct;
  bt: string[];
  /** The task's state, flags and allowed CPUs then, and the first argument's state (a task's). */
  state: number;
  flags: number;
  cpus: number;
  argState: number | undefined;
}

/** Options that record every entry into one of `names` (and, with `exits`, their return values). */
function watching(
  kernel: string,
  names: readonly string[],
  opts: RunOptions = {},
): { opts: RunOptions; seen: Seen[]; rets: { fn: string; task: task_struct; ret: unknown }[]; log: string[] } {
  const seen: Seen[] = [];
  /** Entries and returns in the order they happened: "name" and "name = ret". */
  const log: string[] = [];
  const rets: { fn: string; task: task_struct; ret: unknown }[] = [];
  const prepare = (m: Machine) => {
    const e = m.engine;
    const prevEnter = e.onEnter;
    const prevExit = e.onExit;
    e.onEnter = (t, fn, args) => {
      prevEnter?.(t, fn, args);
      const name = functionName(fn);
      if (!names.includes(name)) return;
      log.push(name);
      const task = t.owner as task_struct;
      const a0 = args[0] as { __state?: number } | undefined;
      seen.push({
        fn: name,
        args,
        task,
        bt: t.backtrace(),
        state: task.__state,
        flags: task.flags,
        cpus: task.cpus_mask.weight,
        argState: typeof a0 === "object" && a0 !== null ? a0.__state : undefined,
      });
    };
    e.onExit = (t, fn, ret) => {
      prevExit?.(t, fn, ret);
      const name = functionName(fn);
      if (!names.includes(name)) return;
      log.push(`${name} = ${String(ret)}`);
      rets.push({ fn: name, task: t.owner as task_struct, ret });
    };
  };
  return { opts: { cpus: 2, seed: 1, kernel, ...opts, prepare }, seen, rets, log };
}

/** The program every fork test runs as /bin/t: the C library's fork, the child exits 0. */
const forkOnce: UserMain = function* (u) {
  const pid = yield* u.libc.fork();
  if (pid === 0) return yield* u.libc._exit(0);
  yield* u.libc.waitpid(pid, 0, 0);
  return 0;
};

/**
 * Runs `body` as /bin/t on `kernel` (2 CPUs) and returns the number it gave `report`. A
 * forked child replays its parent's program, so only the first report (the parent's) counts.
 */
function programResult(
  kernel: string,
  body: (u: User, report: (v: number) => void) => UGen<unknown>,
  opts: RunOptions = {},
): number {
  let result = Number.NaN;
  let reported = false;
  const report = (v: number) => {
    if (!reported) result = v;
    reported = true;
  };
  runProgram(
    function* (u) {
      yield* body(u, report);
      return 0;
    },
    { cpus: 2, seed: 1, kernel, ...opts },
  );
  return result;
}

/** What one raw clone(flags | SIGCHLD) returns to the parent on `kernel` (the child exits at once). */
function cloneResult(kernel: string, flags: number, opts: RunOptions = {}): number {
  return programResult(
    kernel,
    function* (u, report) {
      const r = yield* u.sys.clone(flags | SIGCHLD);
      if (r === 0) return yield* u.sys.exit_group(0);
      report(r);
      if (r > 0) yield* u.libc.waitpid(r, 0, 0);
      return 0;
    },
    opts,
  );
}

/** The stack under copy_process when the program /bin/t forks (innermost first, from copy_process). */
function forkStack(kernel: string): string[] {
  const w = watching(kernel, ["copy_process"]);
  runProgram(forkOnce, w.opts);
  const mine = w.seen.filter((s) => s.task.comm === "t");
  expect(mine.length).toBe(1);
  return (mine[0] as Seen).bt.slice(0, 3);
}

describe("the fork entry and its arguments (§1.3)", () => {
  it("do_fork through 3.13, _do_fork from 4.4 (4.2 renamed it)", () => {
    expect(forkStack("3.13")).toEqual(["copy_process", "do_fork", "__x64_sys_clone"]);
    expect(forkStack("4.4")).toEqual(["copy_process", "_do_fork", "__x64_sys_clone"]);
  });

  it("_do_fork through 5.4, kernel_clone from 5.10", () => {
    expect(forkStack("5.4")).toEqual(["copy_process", "_do_fork", "__x64_sys_clone"]);
    expect(forkStack("5.10")).toEqual(["copy_process", "kernel_clone", "__x64_sys_clone"]);
  });

  it("the exit signal is in task_newtask's clone_flags until 4.19, out of them (kernel_clone_args) from 5.4", () => {
    const flags = (kernel: string) =>
      records(runProgram(forkOnce, { cpus: 2, seed: 1, kernel }))
        .filter((e) => e.type === "task_newtask" && e.comm === "t")
        .map((e) => (e as { clone_flags: number }).clone_flags);
    // glibc's fork: CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD.
    expect(flags("4.19")).toEqual([0x01200011]);
    expect(flags("5.4")).toEqual([0x01200000]);
  });
});

describe("kernel_thread per release (§1.4)", () => {
  /** The stack kthreadd starts on. */
  function kthreaddStart(kernel: string): string[] {
    const w = watching(kernel, ["kthreadd"], { boot: "minimal" });
    runMain(function* () {}, w.opts);
    return (w.seen[0] as Seen).bt;
  }

  it("2.6.32 starts a kernel thread in kernel_thread_helper (a pt_regs frame), 3.10 in ret_from_fork", () => {
    expect(kthreaddStart("2.6.24")).toEqual(["kthreadd", "kernel_thread_helper"]); // seed 003's gdb bt
    expect(kthreaddStart("2.6.32")).toEqual(["kthreadd", "kernel_thread_helper"]);
    expect(kthreaddStart("3.10")).toEqual(["kthreadd", "ret_from_fork"]);
  });

  it("2.6.32's kernel_thread hands do_fork a frame whose ip is kernel_thread_helper (bx = fn, orig_ax = −1)", () => {
    const regs = (kernel: string) => {
      const w = watching(kernel, ["do_fork"], { boot: "minimal" });
      runMain(function* () {}, w.opts);
      const kthreadd = w.seen.find((s) => s.bt[1] === "kernel_thread" && s.task.pid === 0 && s !== w.seen[0]);
      const a = (kthreadd as Seen).args[0] as { regs: { ip: unknown; bx: { name: string }; orig_ax: number } | null };
      return a.regs === null ? null : { ip: a.regs.ip !== null, fn: a.regs.bx.name, orig_ax: a.regs.orig_ax };
    };
    expect(regs("2.6.32")).toEqual({ ip: true, fn: "kthreadd", orig_ax: -1 });
    expect(regs("3.10")).toBeNull();
  });

  it("a kthread is named by copy_process from 6.4; in 6.1 it is kthreadd at task_newtask, renamed after", () => {
    const pid3 = (kernel: string) =>
      records(runMain(function* () {}, { cpus: 2, seed: 1, kernel, traceBoot: true }))
        .filter((e) => (e.type === "task_newtask" || e.type === "task_rename") && (e as { tpid: number }).tpid === 3)
        .map((e) => `${e.type}:${(e as { comm?: string }).comm ?? (e as { newcomm?: string }).newcomm}`);
    expect(pid3("6.1")).toEqual(["task_newtask:kthreadd", "task_rename:rcu_gp"]);
    expect(pid3("6.4")).toEqual(["task_newtask:rcu_gp"]);
  });
});

describe("sched_fork and wake_up_new_task (§5.3)", () => {
  /** The child's state when wake_up_new_task is entered for /bin/t's fork. */
  function stateAtWakeup(kernel: string): number {
    const w = watching(kernel, ["wake_up_new_task"]);
    runProgram(forkOnce, w.opts);
    const s = w.seen.find((x) => x.task.comm === "t") as Seen;
    return s.argState as number;
  }

  it("sched_fork leaves the child TASK_RUNNING through 4.4, TASK_NEW from 4.9", () => {
    expect(stateAtWakeup("4.4")).toBe(TASK_RUNNING);
    expect(stateAtWakeup("4.9")).toBe(TASK_NEW);
  });

  /**
   * Who chooses the CPU of /bin/t's child, and the child's state then: the caller of the fair
   * class's choice (select_task_rq is inline; 2.6.24 calls its fork balancing sched_balance_self).
   */
  function cpuChoice(kernel: string): { caller: string; state: number } {
    const w = watching(kernel, ["select_task_rq_fair", "sched_balance_self"]);
    runProgram(forkOnce, w.opts);
    const s = w.seen.find((x) => x.task.comm === "t" && (x.bt[1] === "sched_fork" || x.bt[1] === "wake_up_new_task"));
    return { caller: (s as Seen).bt[1] as string, state: (s as Seen).argState as number };
  }

  it("2.6.24 chooses the CPU in sched_fork (wake_up_new_task only activates); 2.6.32 in wake_up_new_task", () => {
    expect(cpuChoice("2.6.24")).toEqual({ caller: "sched_fork", state: TASK_RUNNING });
    expect(cpuChoice("2.6.32")).toEqual({ caller: "wake_up_new_task", state: TASK_WAKING });
  });

  it("2.6.32 chooses the CPU in wake_up_new_task with the child TASK_WAKING; 3.10 under pi_lock, child R", () => {
    expect(cpuChoice("2.6.32")).toEqual({ caller: "wake_up_new_task", state: TASK_WAKING });
    expect(cpuChoice("3.10")).toEqual({ caller: "wake_up_new_task", state: TASK_RUNNING });
  });
});

describe("the vfork parent's wait (§5.2)", () => {
  /** The parent's state as it sleeps, and what wait_for_vfork_done returned (a SIGKILL sent as it began). */
  function vforkWait(kernel: string, kill: boolean) {
    const w = watching(kernel, ["schedule", "wait_for_vfork_done", "__x64_sys_execve"], {
      signals: kill ? ["KILL:vfork@vfork:wait_for_vfork_done"] : [],
    });
    runScenario(vforkScenario, w.opts);
    const sleep = w.seen.find((s) => s.fn === "schedule" && s.bt.includes("wait_for_vfork_done")) as Seen;
    const order = w.log.filter((l) => l === "__x64_sys_execve" || l.startsWith("wait_for_vfork_done ="));
    return { state: sleep?.state, order };
  }

  it("≤2.6.32 the parent sleeps uninterruptible and a SIGKILL does not end it; 3.10 killable, it does", () => {
    expect(vforkWait("2.6.32", false).state).toBe(TASK_UNINTERRUPTIBLE);
    expect(vforkWait("3.10", false).state).toBe(TASK_KILLABLE);
    // Killed as it starts waiting: 2.6.32 is released only by the child's exec; 3.10 leaves at once.
    const old = vforkWait("2.6.32", true);
    expect(old.order).toEqual(["__x64_sys_execve", "wait_for_vfork_done = 0"]);
    expect(old.state).toBe(TASK_UNINTERRUPTIBLE);
    const newer = vforkWait("3.10", true);
    expect(newer.order).toEqual([`wait_for_vfork_done = ${-EINTR}`, "__x64_sys_execve"]);
    expect(newer.state).toBeUndefined(); // it never slept
  });

  it("5.17 waits TASK_KILLABLE; 6.1 adds TASK_FREEZABLE (6.4 and 6.8 spell it differently, same bits)", () => {
    expect(vforkWait("5.17", false).state).toBe(TASK_KILLABLE);
    expect(vforkWait("6.1", false).state).toBe(TASK_KILLABLE | TASK_FREEZABLE);
    expect(vforkWait("6.4", false).state).toBe(TASK_KILLABLE | TASK_FREEZABLE);
    expect(vforkWait("6.8", false).state).toBe(TASK_KILLABLE | TASK_FREEZABLE);
  });
});

describe("errors (§2.3)", () => {
  it("an exhausted pid space is −ENOMEM through 3.13, −EAGAIN from 4.4", () => {
    const errno = (kernel: string) => cloneResult(kernel, 0, { faults: ["alloc_pid,task=t"] });
    expect(errno("3.13")).toBe(-ENOMEM);
    expect(errno("4.4")).toBe(-EAGAIN);
  });

  it("a pending signal: ≤4.14 checked late (after the task is built), 4.19 first (nothing allocated)", () => {
    const attempt = (kernel: string) => {
      const w = watching(kernel, ["dup_task_struct"]);
      let ret = 0;
      let before = 0;
      let built = 0;
      runMain(function* () {
        const self = current();
        self.ti_flags |= TIF_SIGPENDING;
        before = w.seen.length;
        ret = yield* forkEntry(kernelCloneArgs({ exit_signal: SIGCHLD, fn: nothing }));
        built = w.seen.length - before;
        self.ti_flags &= ~TIF_SIGPENDING;
      }, w.opts);
      return { ret, built };
    };
    expect(attempt("4.14")).toEqual({ ret: -ERESTARTNOINTR, built: 1 });
    expect(attempt("4.19")).toEqual({ ret: -ERESTARTNOINTR, built: 0 });
  });

  it("a SIGKILL during the fork: 4.14 restarts (−ERESTARTNOINTR), 4.19 fails it at the commit point (−EINTR)", () => {
    const ret = (kernel: string) => {
      const w = watching(kernel, ["copy_process"], { signals: ["KILL:t@t:copy_fs"] });
      runProgram(forkOnce, w.opts);
      return w.rets
        .filter((r) => r.task.comm === "t")
        .map((r) => (IS_ERR(r.ret as ErrOr<object>) ? PTR_ERR(r.ret as ErrPtr) : "task"));
    };
    expect(ret("4.14")).toEqual([-ERESTARTNOINTR]);
    expect(ret("4.19")).toEqual([-EINTR]);
  });

  it("clone3 is ENOSYS on 4.19 and exists on 5.4; glibc's pthread_create falls back to clone there", () => {
    const raw = (kernel: string) =>
      programResult(kernel, function* (u, report) {
        const got = yield* u.sys.clone3({ flags: 0, exit_signal: SIGCHLD }, 88);
        if (got === 0) return yield* u.sys.exit_group(0);
        report(got);
        if (got > 0) yield* u.libc.waitpid(got, 0, 0);
      });
    expect(raw("4.19")).toBe(-ENOSYS);
    expect(raw("5.4")).toBeGreaterThan(0);
    const thread = (kernel: string) => {
      const w = watching(kernel, ["copy_process"]);
      let ok = -1;
      let ran = 0;
      runProgram(function* (u) {
        const th = u.alloca(8);
        ok = yield* u.libc.pthread_create(
          th,
          null,
          function* () {
            ran++;
            return 5;
          },
          null,
        );
        if (ok === 0) yield* u.libc.pthread_join((yield* u.load(th)) as number);
        return 0;
      }, w.opts);
      const via = w.seen.filter((s) => s.task.comm === "t").map((s) => s.bt[2]);
      return { ok, ran, via };
    };
    expect(thread("4.19")).toEqual({ ok: 0, ran: 1, via: ["__x64_sys_clone"] });
    expect(thread("5.4")).toEqual({ ok: 0, ran: 1, via: ["__x64_sys_clone3"] });
  });

  it("pidfd_open is ENOSYS on 4.19 (clone-flags opens a /proc file instead); a pidfd on 5.4", () => {
    const r = (kernel: string) =>
      programResult(kernel, function* (u, report) {
        report(yield* u.sys.pidfd_open(yield* u.libc.getpid()));
      });
    expect(r("4.19")).toBe(-ENOSYS);
    expect(r("5.4")).toBe(3);
  });

  it("CLONE_PARENT from init: allowed in 2.6.24, −EINVAL from 2.6.32", () => {
    const r = (kernel: string) => {
      let ret = Number.NaN;
      const run = runMain(
        function* () {
          ret = yield* forkEntry(kernelCloneArgs({ flags: CLONE_PARENT, exit_signal: SIGCHLD, fn: nothing }));
        },
        { cpus: 2, seed: 1, kernel, boot: "minimal" },
      );
      expect(run.reports.filter((x) => x.kind !== "info" && x.kind !== "printk")).toEqual([]);
      return ret;
    };
    expect(r("2.6.24")).toBeGreaterThan(0);
    expect(r("2.6.32")).toBe(-EINVAL);
  });

  it("CLONE_NEWUSER with CLONE_FS: allowed in 2.6.32, −EINVAL from 3.10", () => {
    const r = (kernel: string) => cloneResult(kernel, CLONE_NEWUSER | CLONE_FS);
    expect(r("2.6.32")).toBeGreaterThan(0);
    expect(r("3.10")).toBe(-EINVAL);
  });

  it("2.6.32's do_fork wants CAP_SYS_ADMIN for CLONE_NEWUSER (−EPERM as uid 1000); 3.10 lets anyone", () => {
    const r = (kernel: string) =>
      programResult(kernel, function* (u, report) {
        yield* u.sys.setuid(1000);
        const got = yield* u.sys.clone(CLONE_NEWUSER | SIGCHLD);
        if (got === 0) return yield* u.sys.exit_group(0);
        report(got);
        if (got > 0) yield* u.libc.waitpid(got, 0, 0);
      });
    expect(r("2.6.32")).toBe(-EPERM);
    expect(r("3.10")).toBeGreaterThan(0);
  });

  it("3.10's do_fork refuses CLONE_NEWPID with CLONE_PARENT (−EINVAL); 3.13 allows it", () => {
    const r = (kernel: string) => cloneResult(kernel, CLONE_NEWPID | CLONE_PARENT);
    expect(r("3.10")).toBe(-EINVAL);
    expect(r("3.13")).toBeGreaterThan(0);
  });

  it("a shared sighand may not enter a new pid namespace in 3.13 (−EINVAL); 4.4 narrows it to CLONE_THREAD", () => {
    const r = (kernel: string) => cloneResult(kernel, CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID);
    expect(r("3.13")).toBe(-EINVAL);
    expect(r("4.4")).toBeGreaterThan(0);
  });

  it("CLONE_PIDFD: ignored by 4.19 (no fd), a pidfd from 5.4", () => {
    const fd = (kernel: string) =>
      programResult(kernel, function* (u, report) {
        const slot = u.alloca(8);
        yield* u.store(slot, -1);
        const r = yield* u.sys.clone(CLONE_PIDFD | SIGCHLD, 0, slot);
        if (r === 0) return yield* u.sys.exit_group(0);
        report((yield* u.load(slot)) as number);
        yield* u.libc.waitpid(r, 0, 0);
      });
    expect(fd("4.19")).toBe(-1);
    expect(fd("5.4")).toBe(3);
  });

  it("CLONE_PIDFD with CLONE_THREAD: −EINVAL in 6.8, allowed in 6.19", () => {
    const r = (kernel: string) =>
      programResult(kernel, function* (u, report) {
        const flags = CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
        const got = yield* u.sys.clone(flags, 0, u.alloca(8));
        if (got === 0) return yield* u.sys.exit(0);
        report(got);
        yield* u.compute(100_000);
      });
    expect(r("6.8")).toBe(-EINVAL);
    expect(r("6.19")).toBeGreaterThan(0);
  });
});

describe("pid 1 (§4.1)", () => {
  /** pid 1's clone_flags in task_newtask (boot traced). */
  function initFlags(kernel: string): number {
    const r = runMain(function* () {}, { cpus: 2, seed: 1, kernel, traceBoot: true, boot: "minimal" });
    const e = records(r).find((x) => x.type === "task_newtask" && (x as { tpid: number }).tpid === 1);
    return (e as { clone_flags: number }).clone_flags;
  }

  it("kernel_thread(kernel_init, CLONE_FS|CLONE_SIGHAND) through 3.13, CLONE_FS alone from 4.4", () => {
    expect(initFlags("3.13")).toBe(CLONE_VM | CLONE_FS | CLONE_SIGHAND | CLONE_UNTRACED);
    expect(initFlags("4.4")).toBe(CLONE_VM | CLONE_FS | CLONE_UNTRACED);
  });

  /** pid 1 as kernel_init starts: its flags and how many CPUs it may run on (2 CPUs). */
  function initAtStart(kernel: string): { kthread: boolean; nosetaffinity: boolean; cpus: number; fn: string } {
    const w = watching(kernel, ["kernel_init"], { boot: "minimal" });
    runMain(function* () {}, w.opts);
    const s = w.seen[0] as Seen;
    return {
      kthread: (s.flags & PF_KTHREAD) !== 0,
      nosetaffinity: (s.flags & PF_NO_SETAFFINITY) !== 0,
      cpus: s.cpus,
      fn: (s.bt[1] ?? "") as string,
    };
  }

  it("pid 1 is not pinned in 4.4; pinned to the boot CPU from 4.14", () => {
    expect(initAtStart("4.4").cpus).toBe(2);
    expect(initAtStart("4.14").cpus).toBe(1);
  });

  it("pid 1 is PF_NO_SETAFFINITY while pinned from 5.17, not in 5.10", () => {
    expect(initAtStart("5.10").nosetaffinity).toBe(false);
    expect(initAtStart("5.17").nosetaffinity).toBe(true);
  });

  it("pid 1 is a kernel thread (inherited PF_KTHREAD) until its exec in 5.17; a user_mode_thread from 6.1", () => {
    expect(initAtStart("5.17").kthread).toBe(true);
    expect(initAtStart("6.1").kthread).toBe(false);
    // After the exec neither is one, so the programs it starts are user processes.
    for (const kernel of ["5.17", "6.1"]) {
      const r = runProgram(forkOnce, { cpus: 2, seed: 1, kernel });
      const init = r.machine.tasks().find((t) => t.pid === 1) as task_struct;
      expect(init.flags & PF_KTHREAD).toBe(0);
      expect(r.status).toBe(0);
    }
  });
});

/** A kernel function for a forked kernel task that returns at once. */
function* nothing(_arg: unknown): KGen<number> {
  return 0;
}
