/**
 * Every boundary docs/eras.md lists under "Boundaries the tests pin", asserted on both of its
 * sides: the last modeled release without the change and the first with it. Each row of that
 * table has a probe here, by its text, that looks at what a run shows (trace lines, the task
 * list, /proc, what a call returns, what a program or printk printed), never at the profile's
 * field: so neither moving a boundary in the model nor re-blessing golden files can go
 * unnoticed. A boundary is added by a row in the doc and a probe here; each without the other fails.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { ERA_NAMES, type EraName } from "../../src/linux/eras/profiles.js";
import { current } from "../../src/linux/include/current.js";
import { IS_ERR, PTR_ERR } from "../../src/linux/include/err.js";
import { EAGAIN, ENOMEM } from "../../src/linux/include/errno.js";
import { task_state_to_char } from "../../src/linux/include/sched.js";
import { SIGCHLD } from "../../src/linux/include/signal.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import {
  CLONE_FS,
  CLONE_NEWUSER,
  CLONE_PIDFD,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { __WALL } from "../../src/linux/include/uapi/wait.js";
import { kthread_create, kthread_run } from "../../src/linux/kernel/kthread.js";
import { kthread_park, kthread_stop } from "../../src/linux/kernel/kthread_control.js";
import { sleepUntilStopped } from "../../src/linux/kernel/kthread_daemon.js";
import { kthread_create_worker, kthread_destroy_worker } from "../../src/linux/kernel/kthread_worker.js";
import { printk } from "../../src/linux/kernel/printk/printk.js";
import { wake_up_process } from "../../src/linux/kernel/sched/core.js";
import { signal_pending } from "../../src/linux/kernel/signal.js";
import { PIDFD_NONBLOCK, PIDFD_THREAD } from "../../src/linux/kernel/sys.js";
import { msleep } from "../../src/linux/kernel/time/timer.js";
import { EXEC_LAYOUT } from "../../src/linux/mm/mm_types.js";
import { psRows, type RunOptions, type RunResult, runScenario, traceText } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import type { KGen } from "../../src/sim/engine.js";
import type { User } from "../../src/user/user.js";
import { proc_stat } from "../../src/views/proc.js";
import { runProgram } from "../helpers.js";

// ---------------------------------------------------------------------------------------
// What the probes look at: runs made once per release (and options), on demand.

const cache = new Map<string, unknown>();
function once<T>(key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

/** A built-in scenario on `kernel`, 2 CPUs, seed 1 (every event, the default boot). */
function run(name: string, kernel: EraName, opts: RunOptions = {}): RunResult {
  return once(`${name} ${kernel} ${JSON.stringify(opts)}`, () =>
    runScenario(findScenario(name) as Scenario, { cpus: 2, seed: 1, kernel, ...opts }),
  );
}

/** The trace lines of scenario `name` on `kernel`. */
function trace(name: string, kernel: EraName, opts: RunOptions = {}): string[] {
  return once(`trace ${name} ${kernel} ${JSON.stringify(opts)}`, () => traceText(run(name, kernel, opts)).split("\n"));
}

/** The first line of scenario `name`'s trace (kthread-run by default) matching `re`, or "" (none). */
function line(kernel: EraName, re: RegExp, name = "kthread-run"): string {
  return trace(name, kernel).find((l) => re.test(l)) ?? "";
}

/** Whether kthread-run's function_graph trace shows a call of `fn`. */
function calls(kernel: EraName, fn: string, name = "kthread-run"): boolean {
  const graph = trace(name, kernel, { tracer: { tracer: "function_graph" } });
  const re = new RegExp(`\\b${fn}\\(\\)`);
  return graph.some((l) => re.test(l));
}

/** The names of the tasks after the default boot (ps, with threads). */
function tasks(kernel: EraName): string[] {
  return once(`tasks ${kernel}`, () => psRows(run("kthread-run", kernel), true).map((p) => `${p.name} ${p.state}`));
}
const hasTask = (kernel: EraName, re: RegExp) => tasks(kernel).some((t) => re.test(t));

/** The flags field (the 9th) of /proc/<pid>/stat of boot daemon `comm`, in hex ("" if absent). */
function statFlags(kernel: EraName, comm: string): string {
  const t = run("kthread-run", kernel)
    .machine.tasks()
    .find((p) => p.comm === comm);
  return t === undefined ? "" : Number(proc_stat(t).split(" ")[8]).toString(16);
}

/** What `main` printk'ed, run on `kernel` (minimal boot). */
function printed(kernel: EraName, main: () => KGen<unknown>): string[] {
  const r = runScenario({ name: "probe", description: "", main }, { cpus: 2, seed: 1, kernel, boot: "minimal" });
  return r.reports.filter((x) => x.kind === "printk").map((x) => x.title);
}

/** What a user program's raw calls return on `kernel`: label → result. */
function returns(kernel: EraName, body: (u: User, rec: (k: string, v: number | string) => void) => UGen<void>) {
  const out: Record<string, number | string> = {};
  runProgram(
    function* (u) {
      yield* u.store(EXEC_LAYOUT.heap, 0);
      yield* body(u, (k, v) => {
        out[k] = v;
      });
      return 0;
    },
    { kernel },
  );
  return out;
}

/** A clone-like call whose child leaves at once (and is reaped): its result. */
function* tryClone(u: User, call: () => UGen<number>): UGen<number> {
  const r = yield* call();
  if (r === 0) for (;;) yield* u.sys.exit(0);
  if (r > 0) yield* u.sys.wait4(r, 0, __WALL);
  return r;
}

// ---------------------------------------------------------------------------------------
// The probes, by the text of their row in docs/eras.md.

interface Probe {
  look: (kernel: EraName) => unknown;
  /** What it shows on the last release without the change, and on the first with it. */
  before: unknown;
  after: unknown;
}

/** A field of a trace line: `re`'s first group in the first line that matches it ("" if none). */
function field(kernel: EraName, re: RegExp, name = "kthread-run"): string {
  return re.exec(line(kernel, re, name))?.[1] ?? "";
}
const has = (kernel: EraName, re: RegExp, name = "kthread-run") => line(kernel, re, name) !== "";
/** A positive result is a pid or a tid: shown as "id", errors as they are. */
const id = (r: number) => (r > 0 ? "id" : r);

/** The state a kthread_stop'ed thread finds: whether it sees a signal pending (TIF_NOTIFY_SIGNAL). */
function* stopSeesSignal(): KGen<void> {
  const t = yield* kthread_run(
    function* () {
      yield* sleepUntilStopped(null);
      printk("signal pending at stop: %d", signal_pending(current()) ? 1 : 0);
      return 0;
    },
    null,
    "stopped",
  );
  if (IS_ERR(t)) return;
  yield* msleep(1);
  yield* kthread_stop(t);
}

/** What kthread_run returns when the allocation of a struct kthread fails (if there is one). */
function kthreadAllocFails(kernel: EraName): string | number {
  return once(`kthread alloc ${kernel}`, () => {
    let got: string | number = "not run";
    runScenario(
      {
        name: "probe",
        description: "",
        *main() {
          const t = yield* kthread_run(sleepUntilStopped, null, "probe");
          got = IS_ERR(t) ? PTR_ERR(t) : "ok";
          if (!IS_ERR(t)) yield* kthread_stop(t);
        },
      },
      { cpus: 2, seed: 1, kernel, boot: "minimal", faults: ["kmalloc:kthread"] },
    );
    return got;
  });
}

/** The state letter of a new kthread worker's thread 2 ms after kthread_create_worker (nothing queued). */
function* workerState(): KGen<void> {
  const w = yield* kthread_create_worker(0, "w");
  if (IS_ERR(w)) return;
  yield* msleep(2);
  printk("worker %s", task_state_to_char(w.task as task_struct));
  yield* wake_up_process(w.task as task_struct);
  yield* kthread_destroy_worker(w);
}

/** kthread_park twice on one thread: the second's result. */
function* parkTwice(): KGen<void> {
  const t = yield* kthread_create(
    function* () {
      yield* sleepUntilStopped(null);
      return 0;
    },
    null,
    "parked",
  );
  if (IS_ERR(t)) return;
  printk("first park %d", yield* kthread_park(t));
  printk("second park %d", yield* kthread_park(t));
  yield* kthread_stop(t);
}

const PROBES: Record<string, Probe> = {
  // ---- kernel threads
  "kthreadd and its threads at nice 0 (not −5)": {
    look: (k) => psRows(run("kthread-run", k)).find((p) => p.comm === "kthreadd")?.nice,
    before: -5,
    after: 0,
  },
  "the creator's wait for kthreadd is killable": {
    look: (k) => field(k, /prev_comm=init prev_pid=1 \S+ prev_state=(\S+) ==> next_comm=kthreadd/),
    before: "D",
    after: "D|K",
  },
  "a creator killed before kthreadd claims its request gets −EINTR (not −ENOMEM)": {
    look: (k) =>
      run("kthread-creator-killed-3a", k)
        .reports.filter((x) => x.kind === "printk")
        .map((x) => x.title)
        .find((t) => t.startsWith("creator:")),
    before: "creator: kthread_create returned -12",
    after: "creator: kthread_create returned -4",
  },
  "the new thread allocates its struct kthread (E4)": { look: kthreadAllocFails, before: "ok", after: -ENOMEM },
  "copy_process allocates struct kthread (E5)": { look: kthreadAllocFails, before: -ENOMEM, after: -EAGAIN },
  "the creator renames the thread with set_task_comm (task_rename)": {
    look: (k) => has(k, /task_rename: .*newcomm=my_kthread/),
    before: false,
    after: true,
  },
  "the name is set inside copy_process (no task_rename for a kthread, E6)": {
    look: (k) => has(k, /task_rename: .*newcomm=my_kthread/),
    before: true,
    after: false,
  },
  "names of 16+ characters kept whole (/proc, ps)": {
    look: (k) => psRows(run("kthread-long-name", k)).find((p) => p.comm.startsWith("long_kthread"))?.name,
    before: "long_kthread_na",
    after: "long_kthread_name_for_the_proc_view/5678",
  },
  "the new thread wakes its creator and sleeps with preemption off": {
    look: (k) => field(k, /^\s+my_kthread\/0-\d+\s+\[\d+\] (\S+)\s+[\d.]+: sched_waking: comm=init /),
    before: "d..3",
    after: "d..4",
  },
  "kthread_stop sets TIF_NOTIFY_SIGNAL": {
    look: (k) => printed(k, stopSeesSignal),
    before: ["signal pending at stop: 0"],
    after: ["signal pending at stop: 1"],
  },
  "a second kthread_park WARNs and returns −EBUSY": {
    look: (k) => printed(k, parkTwice),
    before: ["first park 0", "second park 0"],
    after: ["first park 0", "second park -16"],
  },
  "kthread workers created asleep": { look: (k) => printed(k, workerState), before: ["worker S"], after: ["worker D"] },
  // ---- fork
  "the fork function is _do_fork": { look: (k) => calls(k, "_do_fork"), before: false, after: true },
  "the fork function is kernel_clone": { look: (k) => calls(k, "kernel_clone"), before: false, after: true },
  "kernel_thread's child starts in kernel_thread_helper": {
    look: (k) => calls(k, "kernel_thread_helper"),
    before: true,
    after: false,
  },
  "a new task's placement is no longer traced as sched_migrate_task (__set_task_cpu)": {
    // kthreadd's fork of my_kthread/0: up to 4.4 sched_fork's set_task_cpu traces it.
    look: (k) =>
      has(k, /sched_migrate_task: comm=(kthreadd|my_kthread\/0) pid=\d+ prio=\d+ orig_cpu=(\d) dest_cpu=\2$/),
    before: true,
    after: false,
  },
  "the exit signal is out of clone_flags": {
    look: (k) => field(k, /task_newtask: .*comm=kthreadd clone_flags=(\S+)/),
    before: "800711",
    after: "800700",
  },
  "clone3 exists": {
    look: (k) =>
      returns(k, function* (u, rec) {
        rec("clone3", id(yield* tryClone(u, () => u.sys.clone3({ exit_signal: SIGCHLD }, 88))));
      }),
    before: { clone3: -38 },
    after: { clone3: "id" },
  },
  "CLONE_PIDFD exists": {
    // Older kernels ignore a flag they do not know: the call succeeds, no pidfd is stored.
    look: (k) =>
      returns(k, function* (u, rec) {
        yield* u.store(EXEC_LAYOUT.heap, -1);
        rec("clone", id(yield* tryClone(u, () => u.sys.clone(CLONE_PIDFD | SIGCHLD, 0, EXEC_LAYOUT.heap))));
        rec("pidfd", yield* u.load(EXEC_LAYOUT.heap));
      }),
    before: { clone: "id", pidfd: -1 },
    after: { clone: "id", pidfd: 3 },
  },
  "clone3's set_tid": {
    look: (k) =>
      returns(k, function* (u, rec) {
        yield* u.store(EXEC_LAYOUT.heap + 64, 30001);
        rec(
          "set_tid",
          yield* tryClone(u, () =>
            u.sys.clone3({ exit_signal: SIGCHLD, set_tid: EXEC_LAYOUT.heap + 64, set_tid_size: 1 }, 88),
          ),
        );
      }),
    before: { set_tid: -7 },
    after: { set_tid: 30001 },
  },
  "CLONE_PIDFD with CLONE_THREAD": {
    look: (k) =>
      returns(k, function* (u, rec) {
        rec(
          "PIDFD|THREAD",
          id(
            yield* tryClone(u, () =>
              u.sys.clone(CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, 0, EXEC_LAYOUT.heap),
            ),
          ),
        );
      }),
    before: { "PIDFD|THREAD": -22 },
    after: { "PIDFD|THREAD": "id" },
  },
  "pidfd_open's PIDFD_NONBLOCK": {
    look: (k) =>
      returns(k, function* (u, rec) {
        rec("NONBLOCK", yield* u.sys.pidfd_open(yield* u.sys.getpid(), PIDFD_NONBLOCK));
      }),
    before: { NONBLOCK: -22 },
    after: { NONBLOCK: 3 },
  },
  "pidfd_open's PIDFD_THREAD, and -ENOENT for a thread without it": {
    look: (k) =>
      returns(k, function* (u, rec) {
        rec("THREAD", yield* u.sys.pidfd_open(yield* u.sys.getpid(), PIDFD_THREAD));
        yield* u.libc.pthread_create(
          0,
          null,
          function* (t) {
            yield* t.store(EXEC_LAYOUT.heap, yield* t.sys.gettid());
            yield* t.libc.usleep(1000);
            return 0;
          },
          null,
        );
        yield* u.libc.usleep(100);
        rec("thread", yield* u.sys.pidfd_open((yield* u.load(EXEC_LAYOUT.heap)) as number, 0));
      }),
    before: { THREAD: -22, thread: -22 },
    after: { THREAD: 3, thread: -2 },
  },
  "CLONE_NEWUSER with CLONE_FS is EINVAL": {
    look: (k) =>
      returns(k, function* (u, rec) {
        rec("NEWUSER|FS", id(yield* tryClone(u, () => u.sys.clone(CLONE_NEWUSER | CLONE_FS | SIGCHLD))));
      }),
    before: { "NEWUSER|FS": "id" },
    after: { "NEWUSER|FS": -22 },
  },
  "wakeups onto an idle CPU go through its wake list (traced by <idle>)": {
    // Who traces the new thread's wakeup of its creator: the new thread, or the creator's idle CPU.
    look: (k) => field(k, /^\s*(\S+)-\d+\s+\[\d+\] \S+\s+[\d.]+: sched_wakeup: comm=init pid=1 /),
    before: "my_kthread/0",
    after: "<idle>",
  },
  "the wakeup preemption check is wakeup_preempt": {
    look: (k) => calls(k, "wakeup_preempt"),
    before: false,
    after: true,
  },
  "the vfork parent's wait is killable": {
    look: (k) =>
      field(k, /prev_comm=vfork prev_pid=\d+ \S+ prev_state=(\S+) ==> next_comm=swapper/, "vfork") ||
      field(k, /task vfork:\d+ \[\d+\] \((\S+)\) ==> swapper/, "vfork"), // 2.6.32's format
    before: "D",
    after: "D|K",
  },
  // ---- tracing
  "sched and task tracepoints": { look: (k) => has(k, /sched_switch/), before: false, after: true },
  "task_newtask and task_rename": { look: (k) => has(k, /task_newtask/), before: false, after: true },
  sched_process_exec: { look: (k) => has(k, /sched_process_exec/, "vfork"), before: false, after: true },
  "sched_prepare_exec, before the exec's task_rename": {
    look: (k) => has(k, /sched_prepare_exec: interp=\/bin\/true filename=\/bin\/true pid=\d+ comm=vfork$/, "vfork"),
    before: false,
    after: true,
  },
  sched_waking: { look: (k) => has(k, /sched_waking/), before: false, after: true },
  "wakeup events without success=": { look: (k) => has(k, /sched_wakeup: .*success=/), before: true, after: false },
  "sched_kthread_work_* events": {
    look: (k) => has(k, /sched_kthread_work_queue_work/, "kthread-worker"),
    before: false,
    after: true,
  },
  "task_rename without pid=": { look: (k) => has(k, /task_rename: pid=/, "vfork"), before: true, after: false },
  "sched_process_exit with group_dead=": {
    look: (k) => has(k, /sched_process_exit: .*group_dead=/),
    before: false,
    after: true,
  },
  "2.6.32's own event formats replaced": { look: (k) => has(k, /sched_wakeup: task /), before: true, after: false },
  "the pid column 7 wide": {
    look: (k) => field(k, /kthreadd-(2 *) \[/).length,
    before: 5,
    after: 7,
  },
  "the irq-info column 5 characters": {
    look: (k) => field(k, /\] (\S+)\s+[\d.]+: sched_switch/).length,
    before: 4,
    after: 5,
  },
  "the irq-info column": { look: (k) => has(k, /^#\s+TASK-PID\s+CPU#\s+\|\|\|\|/), before: false, after: true },
  "the header's entries-in-buffer line (3.x+)": {
    look: (k) => has(k, /^# entries-in-buffer/),
    before: false,
    after: true,
  },
  "4.19's header without entries-in-buffer": {
    look: (k) => has(k, /^# entries-in-buffer/),
    before: true,
    after: false,
  },
  "the header's entries-in-buffer line again": {
    look: (k) => has(k, /^# entries-in-buffer/),
    before: false,
    after: true,
  },
  // ---- boot
  "idle tasks named swapper/N": { look: (k) => has(k, /swapper\/1/), before: false, after: true },
  "kworker pools instead of events/N": { look: (k) => hasTask(k, /^events\/0 /), before: true, after: false },
  "rescuers named kworker/R-": { look: (k) => hasTask(k, /^kworker\/R-/), before: false, after: true },
  "no watchdog/N threads": { look: (k) => hasTask(k, /^watchdog\/0 /), before: true, after: false },
  "cpuhp/N threads": { look: (k) => hasTask(k, /^cpuhp\/0 /), before: false, after: true },
  "kswapd0's PF_KSWAPD is 0x00020000 (was 0x00040000)": {
    look: (k) => statFlags(k, "kswapd0"),
    before: "a40840",
    after: "a20840",
  },
  "kswapd0 without PF_SWAPWRITE": { look: (k) => statFlags(k, "kswapd0"), before: "a20840", after: "220840" },
  "kcompactd0 marked PF_KCOMPACTD": { look: (k) => statFlags(k, "kcompactd0"), before: "200040", after: "210040" },
  "idle kernel threads in I": { look: (k) => hasTask(k, /^kworker\/\S+ I$/), before: false, after: true },
  "RCU grace-period threads (three flavours)": { look: (k) => hasTask(k, /^rcu_sched /), before: false, after: true },
  "one RCU grace-period thread": { look: (k) => hasTask(k, /^rcu_sched /), before: true, after: false },
};

/** The rows of docs/eras.md's "Boundaries the tests pin": change, last without, first with. */
function docRows(): { change: string; last: string; first: string }[] {
  const md = readFileSync(new URL("../../docs/eras.md", import.meta.url), "utf8");
  const section = md.split("## Boundaries the tests pin")[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| change"))
    .map((l) => {
      const [change = "", last = "", first = ""] = l.slice(2, -2).split(" | ");
      return { change, last, first };
    });
}

const ROWS = docRows();

describe("docs/eras.md's boundaries", () => {
  it("are each a pair of neighbouring releases, and each has a probe here (and each probe a row)", () => {
    expect(ROWS.length).toBeGreaterThan(0);
    for (const r of ROWS) {
      const i = ERA_NAMES.indexOf(r.first as EraName);
      expect(i, `${r.change}: ${r.first} is a modeled release`).toBeGreaterThan(0);
      expect(ERA_NAMES[i - 1], `${r.change}: the release before ${r.first}`).toBe(r.last);
    }
    expect(ROWS.map((r) => r.change).sort()).toEqual(Object.keys(PROBES).sort());
  });

  it.each(ROWS)("$change: not on $last, on $first", ({ change, last, first }) => {
    const p = PROBES[change] as Probe;
    expect(p.look(last as EraName), `${change}, Linux ${last} (the last without it)`).toEqual(p.before);
    expect(p.look(first as EraName), `${change}, Linux ${first} (the first with it)`).toEqual(p.after);
  });
});
