/**
 * The user-task scenarios: what each prints, and the trace facts the real kernel shows
 * (real-linux-observations.md §1.7, §2): fork's clone flags and a zombie reaped by
 * sched_process_wait, threads leaving as X with group_dead=false, a vfork parent in D
 * until its child's exec.
 */
import { describe, expect, it } from "vitest";
import type { TraceRecord } from "../../src/linux/include/trace/events/records.js";
import { problems, type RunResult, runScenario } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import { functionName } from "../../src/sim/functions.js";
import { records } from "../helpers.js";

function run(name: string, cpus = 2): RunResult {
  const s = findScenario(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  const r = runScenario(s, { cpus, seed: 1 });
  expect(problems(r.reports)).toEqual([]);
  return r;
}

function tty(r: RunResult): string[] {
  return r.machine.kernel.tty.map((l) => l.text.trimEnd());
}

/** The index of the first record matching `pred` after `from`, or -1. */
function indexOf(rs: TraceRecord[], pred: (e: TraceRecord) => boolean, from = 0): number {
  for (let i = from; i < rs.length; i++) if (pred(rs[i] as TraceRecord)) return i;
  return -1;
}

function lastSwitchOut(rs: TraceRecord[], pid: number) {
  return rs.filter((e) => e.type === "sched_switch" && e.prev_pid === pid).at(-1);
}

describe("user scenarios", () => {
  it("fork: clone_flags=1200000, fork and wakeup_new, the child's exit as Z, then the parent's wait", () => {
    const r = run("fork");
    expect(tty(r)).toEqual(["fork: child 40 exited with status 7"]);
    const rs = records(r);
    const nt = indexOf(rs, (e) => e.type === "task_newtask" && e.tpid === 40);
    expect(nt).toBeGreaterThan(0);
    const newtask = rs[nt];
    expect(newtask?.type === "task_newtask" && newtask.clone_flags).toBe(0x1200000);
    expect(rs[nt + 1]).toMatchObject({ type: "sched_process_fork", tpid: 39, child_pid: 40 });
    expect(rs[nt + 2]).toMatchObject({ type: "sched_wakeup_new", tpid: 40 });
    const exit = indexOf(rs, (e) => e.type === "sched_process_exit" && e.tpid === 40);
    expect(rs[exit]).toMatchObject({ group_dead: true });
    const z = indexOf(rs, (e) => e.type === "sched_switch" && e.prev_pid === 40, exit);
    expect(rs[z]).toMatchObject({ prev_state: 0x20 }); // Z
    const wait = indexOf(rs, (e) => e.type === "sched_process_wait" && e.pid === 39, z);
    expect(rs[wait]).toMatchObject({ tpid: 40 });
    expect(indexOf(rs, (e) => e.type === "sched_process_free" && e.tpid === 40, wait)).toBeGreaterThan(wait);
  });

  it("pthread-create: clone_flags=3d0f00 twice; each thread leaves with group_dead=false as X", () => {
    const r = run("pthread-create");
    expect(tty(r)).toEqual(["pthread-create: thread 1 returned 10", "pthread-create: thread 2 returned 20"]);
    const rs = records(r);
    const created = rs.filter((e) => e.type === "task_newtask" && e.comm === "pthread-create");
    expect(created.map((e) => e.type === "task_newtask" && [e.tpid, e.clone_flags])).toEqual([
      [40, 0x3d0f00],
      [41, 0x3d0f00],
    ]);
    for (const tid of [40, 41]) {
      expect(rs.find((e) => e.type === "sched_process_exit" && e.tpid === tid)).toMatchObject({ group_dead: false });
      expect(lastSwitchOut(rs, tid)).toMatchObject({ prev_state: 0x10 }); // X
      expect(rs.some((e) => e.type === "sched_process_free" && e.tpid === tid)).toBe(true);
    }
    expect(rs.find((e) => e.type === "sched_process_exit" && e.tpid === 39)).toMatchObject({ group_dead: true });
    expect(lastSwitchOut(rs, 39)).toMatchObject({ prev_state: 0x20 });
  });

  it("vfork: clone_flags=4100; the parent sleeps in D until the child's exec wakes it, before sched_process_exec", () => {
    const r = run("vfork");
    const rs = records(r);
    const nt = indexOf(rs, (e) => e.type === "task_newtask" && e.tpid === 40);
    expect(rs[nt]).toMatchObject({ clone_flags: 0x4100 });
    const sleep = indexOf(rs, (e) => e.type === "sched_switch" && e.prev_pid === 39, nt);
    expect(rs[sleep]).toMatchObject({ prev_state: 0x2 }); // D
    const woken = indexOf(rs, (e) => e.type === "sched_waking" && e.tpid === 39, sleep);
    const rename = indexOf(rs, (e) => e.type === "task_rename" && e.tpid === 40, sleep);
    const exec = indexOf(rs, (e) => e.type === "sched_process_exec" && e.tpid === 40, sleep);
    expect(rs[rename]).toMatchObject({ oldcomm: "vfork", newcomm: "true" });
    expect(rs[exec]).toMatchObject({ filename: "/bin/true", old_pid: 40 });
    expect(woken).toBeGreaterThan(sleep);
    expect(woken).toBeLessThan(exec);
    // Nothing of the parent runs between its sleep and its wakeup.
    expect(indexOf(rs, (e) => e.pid === 39 && e.type !== "sched_switch", sleep + 1)).toBeGreaterThan(woken);
  });

  it("posix-spawn: clone3 with CLONE_VM|CLONE_VFORK; system() goes through /bin/sh, which vforks again", () => {
    const r = run("posix-spawn");
    expect(tty(r)).toEqual(['posix-spawn: system("false") returned exit status 1']);
    const rs = records(r);
    const spawned = rs.filter((e) => e.type === "task_newtask").map((e) => e.type === "task_newtask" && e.clone_flags);
    expect(spawned).toEqual([0x800100, 0x4100, 0x4100, 0x4100]);
    const execs = rs
      .filter((e) => e.type === "sched_process_exec")
      .map((e) => e.type === "sched_process_exec" && e.filename);
    expect(execs).toEqual(["/usr/bin/posix-spawn", "/bin/true", "/bin/sh", "/bin/false"]);
  });

  it("clone-flags: each flag shares what it names, and without it each is a copy", () => {
    expect(tty(run("clone-flags"))).toEqual([
      "no flag: the child stored 42, the parent reads 1",
      "CLONE_VM: the child stored 42, the parent reads 42",
      "no flag: the fd 3 the child opened is not in the parent's table",
      "CLONE_FILES: the fd 3 the child opened is open in the parent too",
      "no flag: the child set umask 077, the parent's umask is 022",
      "CLONE_FS: the child set umask 077, the parent's umask is 077",
      "CLONE_VM: the child ignored SIGUSR1, the parent's handler is SIG_DFL",
      "CLONE_SIGHAND|CLONE_VM: the child ignored SIGUSR1, the parent's handler is SIG_IGN",
      "CLONE_PARENT: the child of 39 has getppid() = 1 (its creator's parent)",
      "CLONE_THREAD: the process has getpid() = 39",
      "CLONE_THREAD: a thread has getpid() = 39 and gettid() = 49",
    ]);
  });

  it("fork-vs-thread: forking costs more than threads (page tables copied, pages copied on write)", () => {
    const s = findScenario("fork-vs-thread");
    if (s === undefined) throw new Error("no scenario");
    const copies: string[] = [];
    const r = runScenario(s, {
      cpus: 2,
      seed: 1,
      prepare: (m) => {
        m.kernel.slab.onAlloc = (rec) => {
          const fn = rec.allocStack.at(-1);
          if (rec.cache === "page" && fn !== undefined && functionName(fn) === "do_wp_page") copies.push(rec.allocTask);
        };
      },
    });
    expect(problems(r.reports)).toEqual([]);
    const [line] = tty(r);
    const m = /fork ([\d.]+) us, threads ([\d.]+) us/.exec(line ?? "");
    expect(m).not.toBeNull();
    const [fork, threads] = [Number(m?.[1]), Number(m?.[2])];
    expect(fork).toBeGreaterThan(2 * threads);
    // Each forked worker copied the 16 buffer pages it wrote, libc's data page (glibc's child
    // resets its thread count) and the page of its struct pthread (where schedule_tail writes
    // its tid for CLONE_CHILD_SETTID): 18 each. The threads copied none.
    expect(copies.length).toBe(4 * 18);
    expect(new Set(copies)).toEqual(
      new Set(["fork-vs-thread/40", "fork-vs-thread/41", "fork-vs-thread/42", "fork-vs-thread/43"]),
    );
  });

  it("pid-namespace: pid 1 inside, another pid outside; EPERM unprivileged unless with CLONE_NEWUSER", () => {
    expect(tty(run("pid-namespace"))).toEqual([
      "pid-namespace: outside, the parent sees the child as pid 40",
      "pid-namespace: inside, the child has getpid() = 1, getppid() = 0",
      "pid-namespace: its child has getpid() = 2, getppid() = 1",
      "pid-namespace: an orphan in the namespace now has getppid() = 1",
      "pid-namespace: as uid 1000, clone(CLONE_NEWPID) returns -1",
      "pid-namespace: with CLONE_NEWUSER too it works: pid 43 outside, 1 inside",
    ]);
  });

  it("orphans: reparented to init, which reaps them", () => {
    const r = run("orphans");
    // Child 41 is forked while child 40 still runs on the other CPU: fork balancing keeps it
    // on its parent's CPU (both fully busy, equal load), where it first runs once the parent
    // has exited, so it is an orphan from its first instruction.
    expect(tty(r)).toEqual(["orphans: child 40: parent was 39, now 1", "orphans: child 41: parent was 1, now 1"]);
    const rs = records(r);
    for (const pid of [40, 41]) {
      const z = indexOf(rs, (e) => e.type === "sched_switch" && e.prev_pid === pid && e.prev_state === 0x20);
      expect(z).toBeGreaterThan(0);
      expect(indexOf(rs, (e) => e.type === "sched_process_wait" && e.pid === 1, z)).toBeGreaterThan(z);
      expect(rs.some((e) => e.type === "sched_process_free" && e.tpid === pid)).toBe(true);
    }
    expect(r.machine.tasks().filter((t) => t.mm !== null)).toEqual([]);
  });

  it("job-control: the job's two processes stop together (T), continue, and are reaped, every wait by process group", () => {
    const r = run("job-control");
    expect(tty(r)).toEqual([
      "job-control: session 39, job in process group 40",
      // 41 was forked while both CPUs were busy: it stays on the shell's CPU and stops first.
      "job-control: 41 stopped by signal 20",
      "job-control: 40 stopped by signal 20",
      "job-control: 40 continued",
      "job-control: 41 continued",
      "job-control: 40 exited with status 1",
      "job-control: 41 exited with status 2",
    ]);
    const rs = records(r);
    for (const pid of [40, 41]) {
      const t = indexOf(rs, (e) => e.type === "sched_switch" && e.prev_pid === pid && e.prev_state === 0x4);
      expect(t).toBeGreaterThan(0);
      // It ran again after the stop, and exited.
      expect(indexOf(rs, (e) => e.type === "sched_switch" && e.next_pid === pid, t)).toBeGreaterThan(t);
      expect(rs.some((e) => e.type === "sched_process_free" && e.tpid === pid)).toBe(true);
    }
    expect(r.machine.tasks().filter((t) => t.mm !== null)).toEqual([]);
  });

  it("sigchld-reaper (wait(2) NOTES): each exit runs the SIGCHLD handler on the parent, with its siginfo, and it reaps in a WNOHANG loop; each sleep it cuts short is EINTR", () => {
    const r = run("sigchld-reaper");
    const lines = [40, 41, 42].flatMap((pid, i) => [
      `sigchld-reaper: SIGCHLD from ${pid}, exit status ${i + 1}`,
      `sigchld-reaper: reaped ${pid} in the handler`,
      "sigchld-reaper: usleep returned -1, errno 4",
    ]);
    expect(tty(r)).toEqual([...lines, "sigchld-reaper: all 3 reaped; waitpid now -1, errno 10"]);
    const rs = records(r);
    for (const pid of [40, 41, 42]) {
      const exit = indexOf(rs, (e) => e.type === "sched_process_exit" && e.tpid === pid);
      // Reaped by the parent (pid 39) after the exit: in its handler.
      expect(indexOf(rs, (e) => e.type === "sched_process_free" && e.tpid === pid, exit)).toBeGreaterThan(exit);
    }
    expect(r.machine.tasks().filter((t) => t.mm !== null)).toEqual([]);
  });

  it("every user scenario gives the same trace on every run, on 1 to 4 CPUs", () => {
    for (const name of ["fork", "vfork", "pthread-create", "orphans", "job-control", "sigchld-reaper"]) {
      for (const cpus of [1, 3, 4]) {
        const a = run(name, cpus);
        const b = run(name, cpus);
        expect(JSON.stringify(records(b))).toBe(JSON.stringify(records(a)));
        expect(a.machine.tasks().filter((t) => t.mm !== null)).toEqual([]);
      }
    }
  });
});
