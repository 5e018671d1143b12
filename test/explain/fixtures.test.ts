/**
 * `tasklab explain` on the traces captured on Linux 6.18 (test/fixtures/real/README.md):
 * every fixture is read, and what each shows is reconstructed — creations with their
 * kinds and flags, the kthread protocol step by step, kthread stops, vfork waits, the
 * lost-event and buffer-started markers, the column variants.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { explain, flagNames, pstreeRows } from "../../src/explain/explain.js";
import { readTraceText } from "../../src/explain/read.js";
import type { Task } from "../../src/explain/reconstruct.js";
import { formatReport } from "../../src/explain/report.js";

const dir = new URL("../fixtures/real/", import.meta.url);
const fixture = (name: string) => explain(readTraceText(readFileSync(new URL(name, dir), "utf8")));
const created = (x: ReturnType<typeof fixture>) => x.read.recon.tasks.filter((t) => t.creation !== null);
const summary = (t: Task) => `${t.creation?.kind} ${t.comm}(${t.pid}) by ${t.creation?.parent}`;

describe("the real 6.18 fixtures", () => {
  it("reads every fixture: no line left not understood, events on both CPUs", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".txt"));
    expect(files).toHaveLength(11);
    for (const f of files) {
      const x = fixture(f);
      expect(x.read.skipped, f).toEqual({ count: 0, first: null });
      expect(x.read.recon.events, f).toBeGreaterThan(20);
      expect(x.read.cpus, f).toBe(2);
    }
  });

  it("mount/umount: three kthreads for mount through kthreadd, each protocol complete, no departure", () => {
    const x = fixture("kthread-mount-umount.txt");
    expect(created(x).map(summary)).toEqual([
      "vfork mount(10219) by 10218",
      "kthread jbd2/loop0-8(10220) by 2",
      "kthread kworker/R-ext4-(10221) by 2",
      "kthread ext4lazyinit(10222) by 2",
      "vfork umount(10223) by 10218",
    ]);
    const jbd2 = x.read.recon.get(10220) as Task;
    expect(flagNames(jbd2, x.era)).toEqual(["CLONE_VM", "CLONE_FS", "CLONE_FILES", "CLONE_UNTRACED"]);
    expect(x.protocols.map((p) => [p.child.pid, p.creator?.comm, p.departures, p.outside])).toEqual([
      [10220, "mount", [], []],
      [10221, "mount", [], []],
      [10222, "mount", [], []],
    ]);
    const p = x.protocols[0];
    expect(p?.steps.map((s) => [s.fn, s.at?.ts, s.took])).toEqual([
      ["__kthread_create_on_node → wake_up_process(kthreadd_task)", 388198004000, null],
      ["kthreadd: the request off kthread_create_list", 388198011000, 7000],
      ["create_kthread → kernel_thread → kernel_clone → copy_process", 388198063000, 52000],
      ["wake_up_new_task", 388198072000, 9000],
      ["kthread", 388198075000, 3000],
      ["kthread → complete(&create->done)", 388198081000, 6000],
      ["kthread → schedule_preempt_disabled (TASK_UNINTERRUPTIBLE)", 388198087000, 6000],
      ["wait_for_completion_killable returns", 388198087000, 0],
      ["wake_up_process", 388198089000, 2000],
      ["kthread → threadfn", 388198093000, 4000],
    ]);
    expect(p?.total).toBe(89000);
    const rescuer = x.read.recon.get(10221) as Task;
    expect(rescuer.stop).toMatchObject({ by: 10223, ret: 0, ts: 388221489000 });
    expect(rescuer.exit?.ts).toBe(388221533000);
    expect(x.vforks.map((v) => [v.parent.pid, v.child.pid, v.waited, v.departures])).toEqual([
      [10218, 10219, 94000, []],
      [10218, 10223, 2889000, []],
    ]);
  });

  it("a system-wide trace cut mid-protocol: the request is before the trace, not a departure", () => {
    const x = fixture("kthread-systemwide-trimmed.txt");
    expect(x.protocols).toHaveLength(1);
    expect(x.protocols[0]?.outside).toEqual([
      "the creator queues a request and wakes kthreadd: before the trace starts",
    ]);
    expect(x.protocols[0]?.departures).toEqual([]);
    expect(x.read.recon.tasks.filter((t) => t.freed !== null).map((t) => t.comm)).toEqual(["mount"]);
  });

  it("fork/exec/wait: bash's fork flags, the exec, the reap by wait4", () => {
    const x = fixture("fork-exec-wait.txt");
    const kids = created(x);
    expect(kids.map(summary)).toEqual(["fork true(10186) by 10185", "fork true(10187) by 10185"]);
    expect(flagNames(kids[0] as Task, x.era)).toEqual(["CLONE_CHILD_CLEARTID", "CLONE_CHILD_SETTID"]);
    expect(kids.map((t) => [t.execs.map((e) => e.filename), t.names, t.reaped !== null])).toEqual([
      [["/bin/true"], ["bash", "true"], true],
      [["/bin/true"], ["bash", "true"], true],
    ]);
  });

  it("pthread_create with irq-info off: two threads of the process, CLONE_THREAD and its companions", () => {
    const x = fixture("pthread-no-irq-info.txt");
    expect(x.read.evidence.irqChars).toBeUndefined();
    const kids = created(x);
    expect(kids.map((t) => [t.creation?.kind, t.tgid, t.exit?.group_dead])).toEqual([
      ["thread", 10207, false],
      ["thread", 10207, false],
    ]);
    expect(flagNames(kids[0] as Task, x.era)?.join("|")).toBe(
      "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID",
    );
  });

  it("vfork with the TGID column: the parent sleeps in D until the child's exit, then its exec", () => {
    const x = fixture("vfork-record-tgid.txt");
    expect(x.vforks.map((v) => [v.child.pid, v.waited, v.departures])).toEqual([
      [10198, 3135000, []],
      [10200, 92000, []],
    ]);
  });

  it("posix_spawn and dash's vfork: CLONE_VM|CLONE_VFORK, released by the child's exec before sched_process_exec", () => {
    for (const [f, child] of [
      ["posix-spawn.txt", 10214],
      ["sh-vfork-exec.txt", 10075],
    ] as const) {
      const x = fixture(f);
      const v = x.vforks[0];
      expect(v?.child.pid).toBe(child);
      expect(flagNames(v?.child as Task, x.era)).toEqual(["CLONE_VM", "CLONE_VFORK"]);
      expect((v?.released?.line as number) < (v?.child.execs[0]?.line as number)).toBe(true);
    }
  });

  it("trace-cmd report in both layouts gives the same reconstruction (instance prefix, plugin texts, -l columns)", () => {
    const a = fixture("trace-cmd-report.txt");
    const b = fixture("trace-cmd-report-l.txt");
    expect(a.read.layout).toBe("trace-cmd");
    expect(b.read.layout).toBe("trace-cmd -l");
    expect(created(a).map(summary)).toEqual([
      "fork true(11846) by 11845",
      "fork pthread(11847) by 11845",
      "thread pthread(11848) by 11847",
      "thread pthread(11849) by 11847",
      "vfork true(11850) by 11845",
    ]);
    expect(created(b).map(summary)).toEqual(created(a).map(summary));
    // trace-cmd's X is the kernel's Z: the forked true(11846) was a zombie until wait4.
    expect(a.read.recon.switches.find((s) => s.prev === 11846)?.prev_state).toBe("Z");
    expect(a.read.recon.switches.find((s) => s.prev === 15)?.prev_state).toBe("I");
  });

  it("trace_pipe with lost events and an overwritten ring: the markers are reported", () => {
    const lost = fixture("trace-pipe-lost.txt");
    expect(lost.read.markers).toEqual([
      { kind: "lost", line: 1, cpu: 1, count: 871 },
      { kind: "lost", line: 69, cpu: 0, count: 2108 },
    ]);
    const over = fixture("overwritten-buffer-started.txt");
    expect(over.read.markers).toEqual([{ kind: "buffer_started", line: 194, cpu: 0 }]);
    expect(formatReport(over, "f")).toContain("line 194: CPU 0's buffer starts here (older events were overwritten)");
  });

  it("reads the real traces as 6.19 and says where the format differs (task_rename still has pid= on 6.18)", () => {
    const x = fixture("fork-exec-wait.txt");
    expect(x.era.name).toBe("6.19");
    expect(x.formatConflicts).toEqual(["task_rename's pid=: seen, 6.19 has not"]);
  });

  it("read against 4.19, the same kthread creation departs: named at the fork, no SIGCHLD in its flags", () => {
    const x = explain(readTraceText(readFileSync(new URL("kthread-mount-umount.txt", dir), "utf8")), "4.19");
    expect(x.protocols[0]?.departures).toEqual([
      "named 'jbd2/loop0-8' already at the fork (line 241): 4.19 forks it as 'kthreadd' and the creator renames it with set_task_comm (task_rename) afterwards; 6.4+ name it in copy_process",
      "clone_flags=800700 (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_UNTRACED) at line 241: 4.19 forks kthreads with 800711 (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_UNTRACED|SIGCHLD)",
    ]);
  });

  it("the tasks alive at the end, as pstree draws them: the kthread that was stopped is gone", () => {
    const rows = pstreeRows(fixture("kthread-mount-umount.txt"));
    const pids = rows.map((r) => r.pid);
    expect(pids).toContain(10222); // ext4lazyinit lives on
    expect(pids).not.toContain(10221); // stopped
    expect(pids).not.toContain(10219); // mount, reaped by sh
  });
});
