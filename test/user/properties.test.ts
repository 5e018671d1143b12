/**
 * Properties of user tasks over random programs, and the model's answers to bad input.
 *
 * 1. Random process trees (fork, raw clone with sharing flags, vfork + exec, pthreads, raw
 *    CLONE_THREAD threads; parents that wait or leave orphans, leaders that exit before their
 *    threads) over random seeds and CPU counts: a clean run, every task exits and is freed
 *    once, leaves as Z or X, nothing of the program is left in the kernel, same trace twice.
 * 2. The same trees stopped every few microseconds: every reference count (mm_users,
 *    files->count, fs->users, sighand->count) equals the tasks pointing at it, thread groups
 *    are consistent, nr_threads and the per-user count agree with the pid hash.
 * 3. Bad input to the system calls that create, wait for, signal and exec tasks: the model
 *    never throws and answers with the errno Linux 6.19 answers (kernel/fork.c, kernel/exit.c,
 *    kernel/signal.c, kernel/futex/, mm/mmap.c, fs/exec.c); random integers thrown at clone
 *    and clone3 give a pid or a known errno, and exactly the errno of the kernel's own checks.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import {
  E2BIG,
  EAGAIN,
  EBADF,
  ECHILD,
  EEXIST,
  EFAULT,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
  ENOSYS,
  EPERM,
  ESRCH,
} from "../../src/linux/include/errno.js";
import { EXIT_DEAD, EXIT_ZOMBIE, PF_EXITING, PF_KTHREAD } from "../../src/linux/include/sched.js";
import { SIGCHLD, SIGKILL, SIGTERM } from "../../src/linux/include/signal.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import type { TraceRecord } from "../../src/linux/include/trace/events/records.js";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE } from "../../src/linux/include/uapi/futex.js";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/linux/include/uapi/mman.js";
import {
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_CLEAR_SIGHAND,
  CLONE_DETACHED,
  CLONE_FILES,
  CLONE_FS,
  CLONE_INTO_CGROUP,
  CLONE_IO,
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  CLONE_NEWUTS,
  CLONE_PARENT,
  CLONE_PARENT_SETTID,
  CLONE_PIDFD,
  CLONE_PTRACE,
  CLONE_SETTLS,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_UNTRACED,
  CLONE_VFORK,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { __WALL, __WCLONE, WEXITED, WNOHANG, WNOWAIT } from "../../src/linux/include/uapi/wait.js";
import { EXEC_LAYOUT, TASK_SIZE } from "../../src/linux/mm/mm_types.js";
import type { Machine } from "../../src/machine.js";
import { problems, type RunOptions, type RunResult } from "../../src/run.js";
import { PTHREAD_CLONE_FLAGS } from "../../src/user/libc.js";
import type { User, UserMain } from "../../src/user/user.js";
import { type ProgramRun, runProgram } from "../helpers.js";

// ---------------------------------------------------------------------------------------
// Running a program

/** Reports that mean the run or the program went wrong: problems, and segfaults (a program the model could not run). */
function badReports(r: RunResult) {
  return [...problems(r.reports), ...r.reports.filter((x) => x.kind === "segfault")].map(
    (x) => `${x.kind}: ${x.title}`,
  );
}

function tty(r: RunResult): string[] {
  return r.machine.kernel.tty.map((l) => l.text.trimEnd());
}

const records = (r: RunResult): TraceRecord[] => r.machine.kernel.trace.records();

/** Every task in the pid hash (threads too): what for_each_process_thread would visit. */
function hashedTasks(m: Machine): task_struct[] {
  const out: task_struct[] = [];
  for (const p of m.kernel.init_pid_ns.pids.values()) if (p.task !== null) out.push(p.task);
  return out;
}

const isUserTask = (t: task_struct) => t.user !== null && !(t.flags & PF_KTHREAD);

// User memory the programs use for their shared words: the heap (33 pages from EXEC_LAYOUT.heap).
const HEAP = EXEC_LAYOUT.heap;
/** An address no program maps (between the heap and the mmap area). */
const UNMAPPED = 0x40000000;
const INT_MIN = -0x80000000;

/**
 * fast-check's settings: fixed seeds; TASKLAB_SOAK=n runs each property n times as long, and
 * TASKLAB_SEED picks another seed (for soaking the model, not for CI).
 */
function runs(numRuns: number, seed: number): fc.Parameters<unknown> {
  const soak = Number(process.env.TASKLAB_SOAK ?? 1);
  const other = process.env.TASKLAB_SEED;
  return { numRuns: Math.max(1, Math.round(numRuns * soak)), seed: other === undefined ? seed : Number(other) };
}

// ---------------------------------------------------------------------------------------
// 1 and 2: random process trees

type Kind = "fork" | "clone" | "vfork" | "pthread" | "rawthread";

/** What a random program does, one node per task it creates. */
interface Node {
  id: number;
  kind: Kind;
  /** clone: the sharing flags (valid combinations only) and the exit signal. */
  flags: number;
  exitSignal: number;
  /** Whether the creator waits for it (wait4, pthread_join, or the CLEARTID futex). */
  waited: boolean;
  /** How long it sleeps before creating its own children (us). */
  delayUs: number;
  /** A process: its main thread leaves with exit() rather than exit_group() (threads outlive it). */
  leaderExit: boolean;
  /** vfork: the program the child execs. */
  exe: "/bin/true" | "/bin/false";
  children: Node[];
}

interface NodeSpec {
  parent: number;
  kind: Kind;
  share: number;
  sigchld: boolean;
  waited: boolean;
  delay: number;
  leaderExit: boolean;
  exeTrue: boolean;
}

/** The sharing flags clone() nodes draw from; CLONE_SIGHAND gets CLONE_VM added, as the kernel requires. */
const SHARE_FLAGS = [CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_PARENT, CLONE_SYSVSEM, CLONE_IO];

/** The flags of a raw thread: glibc's set without CLONE_SETTLS (tid word set and cleared by the kernel). */
const RAW_THREAD_FLAGS = (PTHREAD_CLONE_FLAGS & ~CLONE_SETTLS) >>> 0;

const nodeSpec: fc.Arbitrary<NodeSpec> = fc.record({
  parent: fc.nat(6),
  kind: fc.constantFrom<Kind>("fork", "clone", "vfork", "pthread", "rawthread"),
  share: fc.nat((1 << SHARE_FLAGS.length) - 1),
  sigchld: fc.boolean(),
  waited: fc.boolean(),
  delay: fc.nat(3),
  leaderExit: fc.boolean(),
  exeTrue: fc.boolean(),
});

const MAX_DEPTH = 3;

/** Builds the tree: node i hangs under an earlier node (or the root), at most MAX_DEPTH deep; a vfork child has none. */
function buildTree(specs: readonly NodeSpec[], root: { delay: number; leaderExit: boolean }): Node {
  const mk = (id: number, s: NodeSpec | null): Node => {
    let flags = 0;
    if (s !== null && s.kind === "clone") {
      SHARE_FLAGS.forEach((f, i) => {
        if (s.share & (1 << i)) flags = (flags | f) >>> 0; // >>> 0: CLONE_IO is bit 31
      });
      if (flags & CLONE_SIGHAND) flags = (flags | CLONE_VM) >>> 0;
    }
    return {
      id,
      kind: s?.kind ?? "fork",
      flags,
      exitSignal: s === null || s.kind !== "clone" || s.sigchld ? SIGCHLD : 0,
      waited: s?.waited ?? true,
      delayUs: 300 * (s?.delay ?? root.delay),
      leaderExit: s?.leaderExit ?? root.leaderExit,
      exe: s === null || s.exeTrue ? "/bin/true" : "/bin/false",
      children: [],
    };
  };
  const top = mk(0, null);
  const nodes: Node[] = [top];
  const depth = [0];
  specs.forEach((s, i) => {
    let p = s.parent % (i + 1);
    if ((depth[p] as number) >= MAX_DEPTH || (nodes[p] as Node).kind === "vfork") p = 0;
    const n = mk(i + 1, s);
    (nodes[p] as Node).children.push(n);
    nodes.push(n);
    depth.push((depth[p] as number) + 1);
  });
  // A task that shares the memory of a pthread runs on that pthread's TLS (its struct pthread,
  // in the pthread's stack block). Once the pthread is joined, its stack is unmapped and a new
  // pthread_create there can get the same block: pthread_join then sees "itself" (EDEADLK), as
  // it would in C. A pthread whose memory-sharing descendants make threads is not joined.
  const makesThreadsOnSharedTls = (n: Node): boolean =>
    n.children.some(
      (c) =>
        c.kind === "pthread" ||
        ((c.kind === "rawthread" || (c.kind === "clone" && (c.flags & CLONE_VM) !== 0)) && makesThreadsOnSharedTls(c)),
    );
  const sharesTls = (c: Node) => c.kind === "rawthread" || (c.kind === "clone" && (c.flags & CLONE_VM) !== 0);
  for (const n of nodes) {
    if (n.kind === "pthread" && n.children.some((c) => sharesTls(c) && makesThreadsOnSharedTls(c))) n.waited = false;
  }
  return top;
}

/** The exit status a node's process ends with (what its waiter must see). */
const code = (n: Node) => 10 + n.id;
const slot = (n: Node, k: number) => HEAP + n.id * 64 + k * 8;

const isProcess = (n: Node) => n.kind === "fork" || n.kind === "clone" || n.kind === "vfork";

function expectedStatus(n: Node): number {
  if (n.kind === "vfork") return n.exe === "/bin/true" ? 0 : 1 << 8;
  return code(n) << 8;
}

function* anomaly(u: User, text: string): UGen<void> {
  yield* u.libc.puts(`ANOMALY ${text}`);
}

/** The end of a process node's main thread. */
function* endProcess(u: User, n: Node): UGen<never> {
  if (n.leaderExit) for (;;) yield* u.sys.exit(code(n));
  for (;;) yield* u.sys.exit_group(code(n));
}

function* threadMain(u: User, n: Node): UGen<number> {
  yield* act(u, n);
  return code(n);
}

/** Creates the task of node c; returns its handle (pid, tid or pthread_t), or <= 0 on failure. */
function* create(u: User, c: Node): UGen<number> {
  switch (c.kind) {
    case "fork":
    case "clone": {
      const pid = c.kind === "fork" ? yield* u.libc.fork() : yield* u.sys.clone((c.flags | c.exitSignal) >>> 0);
      if (pid === 0) {
        yield* act(u, c);
        return yield* endProcess(u, c);
      }
      if (pid < 0) yield* anomaly(u, `${c.kind} ${c.id} failed: ${pid} errno ${u.errno}`);
      return pid;
    }
    case "vfork": {
      const pid = yield* u.libc.vfork();
      if (pid === 0) {
        yield* u.sys.execve(c.exe, [c.exe]);
        for (;;) yield* u.sys.exit_group(127);
      }
      if (pid < 0) yield* anomaly(u, `vfork ${c.id} failed: errno ${u.errno}`);
      return pid;
    }
    case "pthread": {
      const err = yield* u.libc.pthread_create(slot(c, 1), null, threadMain, c);
      if (err !== 0) {
        yield* anomaly(u, `pthread_create ${c.id} failed: ${err}`);
        return -err;
      }
      return (yield* u.load(slot(c, 1))) as number;
    }
    case "rawthread": {
      const tid = yield* u.sys.clone(RAW_THREAD_FLAGS, 0, slot(c, 2), slot(c, 2), 0);
      if (tid === 0) {
        yield* act(u, c);
        for (;;) yield* u.sys.exit(code(c));
      }
      if (tid < 0) yield* anomaly(u, `raw thread ${c.id} failed: ${tid}`);
      else {
        // CLONE_PARENT_SETTID wrote the tid before clone returned; CLEARTID may have cleared it since.
        const v = yield* u.load(slot(c, 2));
        if (v !== tid && v !== 0) yield* anomaly(u, `raw thread ${c.id}: tid word ${v}, not ${tid}`);
      }
      return tid;
    }
  }
}

/** Waits for node c as its creator: checks what the kernel reports. */
function* reap(u: User, c: Node, h: number): UGen<void> {
  if (h <= 0) return;
  if (isProcess(c)) {
    const r = yield* u.sys.wait4(h, slot(c, 0), __WALL);
    if (c.flags & CLONE_PARENT) {
      // A sibling of its creator: not the creator's child.
      if (r !== -ECHILD) yield* anomaly(u, `wait4 for CLONE_PARENT child ${c.id}: ${r}, not -ECHILD`);
      return;
    }
    if (r !== h) yield* anomaly(u, `wait4(${h}) for ${c.id}: ${r}`);
    else {
      const s = yield* u.load(slot(c, 0));
      if (s !== expectedStatus(c)) yield* anomaly(u, `${c.id}: status ${s}, not ${expectedStatus(c)}`);
    }
  } else if (c.kind === "pthread") {
    const err = yield* u.libc.pthread_join(h, slot(c, 3));
    const res = yield* u.load(slot(c, 3));
    if (err !== 0 || res !== code(c)) yield* anomaly(u, `pthread_join ${c.id}: ${err}, result ${res}`);
  } else {
    // pthread_join's way: wait until the kernel clears the tid word (CLONE_CHILD_CLEARTID).
    for (;;) {
      const v = (yield* u.load(slot(c, 2))) as number;
      if (v === 0) break;
      const r = yield* u.sys.futex(slot(c, 2), FUTEX_WAIT | FUTEX_PRIVATE_FLAG, v);
      if (r !== 0 && r !== -EAGAIN) yield* anomaly(u, `futex wait for ${c.id}: ${r}`);
    }
  }
}

/** What the task of node n does: sleep a little, create its children, wait for those it waits for. */
function* act(u: User, n: Node): UGen<void> {
  if (n.delayUs > 0) yield* u.libc.usleep(n.delayUs);
  const handles: number[] = [];
  for (const c of n.children) handles.push(yield* create(u, c));
  for (let i = 0; i < n.children.length; i++) {
    const c = n.children[i] as Node;
    if (c.waited) yield* reap(u, c, handles[i] as number);
  }
}

function treeProgram(root: Node): UserMain {
  return function* tree(u) {
    yield* act(u, root);
    return yield* endProcess(u, root);
  };
}

function describeTree(n: Node, indent = ""): string {
  const what =
    n.kind === "clone"
      ? `clone(0x${(n.flags | n.exitSignal).toString(16)})`
      : n.kind === "vfork"
        ? `vfork+exec ${n.exe}`
        : n.kind;
  const opts = [n.waited ? "waited" : "not waited", `delay ${n.delayUs}us`];
  if (isProcess(n) && n.kind !== "vfork" && n.leaderExit) opts.push("leader exits first");
  return [`${indent}${n.id}: ${n.id === 0 ? "root" : what} (${opts.join(", ")})`]
    .concat(n.children.map((c) => describeTree(c, `${indent}  `)))
    .join("\n");
}

const treeArb = fc.record({
  specs: fc.array(nodeSpec, { maxLength: 6 }),
  rootDelay: fc.nat(3),
  rootLeaderExit: fc.boolean(),
  cpus: fc.integer({ min: 1, max: 4 }),
  seed: fc.nat(1_000_000),
});

/** The slab objects live at the end of a run of a program that does nothing (the boot's), per cache. */
const baselineCache = new Map<string, Map<string, number>>();
function liveByCache(m: Machine): Map<string, number> {
  const out = new Map<string, number>();
  for (const rec of m.kernel.slab.live.values()) out.set(rec.cache, (out.get(rec.cache) ?? 0) + 1);
  return out;
}
function baseline(cpus: number, seed: number): Map<string, number> {
  const key = `${cpus}/${seed}`;
  let b = baselineCache.get(key);
  if (b === undefined) {
    const r = runProgram(
      function* () {
        return 0;
      },
      { cpus, seed },
    );
    b = liveByCache(r.machine);
    baselineCache.set(key, b);
  }
  return b;
}

/** The checks after a random tree ran to the end. */
function checkFinished(r: ProgramRun, root: Node): void {
  expect(badReports(r).join("\n")).toBe("");
  expect(r.stop).toBe("idle");
  expect(
    tty(r)
      .filter((l) => l.startsWith("ANOMALY"))
      .join("\n"),
  ).toBe("");
  expect(r.status).toBe(code(root) << 8);

  const rs = records(r);
  const created = rs
    .filter((e) => e.type === "task_newtask")
    .map((e) => e as Extract<TraceRecord, { type: "task_newtask" }>);
  // Every created task exits once and is freed once, after its exit.
  const exits = new Map<number, Extract<TraceRecord, { type: "sched_process_exit" }>[]>();
  const frees = new Map<number, number[]>();
  rs.forEach((e, i) => {
    if (e.type === "sched_process_exit") exits.set(e.tpid, [...(exits.get(e.tpid) ?? []), e]);
    if (e.type === "sched_process_free") frees.set(e.tpid, [...(frees.get(e.tpid) ?? []), i]);
  });
  const groupDead = new Map<number, number>();
  const threadsOf = new Map<number, number>();
  for (const nt of created) {
    const pid = nt.tpid;
    const ex = exits.get(pid) ?? [];
    expect(ex, `task ${pid}: sched_process_exit`).toHaveLength(1);
    expect(frees.get(pid) ?? [], `task ${pid}: sched_process_free`).toHaveLength(1);
    const e = ex[0] as Extract<TraceRecord, { type: "sched_process_exit" }>;
    expect(rs.indexOf(e)).toBeLessThan((frees.get(pid) as number[])[0] as number);
    const tgid = e.tgid;
    if (e.group_dead) groupDead.set(tgid, (groupDead.get(tgid) ?? 0) + 1);
    threadsOf.set(tgid, (threadsOf.get(tgid) ?? 0) + 1);
    // The last switch away: Z for a process leader (X if its parent reaped it before that
    // switch), X for a thread, which is reaped as it exits.
    const last = rs.filter((x) => x.type === "sched_switch" && x.prev_pid === pid).at(-1);
    const state = last?.type === "sched_switch" ? last.prev_state : -1;
    if (nt.clone_flags & CLONE_THREAD) expect(state, `thread ${pid} leaves as X`).toBe(EXIT_DEAD);
    else expect([EXIT_ZOMBIE, EXIT_DEAD], `process ${pid} leaves as Z or X`).toContain(state);
  }
  // Exactly one exit per thread group is the group's death.
  for (const tgid of threadsOf.keys()) expect(groupDead.get(tgid), `group ${tgid}: group_dead exits`).toBe(1);

  // Nothing of the program is left: no user task, hashed or not, and no zombie.
  const m = r.machine;
  for (const t of hashedTasks(m)) {
    expect(t.mm, `${t.comm}/${t.pid} has no mm`).toBeNull();
    expect(t.exit_state, `${t.comm}/${t.pid} is not a zombie`).toBe(0);
    expect(t.pid === 1 || (t.flags & PF_KTHREAD) !== 0, `${t.comm}/${t.pid} is init or a kthread`).toBe(true);
  }
  for (const t of m.tasks()) expect(t.exit_state).toBe(0);
  for (const nt of created) expect(m.kernel.init_pid_ns.pids.has(nt.tpid), `pid ${nt.tpid} freed`).toBe(false);
  const k = m.kernel;
  expect(k.nr_threads).toBe(hashedTasks(m).length);
  // The per-user count (RLIMIT_NPROC's) also counts the secondary CPUs' idle tasks, which fork_idle made.
  expect(k.nproc.get(0)).toBe(k.nr_threads + k.nr_cpu_ids - 1);
  // Every kernel object the program caused is freed: the slab is as after an empty program.
  expect(Object.fromEntries(liveByCache(m))).toEqual(
    Object.fromEntries(baseline(r.machine.kernel.nr_cpu_ids, k.cfg.seed)),
  );
}

describe("random process trees", () => {
  it("run clean: every task exits and is freed once, leaves as Z or X, nothing is left, the run repeats exactly", () => {
    const seen = { orphans: 0, zombieLeaders: 0, threads: 0, sharers: 0 };
    fc.assert(
      fc.property(treeArb, ({ specs, rootDelay, rootLeaderExit, cpus, seed }) => {
        const root = buildTree(specs, { delay: rootDelay, leaderExit: rootLeaderExit });
        const r = runProgram(treeProgram(root), { cpus, seed });
        try {
          checkFinished(r, root);
        } catch (e) {
          throw new Error(`${describeTree(root)}\n${(e as Error).message}`);
        }
        // Deterministic: the same program, seed and CPUs give the same trace and output.
        const again = runProgram(treeProgram(root), { cpus, seed });
        expect(JSON.stringify(records(again))).toBe(JSON.stringify(records(r)));
        expect(tty(again)).toEqual(tty(r));
        const rs = records(r);
        const exitAt = new Map<number, number>();
        rs.forEach((e, i) => {
          if (e.type === "sched_process_exit") exitAt.set(e.tpid, i);
        });
        // An orphan: a process that outlived the process that created it.
        const orphan = rs.some(
          (e) =>
            e.type === "task_newtask" &&
            e.pid !== 1 &&
            !(e.clone_flags & CLONE_THREAD) &&
            (exitAt.get(e.tgid) ?? 0) < (exitAt.get(e.tpid) ?? 0),
        );
        if (orphan) seen.orphans++;
        // A zombie leader: a group whose leader exited before one of its threads.
        const zombieLeader = rs.some(
          (e) =>
            e.type === "sched_process_exit" &&
            e.tgid !== e.tpid &&
            (exitAt.get(e.tgid) ?? 0) < (exitAt.get(e.tpid) ?? 0),
        );
        if (zombieLeader) seen.zombieLeaders++;
        if (rs.some((e) => e.type === "task_newtask" && e.clone_flags & CLONE_THREAD)) seen.threads++;
        if (rs.some((e) => e.type === "task_newtask" && e.clone_flags & CLONE_VM && !(e.clone_flags & CLONE_THREAD)))
          seen.sharers++;
        return true;
      }),
      runs(50, 0x7a5c),
    );
    expect(seen.orphans).toBeGreaterThan(0);
    expect(seen.zombieLeaders).toBeGreaterThan(0);
    expect(seen.threads).toBeGreaterThan(0);
    expect(seen.sharers).toBeGreaterThan(0);
  });
});

/** Where the stepping starts (virtual ns): before boot is over, so before the program starts. */
const START = 1_000_000;

/** Functions during which a task holds references that the task lists do not show yet (or any more). */
const IN_FLIGHT = ["copy_process", "exit_mm", "mmput", "exec_mmap", "do_execveat_common", "release_task"];

interface SnapshotStats {
  snapshots: number;
  quiescent: number;
  /** The most tasks seen sharing one mm, files, fs and sighand. */
  maxShared: { mm: number; files: number; fs: number; sighand: number };
}

/** A failed invariant of a snapshot (plain checks: thousands of snapshots are taken). */
function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what());
}

/** The invariants of a machine stopped at any moment; the reference counts when no task is half-way. */
function checkSnapshot(m: Machine, stats: SnapshotStats): void {
  const k = m.kernel;
  const tasks = hashedTasks(m);
  const user = tasks.filter(isUserTask);
  if (user.length === 0) return;
  stats.snapshots++;
  const at = () => `at ${m.now} ns`;
  const hashed = (t: task_struct) => k.init_pid_ns.pids.get(t.pid)?.task === t;
  check(k.nr_threads === tasks.length, () => `nr_threads ${k.nr_threads}, ${tasks.length} tasks hashed ${at()}`);
  for (const t of user) {
    const leader = t.group_leader;
    const where = `${t.comm}/${t.pid} (group ${leader.pid}) ${at()}`;
    // Thread groups: one signal_struct, whose thread list holds exactly the group's hashed threads.
    check(leader.signal === t.signal && t.tgid === leader.pid, () => `${where}: not its leader's group`);
    check(hashed(leader), () => `${where}: leader not hashed`);
    const members = [...t.signal.thread_head];
    check(members.includes(t), () => `${where}: not on its thread list`);
    check(
      t.signal.nr_threads === members.length,
      () => `${where}: nr_threads ${t.signal.nr_threads}, list ${members.length}`,
    );
    const live = members.filter((x) => !(x.flags & PF_EXITING));
    check(t.signal.live === live.length, () => `${where}: live ${t.signal.live}, ${live.length} not exiting`);
    check(members.every(hashed), () => `${where}: a thread on the list is not hashed`);
    check(t.sighand === leader.sighand, () => `${where}: threads do not share the handlers`);
    if (!(t.flags & PF_EXITING)) {
      check(t.mm !== null && t.files !== null && t.fs !== null, () => `${where}: a live user task lacks mm/files/fs`);
      check(
        live.every((x) => x.mm === t.mm),
        () => `${where}: live threads with different mms`,
      );
    }
    // A zombie's parent is alive and hashed (children are reparented before a parent becomes a zombie).
    if (t.exit_state === EXIT_ZOMBIE) {
      const p = t.real_parent;
      check(p.exit_state === 0 && hashed(p), () => `${where}: zombie whose parent ${p.comm}/${p.pid} is gone`);
    }
  }
  for (const t of tasks) {
    if (t.sim?.backtrace().some((f) => IN_FLIGHT.includes(f))) return;
  }
  stats.quiescent++;
  const refs = new Map<object, number>();
  for (const t of tasks) {
    for (const s of [t.mm, t.files, t.fs, t.sighand]) if (s !== null) refs.set(s, (refs.get(s) ?? 0) + 1);
  }
  const max = stats.maxShared;
  for (const t of user) {
    const where = `${t.comm}/${t.pid} ${at()}`;
    if (t.mm !== null) {
      check(
        t.mm.mm_users === refs.get(t.mm),
        () => `${where}: mm_users ${t.mm?.mm_users}, users ${refs.get(t.mm as object)}`,
      );
      max.mm = Math.max(max.mm, t.mm.mm_users);
    }
    if (t.files !== null) {
      const f = t.files;
      check(f.count === refs.get(f), () => `${where}: files->count ${f.count}, users ${refs.get(f)}`);
      max.files = Math.max(max.files, f.count);
    }
    if (t.fs !== null) {
      const f = t.fs;
      check(f.users === refs.get(f), () => `${where}: fs->users ${f.users}, users ${refs.get(f)}`);
      max.fs = Math.max(max.fs, f.users);
    }
    if (t.sighand !== null) {
      const h = t.sighand;
      check(h.count === refs.get(h), () => `${where}: sighand->count ${h.count}, users ${refs.get(h)}`);
      max.sighand = Math.max(max.sighand, h.count);
    }
  }
  const nproc = k.nproc.get(0);
  check(nproc === k.nr_threads + k.nr_cpu_ids - 1, () => `nproc ${nproc}, nr_threads ${k.nr_threads} ${at()}`);
}

describe("random process trees, stopped every few microseconds", () => {
  it("have reference counts equal to the tasks that hold them, and consistent thread groups", () => {
    const stats: SnapshotStats = { snapshots: 0, quiescent: 0, maxShared: { mm: 0, files: 0, fs: 0, sighand: 0 } };
    fc.assert(
      fc.property(treeArb, fc.integer({ min: 5_000, max: 40_000 }), (t, step) => {
        const root = buildTree(t.specs, { delay: t.rootDelay, leaderExit: t.rootLeaderExit });
        const program = treeProgram(root);
        const r = runProgram(program, { cpus: t.cpus, seed: t.seed, until: START });
        const m = r.machine;
        let stop = r.stop;
        try {
          for (let until = START + step; stop === "until"; until += step) {
            checkSnapshot(m, stats);
            stop = m.run({ until, maxSteps: 5_000_000 });
            expect(until).toBeLessThan(1e9);
          }
          checkSnapshot(m, stats);
          expect(stop).toBe("idle");
          m.checkLeaks();
          checkFinished({ ...r, stop, reports: m.reports, status: r.status, tty: r.tty }, root);
        } catch (e) {
          throw new Error(`${describeTree(root)}\n${(e as Error).message}`);
        }
      }),
      runs(40, 0x5eed),
    );
    expect(stats.quiescent).toBeGreaterThan(stats.snapshots / 2);
    expect(stats.maxShared.mm).toBeGreaterThan(2);
    expect(stats.maxShared.files).toBeGreaterThan(2);
    expect(stats.maxShared.fs).toBeGreaterThan(2);
    expect(stats.maxShared.sighand).toBeGreaterThan(2);
  });
});

// ---------------------------------------------------------------------------------------
// 3. Bad input

type Rec = (label: string, v: unknown) => void;

/**
 * Runs `body` as a program and returns what it recorded. Recording into a map is safe under
 * the fork-by-replay: a replaying child records the same values again, and children created
 * through `tryClone` leave at once.
 */
function probe(body: (u: User, rec: Rec) => UGen<void>, opts: RunOptions = {}) {
  const out: Record<string, unknown> = {};
  const r = runProgram(function* (u) {
    yield* u.store(HEAP, 0); // the heap's first page exists before anything shares it
    yield* body(u, (label, v) => {
      out[label] = v;
    });
    return 0;
  }, opts);
  expect(badReports(r).join("\n")).toBe("");
  expect(r.stop).toBe("idle");
  expect(r.status).toBe(0);
  return { out, r };
}

/** A clone-like call: a child (a thread, or a process) leaves at once; a process child is reaped. */
function* tryClone(u: User, call: () => UGen<number>): UGen<number> {
  const r = yield* call();
  if (r === 0) {
    if ((yield* u.sys.gettid()) !== (yield* u.sys.getpid())) for (;;) yield* u.sys.exit(0);
    for (;;) yield* u.sys.exit_group(0);
  }
  if (r > 0) yield* u.sys.wait4(r, 0, __WALL);
  return r;
}

/** struct clone_args as the model takes it, with fields of any JS value (to throw bad ones at it). */
type AnyArgs = Record<string, unknown>;
const clone3 = (u: User, args: unknown, size: number) => u.sys.clone3(args as AnyArgs, size);

describe("bad input to clone", () => {
  it("legacy clone: the flag checks of copy_process, in the kernel's order; bits the legacy call ignores are ignored", () => {
    const pidfd = HEAP + 0x40;
    const { out } = probe(function* (u, rec) {
      const cases: [string, number, number[]][] = [
        ["upper 32 bits", 2 ** 32 + SIGCHLD, []],
        ["CLONE_DETACHED", CLONE_DETACHED | SIGCHLD, []],
        ["exit signal 200", 200, []],
        ["CLONE_PIDFD|CLONE_DETACHED", CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, [0, pidfd]],
        ["CLONE_PIDFD|CLONE_PARENT_SETTID", CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, [0, pidfd]],
        ["all flags (-1)", -1, []],
        ["CLONE_THREAD alone", CLONE_THREAD | SIGCHLD, []],
        ["CLONE_SIGHAND without CLONE_VM", CLONE_SIGHAND | SIGCHLD, []],
        ["CLONE_NEWNS|CLONE_FS", CLONE_NEWNS | CLONE_FS | SIGCHLD, []],
        ["CLONE_NEWUSER|CLONE_FS", CLONE_NEWUSER | CLONE_FS | SIGCHLD, []],
        ["a thread in a new pid ns", CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID, []],
        ["CLONE_NEWIPC|CLONE_SYSVSEM", CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD, []],
        ["CLONE_CHILD_SETTID at an unmapped address", CLONE_CHILD_SETTID | SIGCHLD, [0, 0, UNMAPPED]],
        ["CLONE_PARENT_SETTID at an unmapped address", CLONE_PARENT_SETTID | SIGCHLD, [0, UNMAPPED]],
        ["CLONE_PIDFD at an unmapped address", CLONE_PIDFD | SIGCHLD, [0, UNMAPPED]],
      ];
      for (const [label, flags, rest] of cases) {
        rec(label, yield* tryClone(u, () => u.sys.clone(flags, ...(rest as []))));
      }
    });
    const pid = expect.any(Number);
    expect(out).toEqual({
      "upper 32 bits": pid,
      CLONE_DETACHED: pid,
      "exit signal 200": pid,
      "CLONE_PIDFD|CLONE_DETACHED": -EINVAL,
      "CLONE_PIDFD|CLONE_PARENT_SETTID": -EINVAL, // the legacy call's pidfd pointer is parent_tid
      "all flags (-1)": -EINVAL,
      "CLONE_THREAD alone": -EINVAL,
      "CLONE_SIGHAND without CLONE_VM": -EINVAL,
      "CLONE_NEWNS|CLONE_FS": -EINVAL,
      "CLONE_NEWUSER|CLONE_FS": -EINVAL,
      "a thread in a new pid ns": -EINVAL,
      "CLONE_NEWIPC|CLONE_SYSVSEM": -EINVAL,
      "CLONE_CHILD_SETTID at an unmapped address": pid, // schedule_tail's put_user failing is ignored
      "CLONE_PARENT_SETTID at an unmapped address": pid, // so is kernel_clone's
      "CLONE_PIDFD at an unmapped address": -EFAULT,
    });
    for (const k of ["upper 32 bits", "CLONE_DETACHED", "exit signal 200"]) expect(out[k]).toBeGreaterThan(0);
  });

  it("a child with an exit signal that is no signal is reaped only with __WCLONE or __WALL", () => {
    const { out } = probe(function* (u, rec) {
      const pid = yield* u.sys.clone(200);
      if (pid === 0) for (;;) yield* u.sys.exit_group(3);
      rec("wait4 0", yield* u.sys.wait4(pid, 0, 0));
      rec("wait4 __WCLONE", (yield* u.sys.wait4(pid, HEAP + 8, __WCLONE)) === pid);
      rec("status", yield* u.load(HEAP + 8));
    });
    expect(out).toEqual({ "wait4 0": -ECHILD, "wait4 __WCLONE": true, status: 3 << 8 });
  });

  it("clone3: size and pointer checks first (E2BIG, EINVAL, EFAULT), then the struct's fields", () => {
    const setTid = HEAP + 0x100;
    const { out } = probe(function* (u, rec) {
      const c = function* (label: string, args: unknown, size: number) {
        rec(label, yield* tryClone(u, () => clone3(u, args, size)));
      };
      yield* c("size 0", { exit_signal: SIGCHLD }, 0);
      yield* c("size 1", { exit_signal: SIGCHLD }, 1);
      yield* c("size 63", { exit_signal: SIGCHLD }, 63);
      yield* c("size 4097", { exit_signal: SIGCHLD }, 4097);
      yield* c("size 2**40", { exit_signal: SIGCHLD }, 2 ** 40);
      yield* c("size NaN", { exit_signal: SIGCHLD }, Number.NaN);
      yield* c("NULL, size 0", null, 0);
      yield* c("NULL, size 4097", null, 4097);
      yield* c("NULL", null, 88);
      yield* c("a number", 42, 88);
      yield* c("a string", "clone_args", 88);
      yield* c("size 64, no exit signal", {}, 64);
      yield* c("size 88", { exit_signal: SIGCHLD }, 88);
      yield* c("size 96, zero tail", { exit_signal: SIGCHLD, tail: [0] }, 96);
      yield* c("size 4096, no tail", { exit_signal: SIGCHLD }, 4096);
      yield* c("size 96, tail not zero", { exit_signal: SIGCHLD, tail: [0, 1] }, 96);
      yield* c("flags -1", { flags: -1 }, 88);
      yield* c("flags 2**40", { flags: 2 ** 40 }, 88);
      yield* c("flags NaN", { flags: Number.NaN }, 88);
      yield* c("flags CLONE_DETACHED", { flags: CLONE_DETACHED, exit_signal: SIGCHLD }, 88);
      yield* c("flags with a CSIGNAL bit", { flags: SIGCHLD }, 88);
      yield* c("CLONE_CLEAR_SIGHAND", { flags: CLONE_CLEAR_SIGHAND, exit_signal: SIGCHLD }, 88);
      yield* c(
        "CLONE_CLEAR_SIGHAND|CLONE_SIGHAND",
        { flags: CLONE_CLEAR_SIGHAND + (CLONE_SIGHAND | CLONE_VM), exit_signal: SIGCHLD },
        88,
      );
      yield* c("exit_signal 65", { exit_signal: 65 }, 88);
      yield* c("exit_signal 255", { exit_signal: 255 }, 88);
      yield* c("exit_signal -1", { exit_signal: -1 }, 88);
      yield* c("exit_signal NaN", { exit_signal: Number.NaN }, 88);
      yield* c("exit_signal 2**33", { exit_signal: 2 ** 33 }, 88);
      yield* c(
        "a thread with an exit signal",
        { flags: CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, exit_signal: SIGCHLD },
        88,
      );
      yield* c("CLONE_PARENT with an exit signal", { flags: CLONE_PARENT, exit_signal: SIGCHLD }, 88);
      yield* c("a thread without CLONE_SIGHAND", { flags: CLONE_THREAD }, 88);
      yield* c("stack_size without stack", { exit_signal: SIGCHLD, stack_size: 4096 }, 88);
      yield* c("stack without stack_size", { exit_signal: SIGCHLD, stack: HEAP }, 88);
      yield* c("stack past TASK_SIZE", { exit_signal: SIGCHLD, stack: TASK_SIZE - 4096, stack_size: 8192 }, 88);
      yield* c("stack -1", { exit_signal: SIGCHLD, stack: -1, stack_size: 4096 }, 88);
      yield* c("stack ending at TASK_SIZE", { exit_signal: SIGCHLD, stack: TASK_SIZE - 4096, stack_size: 4096 }, 88);
      yield* c(
        "child_tid, parent_tid, tls garbage",
        { exit_signal: SIGCHLD, child_tid: -1, parent_tid: Number.NaN, tls: 2 ** 60 },
        88,
      );
      yield* c(
        "CLONE_CHILD_SETTID|CLONE_PARENT_SETTID at garbage",
        { flags: CLONE_CHILD_SETTID | CLONE_PARENT_SETTID, exit_signal: SIGCHLD, child_tid: -1, parent_tid: UNMAPPED },
        88,
      );
      yield* c("CLONE_PIDFD at an unmapped address", { flags: CLONE_PIDFD, exit_signal: SIGCHLD, pidfd: UNMAPPED }, 88);
      yield* c(
        "CLONE_PIDFD and CLONE_PARENT_SETTID at one address",
        { flags: CLONE_PIDFD | CLONE_PARENT_SETTID, exit_signal: SIGCHLD, pidfd: HEAP + 8, parent_tid: HEAP + 8 },
        88,
      );
      yield* c(
        "CLONE_INTO_CGROUP, cgroup > INT_MAX",
        { flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 2 ** 31 },
        88,
      );
      yield* c("CLONE_INTO_CGROUP, size 80", { flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 0 }, 80);
      yield* c(
        "CLONE_INTO_CGROUP, fd 0 (no cgroup)",
        { flags: CLONE_INTO_CGROUP, exit_signal: SIGCHLD, cgroup: 0 },
        88,
      );
      // set_tid: an array of pid_t in user memory, deepest namespace first.
      yield* u.store(setTid, 1);
      yield* u.store(setTid + 4, 30001);
      yield* u.store(setTid + 8, 32768);
      yield* u.store(setTid + 12, -5);
      yield* u.store(setTid + 16, yield* u.sys.getpid());
      const st = (off: number, n: number) => ({ exit_signal: SIGCHLD, set_tid: setTid + off, set_tid_size: n });
      yield* c("set_tid_size 33", st(0, 33), 88);
      yield* c("set_tid_size without set_tid", { exit_signal: SIGCHLD, set_tid_size: 1 }, 88);
      yield* c("set_tid without set_tid_size", { exit_signal: SIGCHLD, set_tid: setTid }, 88);
      yield* c("set_tid unmapped", { exit_signal: SIGCHLD, set_tid: UNMAPPED, set_tid_size: 1 }, 88);
      yield* c("set_tid_size -1", { exit_signal: SIGCHLD, set_tid: setTid, set_tid_size: -1 }, 88);
      yield* c("set_tid 1 (init's)", st(0, 1), 88);
      yield* c("set_tid: the caller's own pid", st(16, 1), 88);
      yield* c("set_tid pid_max", st(8, 1), 88);
      yield* c("set_tid -5", st(12, 1), 88);
      yield* c("set_tid 30001", st(4, 1), 88);
      yield* c("set_tid, two levels in the initial namespace", st(0, 2), 88);
      yield* c("set_tid ignored at size 64", st(0, 1), 64);
      // With CLONE_NEWPID, set_tid[0] is the number in the new namespace, where only 1 can come first.
      yield* c("set_tid [1, 30001] with CLONE_NEWPID", { ...st(0, 2), flags: CLONE_NEWPID }, 88);
      yield* c("set_tid [30001] with CLONE_NEWPID", { ...st(4, 1), flags: CLONE_NEWPID }, 88);
    });
    const pid = expect.any(Number);
    expect(out).toEqual({
      "size 0": -EINVAL,
      "size 1": -EINVAL,
      "size 63": -EINVAL,
      "size 4097": -E2BIG,
      "size 2**40": -E2BIG,
      "size NaN": -E2BIG, // no size_t: the model takes it for a huge one
      "NULL, size 0": -EINVAL,
      "NULL, size 4097": -E2BIG,
      NULL: -EFAULT,
      "a number": -EFAULT,
      "a string": -EFAULT,
      "size 64, no exit signal": pid,
      "size 88": pid,
      "size 96, zero tail": pid,
      "size 4096, no tail": pid,
      "size 96, tail not zero": -E2BIG,
      "flags -1": -EINVAL,
      "flags 2**40": -EINVAL,
      "flags NaN": -EINVAL,
      "flags CLONE_DETACHED": -EINVAL,
      "flags with a CSIGNAL bit": -EINVAL,
      CLONE_CLEAR_SIGHAND: pid,
      "CLONE_CLEAR_SIGHAND|CLONE_SIGHAND": -EINVAL,
      "exit_signal 65": -EINVAL,
      "exit_signal 255": -EINVAL,
      "exit_signal -1": -EINVAL,
      "exit_signal NaN": -EINVAL,
      "exit_signal 2**33": -EINVAL,
      "a thread with an exit signal": -EINVAL,
      "CLONE_PARENT with an exit signal": -EINVAL,
      "a thread without CLONE_SIGHAND": -EINVAL,
      "stack_size without stack": -EINVAL,
      "stack without stack_size": -EINVAL,
      "stack past TASK_SIZE": -EINVAL,
      "stack -1": -EINVAL,
      "stack ending at TASK_SIZE": pid,
      "child_tid, parent_tid, tls garbage": pid, // not used without their flags
      "CLONE_CHILD_SETTID|CLONE_PARENT_SETTID at garbage": pid, // failed writes are ignored
      "CLONE_PIDFD at an unmapped address": -EFAULT,
      "CLONE_PIDFD and CLONE_PARENT_SETTID at one address": -EINVAL,
      "CLONE_INTO_CGROUP, cgroup > INT_MAX": -EINVAL,
      "CLONE_INTO_CGROUP, size 80": -EINVAL,
      "CLONE_INTO_CGROUP, fd 0 (no cgroup)": -EBADF,
      "set_tid_size 33": -EINVAL,
      "set_tid_size without set_tid": -EINVAL,
      "set_tid without set_tid_size": -EINVAL,
      "set_tid unmapped": -EFAULT,
      "set_tid_size -1": -EINVAL,
      "set_tid 1 (init's)": -EEXIST,
      "set_tid: the caller's own pid": -EEXIST,
      "set_tid pid_max": -EINVAL,
      "set_tid -5": -EINVAL,
      "set_tid 30001": 30001,
      "set_tid, two levels in the initial namespace": -EINVAL,
      "set_tid ignored at size 64": pid,
      "set_tid [1, 30001] with CLONE_NEWPID": 30001,
      "set_tid [30001] with CLONE_NEWPID": -EINVAL,
    });
    for (const [k, v] of Object.entries(out)) if (typeof v === "number") expect(v, k).not.toBe(0);
  });
});

describe("bad input to wait4, kill, execve, futex, mmap and munmap", () => {
  it("wait4: options are checked first, then INT_MIN, then whether there is a child to wait for", () => {
    const { out } = probe(function* (u, rec) {
      const me = yield* u.sys.getpid();
      rec("options 0x10", yield* u.sys.wait4(-1, 0, 0x10));
      rec("options WEXITED", yield* u.sys.wait4(-1, 0, WEXITED));
      rec("options WNOWAIT", yield* u.sys.wait4(-1, 0, WNOWAIT));
      rec("options -1", yield* u.sys.wait4(-1, 0, -1));
      rec("options 0.5", yield* u.sys.wait4(-1, 0, 0.5));
      rec("INT_MIN, bad options", yield* u.sys.wait4(INT_MIN, 0, 0x10));
      rec("INT_MIN", yield* u.sys.wait4(INT_MIN, 0, 0));
      rec("-1, no child", yield* u.sys.wait4(-1, 0, 0));
      rec("0, no child", yield* u.sys.wait4(0, 0, __WALL));
      rec("a pid that does not exist", yield* u.sys.wait4(99999, 0, 0));
      rec("a process group that does not exist", yield* u.sys.wait4(-99999, 0, 0));
      rec("itself", yield* u.sys.wait4(me, 0, 0));
      rec("init, not its child", yield* u.sys.wait4(1, 0, 0));
      const pid = yield* u.sys.clone(SIGCHLD);
      if (pid === 0) {
        yield* u.libc.usleep(500);
        for (;;) yield* u.sys.exit_group(5);
      }
      rec("WNOHANG, child running", yield* u.sys.wait4(pid, 0, WNOHANG));
      rec("__WCLONE, a SIGCHLD child", yield* u.sys.wait4(pid, 0, __WCLONE));
      // The status cannot be stored: -EFAULT, but the child is reaped all the same (as in Linux).
      rec("status at an unmapped address", yield* u.sys.wait4(pid, UNMAPPED, 0));
      rec("again", yield* u.sys.wait4(pid, 0, 0));
    });
    expect(out).toEqual({
      "options 0x10": -EINVAL,
      "options WEXITED": -EINVAL, // wait4 adds it itself; only waitid takes it
      "options WNOWAIT": -EINVAL,
      "options -1": -EINVAL,
      "options 0.5": -EINVAL,
      "INT_MIN, bad options": -EINVAL,
      INT_MIN: -ESRCH,
      "-1, no child": -ECHILD,
      "0, no child": -ECHILD,
      "a pid that does not exist": -ECHILD,
      "a process group that does not exist": -ECHILD,
      itself: -ECHILD,
      "init, not its child": -ECHILD,
      "WNOHANG, child running": 0,
      "__WCLONE, a SIGCHLD child": -ECHILD,
      "status at an unmapped address": -EFAULT,
      again: -ECHILD,
    });
  });

  it("kill: invalid signals, INT_MIN, missing processes; init ignores SIGKILL from user space; a child can be killed", () => {
    const { out, r } = probe(function* (u, rec) {
      const me = yield* u.sys.getpid();
      rec("signal 65", yield* u.sys.kill(me, 65));
      rec("signal -1", yield* u.sys.kill(me, -1));
      rec("signal 0.5", yield* u.sys.kill(me, 0.5));
      rec("signal 0 (a probe)", yield* u.sys.kill(me, 0));
      rec("SIGCHLD to itself (ignored)", yield* u.sys.kill(me, SIGCHLD));
      rec("INT_MIN", yield* u.sys.kill(INT_MIN, 0));
      rec("a pid that does not exist", yield* u.sys.kill(99999, 0));
      rec("a process group that does not exist", yield* u.sys.kill(-99999, 0));
      rec("init, probe", yield* u.sys.kill(1, 0));
      rec("init, SIGKILL", yield* u.sys.kill(1, SIGKILL));
      const pid = yield* u.sys.clone(SIGCHLD);
      if (pid === 0) {
        yield* u.libc.usleep(100_000);
        for (;;) yield* u.sys.exit_group(0);
      }
      rec("SIGTERM to a child", yield* u.sys.kill(pid, SIGTERM));
      rec("reaped", (yield* u.sys.wait4(pid, HEAP + 8, 0)) === pid);
      rec("status", yield* u.load(HEAP + 8));
    });
    expect(out).toEqual({
      "signal 65": -EINVAL,
      "signal -1": -EINVAL,
      "signal 0.5": -EINVAL,
      "signal 0 (a probe)": 0,
      "SIGCHLD to itself (ignored)": 0,
      INT_MIN: -ESRCH,
      "a pid that does not exist": -ESRCH,
      "a process group that does not exist": -ESRCH,
      "init, probe": 0,
      "init, SIGKILL": 0, // sent, and dropped: init has no handler for it
      "SIGTERM to a child": 0,
      reaped: true,
      status: SIGTERM,
    });
    expect(r.machine.kernel.init_pid_ns.pids.get(1)?.task?.exit_state).toBe(0);
  });

  it("execve: a bad file name, a missing file, a bad argv", () => {
    const { out } = probe(function* (u, rec) {
      const exec = (path: unknown, argv: unknown) => u.sys.execve(path as string, argv as string[]);
      rec("file name not a string", yield* exec(42, []));
      rec("NULL file name", yield* exec(null, []));
      rec("empty file name", yield* exec("", []));
      rec("missing file", yield* exec("/nonexistent", ["x"]));
      rec("a directory-like name", yield* exec("/bin/", ["x"]));
      rec("argv not an array", yield* exec("/bin/true", 42));
      rec("argv with a non-string", yield* exec("/bin/true", ["true", 42]));
      // A good execve, in a child: the exit status is /bin/false's.
      const pid = yield* u.sys.vfork();
      if (pid === 0) {
        yield* u.sys.execve("/bin/false", ["false"]);
        for (;;) yield* u.sys.exit_group(127);
      }
      yield* u.sys.wait4(pid, HEAP + 8, 0);
      rec("/bin/false", yield* u.load(HEAP + 8));
    });
    expect(out).toEqual({
      "file name not a string": -EFAULT,
      "NULL file name": -EFAULT,
      "empty file name": -ENOENT,
      "missing file": -ENOENT,
      "a directory-like name": -ENOENT,
      "argv not an array": -EFAULT,
      "argv with a non-string": -EFAULT,
      "/bin/false": 1 << 8,
    });
  });

  it("futex: alignment, unmapped words, unknown operations, a changed value", () => {
    const { out } = probe(function* (u, rec) {
      const P = FUTEX_PRIVATE_FLAG;
      yield* u.store(HEAP + 16, 7);
      rec("wait, unaligned", yield* u.sys.futex(HEAP + 2, FUTEX_WAIT, 0));
      rec("wait private, unaligned", yield* u.sys.futex(HEAP + 2, FUTEX_WAIT | P, 0));
      rec("wait, unmapped", yield* u.sys.futex(UNMAPPED, FUTEX_WAIT, 0));
      rec("wait private, unmapped", yield* u.sys.futex(UNMAPPED, FUTEX_WAIT | P, 0));
      rec("wake private, unmapped", yield* u.sys.futex(UNMAPPED, FUTEX_WAKE | P, 1));
      rec("wait, value changed", yield* u.sys.futex(HEAP + 16, FUTEX_WAIT | P, 8));
      rec("wake, nobody waits", yield* u.sys.futex(HEAP + 16, FUTEX_WAKE | P, 1));
      rec("wake 0", yield* u.sys.futex(HEAP + 16, FUTEX_WAKE | P, 0));
      rec("unknown operation", yield* u.sys.futex(HEAP + 16, 99, 0));
      rec("FUTEX_CLOCK_REALTIME with FUTEX_WAIT", yield* u.sys.futex(HEAP + 16, FUTEX_WAIT | 256, 7));
    });
    expect(out).toEqual({
      "wait, unaligned": -EINVAL,
      "wait private, unaligned": -EINVAL,
      "wait, unmapped": -EFAULT,
      "wait private, unmapped": -EFAULT,
      "wake private, unmapped": 0, // a private key needs no page
      "wait, value changed": -EAGAIN,
      "wake, nobody waits": 0,
      "wake 0": 0,
      "unknown operation": -ENOSYS,
      "FUTEX_CLOCK_REALTIME with FUTEX_WAIT": -ENOSYS, // only the BITSET and PI waits take it
    });
  });

  it("mmap and munmap: zero or misaligned lengths and addresses; unmapping what is not mapped is fine", () => {
    const RW = PROT_READ | PROT_WRITE;
    const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
    const { out } = probe(function* (u, rec) {
      rec("mmap length 0", yield* u.sys.mmap(0, 0, RW, ANON));
      rec("mmap without MAP_PRIVATE or MAP_SHARED", yield* u.sys.mmap(0, 4096, RW, MAP_ANONYMOUS));
      rec("mmap of a file, fd -1", yield* u.sys.mmap(0, 4096, RW, MAP_PRIVATE, -1));
      rec("MAP_FIXED at an unaligned address", yield* u.sys.mmap(HEAP + 1, 4096, RW, ANON | MAP_FIXED));
      rec("mmap of the whole address space", yield* u.sys.mmap(0, TASK_SIZE, RW, ANON));
      const big = yield* u.sys.mmap(0, 2 ** 40, RW, ANON);
      rec("mmap of 1 TiB", big > 0 && big % 4096 === 0);
      rec("munmap it", yield* u.sys.munmap(big, 2 ** 40));
      const a = yield* u.sys.mmap(0, 3 * 4096, RW, ANON);
      rec("munmap the middle page", yield* u.sys.munmap(a + 4096, 4096));
      rec("munmap it again", yield* u.sys.munmap(a + 4096, 4096));
      rec("munmap the rest, across the hole", yield* u.sys.munmap(a, 3 * 4096));
      rec("munmap, nothing mapped there", yield* u.sys.munmap(UNMAPPED, 4096));
      rec("munmap, unaligned", yield* u.sys.munmap(UNMAPPED + 1, 4096));
      rec("munmap, length 0", yield* u.sys.munmap(UNMAPPED, 0));
      rec("munmap, length -1", yield* u.sys.munmap(UNMAPPED, -1));
      rec("munmap at TASK_SIZE", yield* u.sys.munmap(TASK_SIZE, 4096));
      rec("munmap across TASK_SIZE", yield* u.sys.munmap(TASK_SIZE - 4096, 8192));
      rec("munmap of the last page", yield* u.sys.munmap(TASK_SIZE - 4096, 4096));
      rec("munmap NaN", yield* u.sys.munmap(Number.NaN, 4096));
    });
    expect(out).toEqual({
      "mmap length 0": -EINVAL,
      "mmap without MAP_PRIVATE or MAP_SHARED": -EINVAL,
      "mmap of a file, fd -1": -EBADF,
      "MAP_FIXED at an unaligned address": -EINVAL,
      "mmap of the whole address space": -ENOMEM,
      "mmap of 1 TiB": true,
      "munmap it": 0,
      "munmap the middle page": 0,
      "munmap it again": 0,
      "munmap the rest, across the hole": 0,
      "munmap, nothing mapped there": 0,
      "munmap, unaligned": -EINVAL,
      "munmap, length 0": -EINVAL,
      "munmap, length -1": -EINVAL,
      "munmap at TASK_SIZE": -EINVAL,
      "munmap across TASK_SIZE": -EINVAL,
      "munmap of the last page": 0,
      "munmap NaN": -EINVAL,
    });
  });

  it("arguments C cannot even pass (NaN, strings, objects) give an errno, never an exception", () => {
    const garbage: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, -0.5, "1", { x: 1 }, undefined, null, 2 ** 64];
    const { out } = probe(function* (u, rec) {
      let i = 0;
      for (const g of garbage) {
        const n = g as number;
        rec(`clone ${i}`, yield* tryClone(u, () => u.sys.clone(n, n, n, n, n)));
        rec(`clone3 ${i}`, yield* tryClone(u, () => clone3(u, { flags: g, exit_signal: g, stack: g, set_tid: g }, n)));
        rec(`wait4 ${i}`, yield* u.sys.wait4(n, n, n));
        rec(`kill ${i}`, yield* u.sys.kill(n, n));
        rec(`execve ${i}`, yield* u.sys.execve(g as string, g as string[]));
        rec(`futex ${i}`, yield* u.sys.futex(n, n, n));
        rec(`mmap ${i}`, yield* u.sys.mmap(n, n, n, n, n, n));
        rec(`munmap ${i}`, yield* u.sys.munmap(n, n));
        rec(`nanosleep ${i}`, yield* u.sys.nanosleep(g as { tv_sec: number; tv_nsec: number }));
        i++;
      }
    });
    // A result (undefined reads as a missing argument, 0: a clone may then succeed), or an errno
    // a program may see (never a kernel-internal -ERESTART*).
    for (const [k, v] of Object.entries(out)) {
      expect(typeof v, k).toBe("number");
      const n = v as number;
      expect(Number.isInteger(n) && n > -512, `${k}: ${n}`).toBe(true);
    }
    expect(out["mmap 0"]).toBe(-EINVAL);
    expect(out["clone3 0"]).toBe(-E2BIG);
  });
});

// ---------------------------------------------------------------------------------------
// Random integers at clone and clone3, against the kernel's own checks

/** The errnos a clone may give once past the checks the oracles below compute. */
const CLONE_ERRNOS = new Set([EINVAL, EPERM, ENOMEM, EAGAIN, EFAULT, EBADF, E2BIG, EEXIST, ENOSPC, 87 /* EUSERS */]);

const CSIGNAL = 0xff;
const CLONE_NEWTIME = 0x80;
const KNOWN_LO_FLAGS = [
  CLONE_VM,
  CLONE_FS,
  CLONE_FILES,
  CLONE_SIGHAND,
  CLONE_PIDFD,
  CLONE_PTRACE,
  CLONE_VFORK,
  CLONE_PARENT,
  CLONE_THREAD,
  CLONE_NEWNS,
  CLONE_SYSVSEM,
  CLONE_SETTLS,
  CLONE_PARENT_SETTID,
  CLONE_CHILD_CLEARTID,
  CLONE_DETACHED,
  CLONE_UNTRACED,
  CLONE_CHILD_SETTID,
  CLONE_NEWCGROUP,
  CLONE_NEWUTS,
  CLONE_NEWIPC,
  CLONE_NEWUSER,
  CLONE_NEWPID,
  CLONE_NEWNET,
  CLONE_IO,
];

/** copy_process's checks before it allocates anything, then copy_namespaces' (6.19 order). */
function copyProcessCheck(f: bigint): number | null {
  const has = (x: number) => (f & BigInt(x)) !== 0n;
  if (has(CLONE_NEWNS) && has(CLONE_FS)) return -EINVAL;
  if (has(CLONE_NEWUSER) && has(CLONE_FS)) return -EINVAL;
  if (has(CLONE_THREAD) && !has(CLONE_SIGHAND)) return -EINVAL;
  if (has(CLONE_SIGHAND) && !has(CLONE_VM)) return -EINVAL;
  if (has(CLONE_THREAD) && (has(CLONE_NEWUSER) || has(CLONE_NEWPID))) return -EINVAL;
  if (has(CLONE_PIDFD) && has(CLONE_DETACHED)) return -EINVAL;
  if (has(CLONE_NEWIPC) && has(CLONE_SYSVSEM)) return -EINVAL;
  return null;
}

const u64 = (v: number) => BigInt.asUintN(64, BigInt(v));

interface CloneCall {
  flags: number;
  parent_tid: number;
  child_tid: number;
  tls: number;
}

/** What Linux answers to clone(flags, 0, parent_tid, child_tid, tls): an errno, or null for a child. */
function legacyCloneOracle(c: CloneCall): number | null {
  const lo = BigInt.asUintN(32, BigInt(c.flags));
  const f = lo & ~BigInt(CSIGNAL);
  const has = (x: number) => (f & BigInt(x)) !== 0n;
  if (has(CLONE_PIDFD) && has(CLONE_PARENT_SETTID)) return -EINVAL; // pidfd is parent_tid
  const pre = copyProcessCheck(f);
  if (pre !== null) return pre;
  // The pidfd is stored at parent_tid, after the pid is allocated.
  if (has(CLONE_PIDFD) && !writable(c.parent_tid)) return -EFAULT;
  return null;
}

/** The addresses the random calls use: the heap's first page is mapped and writable. */
const writable = (addr: number) => addr >= HEAP && addr < HEAP + 4096;
const ADDRS = [0, HEAP + 8, HEAP + 16, UNMAPPED, -1, TASK_SIZE];

interface Clone3Call {
  args: {
    flags: number;
    exit_signal: number;
    pidfd: number;
    parent_tid: number;
    child_tid: number;
    stack: number;
    stack_size: number;
    tls: number;
    set_tid: number;
    set_tid_size: number;
    cgroup: number;
  };
  size: number;
}

/** The set_tid arrays the random calls may point at: [1, 30001] at SET_TID, 30002 at SET_TID + 8. */
const SET_TID = HEAP + 0x100;

/**
 * What Linux answers to clone3(args, size): an errno, a pid it must be (set_tid), or null for
 * any new pid (copy_clone_args_from_user, clone3_args_valid, kernel_clone, copy_process, alloc_pid).
 */
function clone3Oracle(c: Clone3Call): { err: number } | { pid: number | null } {
  const size = u64(c.size);
  if (size > 4096n) return { err: -E2BIG };
  if (size < 64n) return { err: -EINVAL };
  const a = c.args;
  const set_tid = size >= 80n ? u64(a.set_tid) : 0n;
  const set_tid_size = size >= 80n ? u64(a.set_tid_size) : 0n;
  const cgroup = size >= 88n ? u64(a.cgroup) : 0n;
  if (set_tid_size > 32n) return { err: -EINVAL };
  if (set_tid === 0n && set_tid_size > 0n) return { err: -EINVAL };
  if (set_tid !== 0n && set_tid_size === 0n) return { err: -EINVAL };
  const sig = u64(a.exit_signal);
  if (sig > 64n) return { err: -EINVAL };
  const f = u64(a.flags);
  const has = (x: number) => (f & BigInt(x)) !== 0n;
  if (has(CLONE_INTO_CGROUP) && (cgroup > 0x7fffffffn || size < 88n)) return { err: -EINVAL };
  const tids: number[] = [];
  for (let i = 0n; i < set_tid_size; i++) {
    const addr = Number(set_tid + 4n * i);
    if (!writable(addr)) return { err: -EFAULT };
    tids.push(addr === SET_TID ? 1 : addr === SET_TID + 4 ? 30001 : addr === SET_TID + 8 ? 30002 : 0);
  }
  if (f & ~(0xffffffffn | BigInt(CLONE_CLEAR_SIGHAND) | BigInt(CLONE_INTO_CGROUP))) return { err: -EINVAL };
  if (has(CLONE_DETACHED) || f & BigInt(CSIGNAL & ~CLONE_NEWTIME)) return { err: -EINVAL };
  if (has(CLONE_SIGHAND) && f & BigInt(CLONE_CLEAR_SIGHAND)) return { err: -EINVAL };
  if ((has(CLONE_THREAD) || has(CLONE_PARENT)) && sig !== 0n) return { err: -EINVAL };
  const stack = u64(a.stack);
  const stack_size = u64(a.stack_size);
  if (stack === 0n ? stack_size > 0n : stack_size === 0n || stack + stack_size > BigInt(TASK_SIZE))
    return { err: -EINVAL };
  if (has(CLONE_PIDFD) && has(CLONE_PARENT_SETTID) && u64(a.pidfd) === u64(a.parent_tid)) return { err: -EINVAL };
  const pre = copyProcessCheck(f);
  if (pre !== null) return { err: pre };
  // alloc_pid: set_tid[0] is for the deepest namespace (a new one, with CLONE_NEWPID).
  const levels = has(CLONE_NEWPID) ? 2 : 1;
  let pid: number | null = null;
  if (tids.length > levels) return { err: -EINVAL };
  for (let i = 0; i < tids.length; i++) {
    const tid = tids[i] as number;
    const inNewNs = has(CLONE_NEWPID) && i === 0;
    if (tid < 1 || tid >= 32768) return { err: -EINVAL };
    if (inNewNs && tid !== 1) return { err: -EINVAL }; // no init there yet
    if (!inNewNs && tid === 1) return { err: -EEXIST };
    if (!inNewNs) pid = tid;
  }
  if (has(CLONE_PIDFD) && !writable(Number(u64(a.pidfd)))) return { err: -EFAULT };
  // cgroup_can_fork: no file the model can open is a cgroup directory.
  if (has(CLONE_INTO_CGROUP)) return { err: -EBADF };
  return { pid };
}

/**
 * Random flag words: any mix of the known flags, an exit signal byte, sometimes bits past 32.
 * Never negative: the directed test "a negative flag word" below covers that case (the legacy
 * clone takes the low 32 bits of a sign-extended int, or of any JS `|` with CLONE_IO).
 */
const flagWord = fc
  .tuple(
    fc.oneof(fc.subarray(KNOWN_LO_FLAGS, { maxLength: 4 }), fc.subarray(KNOWN_LO_FLAGS)),
    fc.oneof(fc.constantFrom(0, SIGCHLD), fc.nat(255)),
    fc.constantFrom(0, 0, 0, 1, 2, 4, 2 ** 20),
  )
  .map(([fl, sig, hi]) => {
    const lo = fl.reduce((a, b) => (a | b) >>> 0, 0);
    return lo + (sig === SIGKILL ? 0 : sig) + hi * 2 ** 32; // exit signal SIGKILL would kill the prober
  });

/** Ignores every signal that can be, so that whatever a random exit signal is, the prober lives on. */
function* ignoreSignals(u: User): UGen<void> {
  for (let sig = 1; sig <= 64; sig++)
    if (sig !== SIGKILL && sig !== 19) yield* u.sys.rt_sigaction(sig, { sa_handler: 1 });
}

describe("random integers at clone and clone3", () => {
  it("legacy clone: a pid or a known errno, and exactly the errno of the kernel's checks", () => {
    const seen = { child: 0, err: 0 };
    fc.assert(
      fc.property(
        flagWord,
        fc.constantFrom(...ADDRS),
        fc.constantFrom(...ADDRS),
        fc.constantFrom(0, HEAP),
        fc.integer({ min: 1, max: 3 }),
        (flags, parent_tid, child_tid, tls, cpus) => {
          const call: CloneCall = { flags, parent_tid, child_tid, tls };
          const { out } = probe(
            function* (u, rec) {
              yield* ignoreSignals(u);
              rec("r", yield* tryClone(u, () => u.sys.clone(flags, 0, parent_tid, child_tid, tls)));
            },
            { cpus },
          );
          const r = out.r as number;
          const want = legacyCloneOracle(call);
          const what = `clone(0x${u64(flags).toString(16)}, 0, ${parent_tid}, ${child_tid}, ${tls})`;
          expect(r > 0 || CLONE_ERRNOS.has(-r), `${what}: ${r}`).toBe(true);
          if (want !== null) expect(r, what).toBe(want);
          else expect(r, `${what}: a child`).toBeGreaterThan(0);
          seen[r > 0 ? "child" : "err"]++;
        },
      ),
      runs(100, 0xc10e),
    );
    expect(seen.child).toBeGreaterThan(5);
    expect(seen.err).toBeGreaterThan(5);
  });
});

describe("random integers at clone3", () => {
  it("a pid or a known errno, exactly the errno of the kernel's checks, and the pid set_tid asked for", () => {
    const seen = { child: 0, setTid: 0, err: 0 };
    const field = (...extra: number[]) => fc.constantFrom(0, 0, 0, ...extra);
    /** Anything: most of these fail a check. */
    const wild: fc.Arbitrary<Clone3Call> = fc.record({
      args: fc.record({
        flags: fc.oneof(
          flagWord.map((w) => (w > 0xffffffff ? w : w - (w & CSIGNAL))),
          flagWord,
          fc.constantFrom(0, CLONE_CLEAR_SIGHAND, CLONE_CLEAR_SIGHAND + CLONE_VM, -1, 2 ** 34),
          flagWord.map((w) => (w % 2 ** 32) - (w & CSIGNAL) + CLONE_INTO_CGROUP),
        ),
        // Not SIGKILL: the prober would be killed when the child exits.
        exit_signal: fc.oneof(
          fc.constantFrom(0, SIGCHLD, 64, 65, 255, -1, 2 ** 33),
          fc.nat(70).map((n) => (n === SIGKILL ? 0 : n)),
        ),
        pidfd: fc.constantFrom(...ADDRS),
        parent_tid: fc.constantFrom(...ADDRS),
        child_tid: fc.constantFrom(...ADDRS),
        stack: field(HEAP, TASK_SIZE - 4096, -1),
        stack_size: field(4096, 8192, -1),
        tls: field(HEAP),
        set_tid: field(SET_TID, SET_TID + 4, SET_TID + 8, UNMAPPED),
        set_tid_size: field(1, 1, 2, 33, -1),
        cgroup: field(3, 2 ** 31),
      }),
      // No negative size: the directed test "clone3 with size -1" below covers it.
      size: fc.constantFrom(0, 63, 64, 80, 88, 88, 88, 96, 4096, 4097, 2 ** 40),
    });
    /** Calls that mostly pass the checks, to reach the child-making end. */
    const SAFE = [
      CLONE_VM,
      CLONE_FS,
      CLONE_FILES,
      CLONE_SIGHAND | CLONE_VM,
      CLONE_PIDFD,
      CLONE_PARENT_SETTID,
      CLONE_CHILD_SETTID,
      CLONE_CHILD_CLEARTID,
      CLONE_SETTLS,
      CLONE_SYSVSEM,
      CLONE_NEWUTS,
      CLONE_NEWPID,
      CLONE_NEWNET,
      CLONE_UNTRACED,
      CLONE_IO,
      CLONE_VFORK,
    ];
    const tame: fc.Arbitrary<Clone3Call> = fc
      .record({
        flags: fc.subarray(SAFE, { maxLength: 4 }),
        clearSighand: fc.boolean(),
        exit_signal: fc.constantFrom(0, SIGCHLD),
        pidfd: fc.constantFrom(HEAP + 8, HEAP + 16, UNMAPPED),
        parent_tid: fc.constantFrom(...ADDRS),
        child_tid: fc.constantFrom(...ADDRS),
        stack: fc.constantFrom([0, 0], [HEAP, 4096]),
        setTid: fc.constantFrom([0, 0], [0, 0], [SET_TID + 4, 1], [SET_TID + 8, 1], [SET_TID, 2], [SET_TID, 1]),
        size: fc.constantFrom(64, 80, 88),
      })
      .map((t) => {
        const lo = t.flags.reduce((a, b) => (a | b) >>> 0, 0);
        return {
          args: {
            flags: lo + (t.clearSighand && !(lo & CLONE_SIGHAND) ? CLONE_CLEAR_SIGHAND : 0),
            exit_signal: t.exit_signal,
            pidfd: t.pidfd,
            parent_tid: t.parent_tid,
            child_tid: t.child_tid,
            stack: t.stack[0] as number,
            stack_size: t.stack[1] as number,
            tls: HEAP,
            set_tid: t.setTid[0] as number,
            set_tid_size: t.setTid[1] as number,
            cgroup: 0,
          },
          size: t.size,
        };
      });
    const call = fc.oneof(wild, tame);
    fc.assert(
      fc.property(call, fc.integer({ min: 1, max: 3 }), (c, cpus) => {
        const { out } = probe(
          function* (u, rec) {
            yield* ignoreSignals(u);
            yield* u.store(SET_TID, 1);
            yield* u.store(SET_TID + 4, 30001);
            yield* u.store(SET_TID + 8, 30002);
            rec("r", yield* tryClone(u, () => u.sys.clone3(c.args, c.size)));
          },
          { cpus },
        );
        const r = out.r as number;
        const want = clone3Oracle(c);
        const what = `clone3(${JSON.stringify(c.args)}, ${c.size})`;
        expect(r > 0 || CLONE_ERRNOS.has(-r), `${what}: ${r}`).toBe(true);
        if ("err" in want) expect(r, what).toBe(want.err);
        else if (want.pid !== null) expect(r, what).toBe(want.pid);
        else expect(r, `${what}: a child`).toBeGreaterThan(0);
        seen["err" in want ? "err" : want.pid !== null ? "setTid" : "child"]++;
      }),
      runs(100, 0xc3),
    );
    expect(seen.child).toBeGreaterThan(3);
    expect(seen.setTid).toBeGreaterThan(0);
    expect(seen.err).toBeGreaterThan(10);
  });
});

// ---------------------------------------------------------------------------------------
// Model bugs these properties found, each as a minimal program: fixed, kept as regression tests.

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
