/**
 * What the properties of user tasks share: random process trees (fork, raw clone with
 * sharing flags, vfork + exec, pthreads, raw CLONE_THREAD threads) as programs, the checks of a
 * finished run, and a prober that records what each bad call answers.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { EAGAIN, ECHILD } from "../../src/linux/include/errno.js";
import { EXIT_DEAD, EXIT_ZOMBIE, PF_KTHREAD } from "../../src/linux/include/sched.js";
import { SIGCHLD } from "../../src/linux/include/signal.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import type { TraceRecord } from "../../src/linux/include/trace/events/records.js";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT } from "../../src/linux/include/uapi/futex.js";
import {
  CLONE_FILES,
  CLONE_FS,
  CLONE_IO,
  CLONE_PARENT,
  CLONE_SETTLS,
  CLONE_SIGHAND,
  CLONE_SYSVSEM,
  CLONE_THREAD,
  CLONE_VM,
} from "../../src/linux/include/uapi/sched.js";
import { __WALL } from "../../src/linux/include/uapi/wait.js";
import { EXEC_LAYOUT } from "../../src/linux/mm/mm_types.js";
import type { Machine } from "../../src/machine.js";
import { problems, type RunOptions, type RunResult } from "../../src/run.js";
import { PTHREAD_CLONE_FLAGS } from "../../src/user/libc.js";
import type { User, UserMain } from "../../src/user/user.js";
import { type ProgramRun, runProgram } from "../helpers.js";
// ---------------------------------------------------------------------------------------
// Running a program

/** Reports that mean the run or the program went wrong: problems, and segfaults (a program the model could not run). */
export function badReports(r: RunResult) {
  return [...problems(r.reports), ...r.reports.filter((x) => x.kind === "segfault")].map(
    (x) => `${x.kind}: ${x.title}`,
  );
}

export function tty(r: RunResult): string[] {
  return r.machine.kernel.tty.map((l) => l.text.trimEnd());
}

export const records = (r: RunResult): TraceRecord[] => r.machine.kernel.trace.records();

/** Every task in the pid hash (threads too): what for_each_process_thread would visit. */
export function hashedTasks(m: Machine): task_struct[] {
  const out: task_struct[] = [];
  for (const p of m.kernel.init_pid_ns.pids.values()) if (p.task !== null) out.push(p.task);
  return out;
}

export const isUserTask = (t: task_struct) => t.user !== null && !(t.flags & PF_KTHREAD);

// User memory the programs use for their shared words: the heap (33 pages from EXEC_LAYOUT.heap).
export const HEAP = EXEC_LAYOUT.heap;
/** An address no program maps (between the heap and the mmap area). */
export const UNMAPPED = 0x40000000;
export const INT_MIN = -0x80000000;

/**
 * fast-check's settings: fixed seeds; TASKLAB_SOAK=n runs each property n times as long, and
 * TASKLAB_SEED picks another seed (for soaking the model, not for CI).
 */
export function runs(numRuns: number, seed: number): fc.Parameters<unknown> {
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
export function buildTree(specs: readonly NodeSpec[], root: { delay: number; leaderExit: boolean }): Node {
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

export function treeProgram(root: Node): UserMain {
  return function* tree(u) {
    yield* act(u, root);
    return yield* endProcess(u, root);
  };
}

export function describeTree(n: Node, indent = ""): string {
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

export const treeArb = fc.record({
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
export function checkFinished(r: ProgramRun, root: Node): void {
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

type Rec = (label: string, v: unknown) => void;

/**
 * Runs `body` as a program and returns what it recorded. Recording into a map is safe under
 * the fork-by-replay: a replaying child records the same values again, and children created
 * through `tryClone` leave at once.
 */
export function probe(body: (u: User, rec: Rec) => UGen<void>, opts: RunOptions = {}) {
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
export function* tryClone(u: User, call: () => UGen<number>): UGen<number> {
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
export const clone3 = (u: User, args: unknown, size: number) => u.sys.clone3(args as AnyArgs, size);
