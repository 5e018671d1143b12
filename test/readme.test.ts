/** Every example in the README runs, and prints what the README says it prints. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.js";
import { capture, codeBlocks, tasklabArgs, tasklabLines } from "./markdown.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The fenced code blocks of the README in language `lang` ("" for unlabeled ones). */
function blocks(lang: string): string[] {
  return codeBlocks(readme)
    .filter((b) => b.lang === lang)
    .map((b) => b.text);
}

/** The shard-and-merge example (it writes result files) and the output it shows. */
const all = codeBlocks(readme);
const shardAt = all.findIndex((b) => b.lang === "sh" && b.text.includes("explore merge"));

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** The output block the README shows after its gdb commands (the first one's output). */
const gdbShown = (
  codeBlocks(readme).find((b) => b.lang === "" && b.text.startsWith("Breakpoint 1 at kthreadd")) as {
    text: string;
  }
).text
  .trimEnd()
  .split("\n");

/**
 * For each README command, lines of what it prints (a string: that exact line; a RegExp: a
 * line matching it): what the README shows of it, or what its comment or the text around
 * it says it shows. A README command missing here fails, so an example cannot be checked
 * for its exit status alone.
 */
const SHOWS: Record<string, (string | RegExp)[]> = {
  "npx tasklab explain test/fixtures/real/kthread-mount-umount.txt": [
    "Task creations: 5 (vfork 2, kthread 3)",
    /^ +\+52 µs +388\.198063 CPU 0 +kthreadd\(2\) +kthreadd forks the thread /,
  ],
  "npx tasklab scenarios": [/^kthread-run +a module calls kthread_run /],
  "npx tasklab run kthread-run": [/ my_kthread\/0-\d+ +\[\d+\] \S+ +[\d.]+: sched_waking: comm=init pid=1 /],
  "npx tasklab run boot --cpus 4 --trace-boot": [
    /^# entries-in-buffer\/entries-written: \d+\/\d+ +#P:4$/,
    /sched_process_fork: comm=swapper\/0 pid=0 child_comm=swapper\/0 child_pid=1$/,
  ],
  "npx tasklab run kthread-run -o trace.txt": [/sched_wakeup_new: comm=my_kthread\/0 /],
  "npx tasklab ps kthread-run": [/^ +PID +PPID STAT PRI +NI PSR COMMAND$/, /^ +2 +0 S +19 +0 +\d kthreadd$/],
  "npx tasklab ps kthread-run --at 30ms --json": [/^ +"comm": "my_kthread\/0",$/],
  "npx tasklab ps boot -f": [/^UID +PID +PPID +C STIME TTY +TIME +CMD$/, /^root +2 +0 .* \[kthreadd\]$/],
  "npx tasklab pstree boot": ["init(1)", /^kthreadd\(2\)─┬─/],
  "npx tasklab top kthread-worker": [
    /^Tasks: +\d+ total,/,
    /^ +PID USER +PR +NI +VIRT +RES +SHR S +%CPU +%MEM +TIME\+ COMMAND$/,
  ],
  "npx tasklab pstree kthread-run 2 -n --at 30ms": [
    /^kthreadd\(2\)─┬─pool_workqueue_release\(3\)$/,
    /└─my_kthread\/0\(\d+\)$/,
  ],
  "npx tasklab proc kthread-long-name 40 comm": ["long_kthread_name_for_the_proc_view/5678"],
  "npx tasklab proc kthread-run 1 stack --at 2800us": ["[<0>] __kthread_create_on_node", "[<0>] kernel_init"],
  // The allocation fails: kthreadd is never woken, the creator (init) just goes to sleep.
  "npx tasklab run kthread-run --fail kmalloc:kthread_create_info": [
    /sched_switch: prev_comm=init prev_pid=1 prev_prio=120 prev_state=S ==> /,
  ],
  "npx tasklab run kthread-creator-killed-3a": [/\] creator: kthread_create returned -4$/],
  "npx tasklab run fork": [
    /task_newtask: pid=\d+ comm=fork clone_flags=1200000 /,
    /prev_comm=fork prev_pid=\d+ prev_prio=120 prev_state=Z ==> /,
    /sched_process_wait: comm=fork /,
  ],
  "npx tasklab run vfork": [
    /sched_switch: prev_comm=vfork prev_pid=\d+ prev_prio=120 prev_state=D ==> /,
    /sched_process_exec: filename=\/bin\/true /,
  ],
  "npx tasklab run pthread-create --events task:*,sched:sched_process_exit": [
    /task_newtask: pid=\d+ comm=pthread-create clone_flags=3d0f00 /,
    /sched_process_exit: comm=pthread-create .* group_dead=false$/,
  ],
  "npx tasklab run clone-flags": [
    "CLONE_VM: the child stored 42, the parent reads 42",
    "no flag: the child stored 42, the parent reads 1",
  ],
  "npx tasklab ps pthread-create -L --at 4.72ms": [/^ +PID +LWP NLWP STAT /, /^ +39 +40 +2 /],
  "npx tasklab ps pthread-create -L --at 4.72ms --eo pid,lwp,cls,uid,vsz,rss,wchan,comm": [
    /^ +PID +LWP CLS +UID +VSZ +RSS WCHAN +COMMAND$/,
  ],
  "npx tasklab pstree pthread-create 39 --at 4.72ms": ["pthread-create(39)───{pthread-create}(40)"],
  "npx tasklab proc pthread-create 39 status --at 4.72ms": [
    "Tgid:\t39",
    "NSpid:\t39",
    /^VmRSS:\t +\d+ kB$/,
    "Threads:\t2",
  ],
  "npx tasklab run fork-vs-thread --events none": [/^fork-vs-thread: fork [\d.]+ us, threads [\d.]+ us$/],
  "npx tasklab run kthread-run --tracer function_graph --set-graph-function kthread_create_on_node --funcgraph-proc": [
    /^ \d\) +init-1 +\| +\| +kthread_create_on_node\(\) \{$/,
  ],
  "npx tasklab run kthread-run --tracer function --comm kthreadd": [/kthreadd-2 .*: create_kthread <-kthreadd$/],
  'npx tasklab run kthread-run --events "sched:sched_wakeup*,task:*"': [/sched_wakeup_new: comm=my_kthread\/0 /],
  "npx tasklab run kthread-run --format jsonl": [/^\{"ts":\d+,"cpu":\d,"task":"init",.*"type":"sched_waking",/],
  "npx tasklab run kthread-run --format perfetto --tracer function_graph --events all -o kthread-run.json": [
    /^\{"displayTimeUnit":"ns","traceEvents":\[\{"name":"process_name","ph":"M",.*"args":\{"name":"CPUs"\}/,
  ],
  "npx tasklab run kthread-run --tracer function_graph --comm kthreadd --max-depth 3 --funcgraph-retval": [
    /kernel_clone\(\); \/\* = 0x[0-9a-f]+ \*\/$/,
  ],
  'npx tasklab debug kthread-run --ex "break kthreadd" --ex run --ex bt': gdbShown,
  'npx tasklab debug kthread-run --ex "break create_kthread" --ex run --ex bt --ex finish --ex "info tasks"': [
    "Run till exit from #0  create_kthread ()",
    /^Value returned is \$1 = /,
  ],
  'npx tasklab debug fork --ex "break __x64_sys_clone" --ex run --ex bt --ex "print mm->mm_users" --ex finish': [
    /^Task \d+ "fork" hit Breakpoint 1, __x64_sys_clone \(flags=18874385, /,
    "$1 = 1",
  ],
  "npx tasklab eras": [/^2\.6\.24 +E1 +E1: on-stack request/, /^6\.19 +E6 /],
  "npx tasklab run kthread-run --kernel 2.6.24 --tracer function_graph": [
    / do_fork\(\) \{$/,
    / kernel_thread_helper\(\) \{$/,
  ],
  "npx tasklab run kthread-creator-killed-3a --kernel 3.13": [/\] creator: kthread_create returned -12$/],
  "npx tasklab diff kthread-run --kernel 6.1 --kernel 6.4": [
    "--- Linux 6.1 (A)",
    /^-task_rename: pid=\{my_kthread\/0\} oldcomm=kthreadd newcomm=my_kthread\/0 /,
  ],
};

/** Examples another change owns the output checks of (the --kill example). */
const OTHERS_OWN = (c: string) => c.includes(" --kill ");

describe("README", () => {
  it("shows the example files verbatim", () => {
    const ts = blocks("ts");
    for (const file of ["examples/two-workers.ts", "examples/library.ts", "examples/fork-and-threads.ts"]) {
      expect(ts).toContain(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"));
    }
    expect(blocks("js")).toContain(readFileSync(new URL("../examples/library.mjs", import.meta.url), "utf8"));
  });

  it("shows trace lines that `tasklab run kthread-run` really prints", () => {
    const excerpt = blocks("").find((b) => b.includes("sched_wakeup_new")) as string;
    const real = readFileSync(new URL("golden/kthread-run.2cpu.seed1.trace", import.meta.url), "utf8").split("\n");
    for (const line of excerpt.trimEnd().split("\n")) expect(real).toContain(line);
  });

  it("has an entry in SHOWS for README commands only (none left from an example since removed)", () => {
    const commands = blocks("sh").flatMap(tasklabLines);
    expect(commands.length).toBeGreaterThanOrEqual(30);
    for (const c of Object.keys(SHOWS)) expect(commands, c).toContain(c);
  });

  it.each(
    blocks("sh")
      .filter((b) => b !== all[shardAt]?.text) // run apart, in a fresh directory (below)
      .flatMap(tasklabLines),
  )(
    "`%s` succeeds and prints what the README says",
    async (c) => {
      const shows = SHOWS[c];
      if (shows === undefined && !OTHERS_OWN(c))
        expect.fail(`no line of output to expect from \`${c}\`: add one to SHOWS`);
      const args = tasklabArgs(c).filter((a, i, all) => a !== "-o" && all[i - 1] !== "-o"); // no files written
      const { code, lines } = await capture(args);
      for (const want of shows ?? []) {
        const found = typeof want === "string" ? lines.includes(want) : lines.some((l) => want.test(l));
        expect(found, `\`${c}\` prints a line ${typeof want === "string" ? JSON.stringify(want) : want}`).toBe(true);
      }
      expect(code, c).toBe(0);
    },
    120_000,
  ); // a worker per command: long on a loaded machine

  it("shows a --kill that lands where it says: after kthreadd took the request", async () => {
    const command = blocks("sh")
      .flatMap(tasklabLines)
      .find((c) => c.includes("--kill creator@kthreadd:create_kthread")) as string;
    const shown = (blocks("text").find((b) => b.includes("creator: kthread_create returned")) as string)
      .trimEnd()
      .split("\n");
    const lines = async (args: string[]) => {
      const r = await capture(args);
      expect(r.code, args.join(" ")).toBe(0);
      return r.lines;
    };
    const args = tasklabArgs(command);
    const killed = await lines(args);
    // In this order: the wakeup by kthreadd's kill, kthreadd's fork, the creator's -EINTR.
    const at = shown.map((l) => killed.indexOf(l));
    expect(
      at.every((i, k) => i >= 0 && (k === 0 || i > (at[k - 1] as number))),
      `${at}`,
    ).toBe(true);
    // Without the option, the same scenario sends no kill and the creator gets its thread.
    const plain = await lines(args.filter((a, i) => a !== "--kill" && args[i - 1] !== "--kill"));
    expect(plain).toContain("[    0.003007] creator: kthread_create returned task 40");
    expect(plain).not.toContain(shown.at(-1));
  });

  it("runs the shard-and-merge example as written (in a fresh directory) and prints what it shows", async () => {
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const shown = all[shardAt + 1];
    expect(shown?.lang).toBe("text");
    const home = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), "tasklab-readme-")));
    try {
      for (const c of tasklabLines(all[shardAt]?.text ?? "")) {
        out = "";
        expect(await main(tasklabArgs(c)), c).toBe(0);
      }
    } finally {
      process.chdir(home);
    }
    // The wall time varies: the rest of each line is what the README shows.
    const untimed = (t: string) => t.replace(/ in [\d.]+ s \([\d,]+\/s\)/, "");
    expect(untimed(out)).toBe(untimed(shown?.text ?? ""));
  }, 300_000);

  it("shows errors as tasklab prints them, with their exit status 2", async () => {
    let err = "";
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation((t) => {
      err += String(t);
      return true;
    });
    const sessions = blocks("console");
    expect(sessions.length).toBeGreaterThanOrEqual(1);
    for (const text of sessions) {
      const [command = "", ...printed] = text.trimEnd().split("\n");
      err = "";
      // A long watchdog: the wall time of a run on a busy machine is no part of what is shown.
      const args = [...tasklabArgs(command.replace(/^\$ /, "")), "--watchdog", "600"];
      expect(await main(args), command).toBe(2);
      expect(err, command).toBe(`${printed.join("\n")}\n`);
    }
  });

  it("runs the library example", () => {
    // "tasklab" is src/index.ts under the condition tasklab-source (the package's compiled form: test/package/).
    const out = execFileSync("node", ["--conditions=tasklab-source", "--import", "tsx", "examples/library.ts"], {
      encoding: "utf8",
    });
    expect(out).toMatch(/^\d+ trace lines, \d+ kernel threads, 0 problems\n$/);
  });
});
