/**
 * Random process trees (random-programs.ts) over random seeds and CPU counts: a clean run,
 * every task exits and is freed once, leaves as Z or X, nothing of the program is left in the
 * kernel, same trace twice; and the same trees stopped every few microseconds: every
 * reference count (mm_users, files->count, fs->users, sighand->count) equals the tasks
 * pointing at it, thread groups are consistent, nr_threads and the per-user count agree.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXIT_ZOMBIE, PF_EXITING } from "../../src/linux/include/sched.js";
import type { task_struct } from "../../src/linux/include/task_struct.js";
import { CLONE_THREAD, CLONE_VM } from "../../src/linux/include/uapi/sched.js";
import type { Machine } from "../../src/machine.js";
import { runProgram } from "../helpers.js";
import {
  buildTree,
  checkFinished,
  describeTree,
  hashedTasks,
  isUserTask,
  records,
  runs,
  treeArb,
  treeProgram,
  tty,
} from "./random-programs.js";

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
