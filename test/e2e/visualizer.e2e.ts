/**
 * The visualizer end to end: the site `tasklab serve` serves, in headless Chromium, driven
 * as a user drives it (controls found by their accessible names). One page goes through
 * the kthread_run story; each test leaves a screenshot in test/e2e/artifacts/.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SCENARIO_TEMPLATE } from "../../src/web/compile.js";
import { openRealTrace } from "../../src/web/real-trace.js";
import { Session } from "../../src/web/session.js";
import { type Browser, launch, screenshot } from "./browser.js";
import { atEnd, button, idle, move, open, position, rows, stepUntil, taskButton } from "./page.js";

const chromium = inject("chromium");
const DEADLOCK = "tasklab: deadlock: all tasks blocked, none runnable";
const base = inject("baseURL");

describe.skipIf(chromium === null)("the visualizer in Chromium", () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch(chromium as string);
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("loads kthread-run and steps until its request is on kthread_create_list, shown with its owner", async () => {
    await open(page, base, "?scenario=kthread-run&cpus=2&seed=1");
    const start = await position(page);
    // Keyboard: s steps one scheduling decision, b goes back.
    expect(await move(page, () => page.keyboard.press("s"))).toBe(start + 1);
    expect(await move(page, () => page.keyboard.press("b"))).toBe(start);
    // The slider reaches ahead of what has run: scrubbing forward runs there.
    const slider = page.getByRole("slider", { name: "Position (engine step)" });
    expect(Number(await slider.getAttribute("max"))).toBeGreaterThanOrEqual(start + 2000);
    await slider.focus();
    expect(await move(page, () => page.keyboard.press("PageUp"))).toBeGreaterThan(start + 1);
    await move(page, () => page.keyboard.press("Home"));

    await stepUntil(page, async () => (await rows(page, "kthread_create_list requests")).length > 0);
    expect(await rows(page, "kthread_create_list requests")).toEqual([
      ["my_kthread/0", "set", "init/1 (queued for kthreadd)", "yes"],
    ]);
    await screenshot(page, "request-queued");
  });

  it("continues until kthreadd runs, and the timeline lane of its CPU shows kthreadd", async () => {
    const kthreaddCpu = async () =>
      (await rows(page, "Run queues")).find((r) => r[1] === "kthreadd/2")?.[0]?.trim() ?? null;
    await stepUntil(page, async () => (await kthreaddCpu()) !== null);
    const cpu = await kthreaddCpu();
    const lane = page.getByRole("list", { name: `CPU ${cpu} lane`, exact: true });
    expect(await lane.getAttribute("data-running")).toBe("kthreadd/2");
    expect(await lane.locator("li").allTextContents()).toContainEqual(expect.stringMatching(/^kthreadd\/2 from /));
    await screenshot(page, "kthreadd-runs");
  });

  it("runs to a breakpoint in the new thread; clicking it shows its stack with kthread and its source", async () => {
    await page.getByRole("textbox", { name: "Breakpoint function" }).fill("kthread");
    await move(page, () => button(page, "Run to the breakpoint").click());
    await expect.poll(() => page.locator("p.status").textContent()).toContain("entered kthread");
    await taskButton(page, "my_kthread/0").click();
    const stack = page.getByRole("list", { name: "Call stack" });
    await stack.waitFor();
    expect(await stack.locator("li").allTextContents()).toContainEqual(expect.stringMatching(/^#\d+ kthread$/));
    const source = page.getByRole("figure", { name: /^Source of / });
    await source.waitFor();
    expect(await source.locator('[aria-current="true"]').count()).toBe(1);
    await screenshot(page, "new-thread-stack");
  });

  it("opens a shared link in the same state", async () => {
    const url = page.url();
    expect(url).toMatch(/[?&]step=\d+/);
    expect(url).toMatch(/[?&]task=\d+/);
    const state = async (p: Page) => ({
      position: await p.locator('output[aria-label="Position"]').textContent(),
      requests: await rows(p, "kthread_create_list requests"),
      runqueues: await rows(p, "Run queues"),
      selected: await p.locator('.task[aria-pressed="true"]').textContent(),
      stack: await p.getByRole("list", { name: "Call stack" }).locator("li").allTextContents(),
      trace: await p.locator(".trace .pane-head .muted").textContent(),
    });
    const there = await state(page);
    const other = await browser.newPage();
    await open(other, url);
    await other.getByRole("list", { name: "Call stack" }).waitFor();
    expect(await state(other)).toEqual(there);
    await screenshot(other, "shared-link");
    await other.close();
  });

  it("moves to the instant of a trace line that is clicked", async () => {
    const lines = page.locator(".trace-lines button");
    const third = lines.nth(2);
    const text = await third.textContent();
    await move(page, () => third.click());
    expect(await page.locator('.trace-lines li[aria-current="true"] button').textContent()).toBe(text);
    await screenshot(page, "trace-click");
  });

  it("zooms the timeline with the wheel, shows the whole run again, and fits the activity", async () => {
    const range = page.locator(".timeline .pane-head .range");
    const before = await range.textContent();
    const canvas = page.getByRole("img", { name: /^Timeline of 2 CPUs/ });
    const box = await canvas.boundingBox();
    await page.mouse.move((box?.x ?? 0) + (box?.width ?? 0) / 2, (box?.y ?? 0) + 30);
    await page.mouse.wheel(0, -400);
    await expect.poll(() => range.textContent()).not.toBe(before);
    await screenshot(page, "timeline-zoomed");
    await button(page, "All of the run").click();
    await expect.poll(() => range.textContent()).toBe(before);
    await button(page, "Fit the timeline to the activity").click();
    await expect.poll(() => range.textContent()).not.toBe(before);
    await screenshot(page, "timeline-fit");
    await page.keyboard.press("a");
    await expect.poll(() => range.textContent()).toBe(before);
  });

  it("shows a custom scenario's syntax error at its line in the editor", async () => {
    await page.getByRole("combobox", { name: "Scenario", exact: true }).selectOption("custom");
    const editor = page.getByRole("textbox", { name: "Custom scenario source" });
    await editor.waitFor();
    await editor.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.insertText("const broken = ;");
    const line = SCENARIO_TEMPLATE.split("\n").length + 1;
    await page.locator(".cm-lintRange-error").waitFor({ timeout: 10_000 });
    expect(await page.locator(".cm-lint-marker-error").count()).toBe(1);
    expect(await page.locator(".editor-error").textContent()).toMatch(new RegExp(`^line ${line}, column \\d+: `));
    await screenshot(page, "custom-syntax-error");
  });

  it("stops a scenario whose thread never yields to the engine, and reports it", async () => {
    const editor = page.getByRole("textbox", { name: "Custom scenario source" });
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(
      [
        "const { kthread_run, kthread_should_stop, msleep } = tasklab;",
        "function* spin() {",
        "  while (!kthread_should_stop()) {} // polls without ever yielding",
        "  return 0;",
        "}",
        "export default {",
        '  name: "spin",',
        '  description: "a kthread that never yields",',
        "  *main() {",
        '    yield* kthread_run(spin, null, "spinner");',
        "    yield* msleep(10);",
        "  },",
        "};",
      ].join("\n"),
    );
    await page.locator(".editor-error").waitFor({ state: "detached" });
    await button(page, "Run the custom scenario").click();
    await idle(page);
    expect(await page.locator('output[aria-label="Position"]').textContent()).toMatch(/^step \d+ \(\+0\)/);
    await button(page, "Run").click();
    const reports = page.getByRole("log", { name: "Reports" });
    await reports.waitFor({ timeout: 60_000 });
    expect(await reports.textContent()).toContain("soft lockup");
    await screenshot(page, "runaway-stopped");
  });

  it("ends a scenario that never returns to the engine at all, and stays usable", async () => {
    const before = await page.locator('output[aria-label="Position"]').textContent();
    const editor = page.getByRole("textbox", { name: "Custom scenario source" });
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(
      'export default { name: "hang", description: "a JavaScript loop", *main() { for (;;) {} } };',
    );
    await button(page, "Run the custom scenario").click();
    const alert = page.locator("p.error[role=alert]");
    await alert.waitFor({ timeout: 40_000 });
    expect(await alert.textContent()).toMatch(/^the engine did not answer for \d+ s .*: stopped it$/);
    await idle(page);
    expect(await page.locator("p.status").textContent()).not.toContain("working");
    await screenshot(page, "hang-stopped");
    // A fresh worker has the last run shown again, where it was: going back works.
    expect(await page.locator('output[aria-label="Position"]').textContent()).toBe(before);
    const at = await position(page);
    await move(page, () => button(page, "Step back").click());
    expect(await position(page)).toBe(at - 1);
  }, 60_000);

  it("explores kthread-run: progress, then no violation", async () => {
    await open(page, base, "?scenario=kthread-run&cpus=2&seed=1");
    await page.getByRole("spinbutton", { name: "Preemption bound" }).fill("1");
    await button(page, "Explore the scenario").click();
    const result = page.locator(".explore-result");
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toMatch(/^\d+ schedules, 1 terminal state: no violation/);
    await screenshot(page, "explorer");
  });

  it("runs to the end exactly as the same run in Node", async () => {
    await page.getByRole("textbox", { name: "Breakpoint function" }).fill("no_such_function");
    await move(page, () => button(page, "Run to the breakpoint").click());
    const node = new Session({ scenario: "kthread-run", cpus: 2, seed: 1, era: "6.19" }).run({});
    expect(await position(page)).toBe(node.position.step);
    expect(await page.locator(".trace .pane-head .muted").textContent()).toBe(`${node.trace.length} lines`);
    expect(await page.locator('.trace-lines li[aria-current="true"] button').textContent()).toBe(node.trace.at(-1));
    await screenshot(page, "run-to-end");
  });

  it("shows one column on a narrow screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const tasks = await page.locator(".pane.tasks").boundingBox();
    const trace = await page.locator(".pane.trace").boundingBox();
    expect(Math.abs((tasks?.x ?? 0) - (trace?.x ?? 1))).toBeLessThan(2);
    expect(trace?.y ?? 0).toBeGreaterThan(tasks?.y ?? 0);
    await screenshot(page, "narrow", true);
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it("explores a mutant and opens its counterexample in the views; a link to it reproduces it", async () => {
    await open(page, base, "?scenario=kthread-creator-killed-any&cpus=2&seed=1");
    await page.getByRole("combobox", { name: "Mutant" }).selectOption("wake-before-queue");
    await page.getByRole("spinbutton", { name: "Preemption bound" }).fill("1");
    await button(page, "Explore the scenario").click();
    const result = page.locator(".explore-result");
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toContain(DEADLOCK);
    await button(page, "Open the counterexample in the views").click();
    await atEnd(page);
    const failing = async () => {
      expect(await page.getByRole("log", { name: "Reports" }).textContent()).toContain(DEADLOCK);
      await taskButton(page, "init", 1, "D").waitFor();
      expect(await page.locator(".schedule-note").textContent()).toMatch(
        /^explorer schedule: mutant wake-before-queue, 1 deviation/,
      );
      expect(page.url()).toMatch(/[?&]mutant=wake-before-queue&picks=0\.1&/);
      return { url: page.url(), position: await page.locator('output[aria-label="Position"]').textContent() };
    };
    const there = await failing();
    await screenshot(page, "counterexample-in-views");
    await page.reload();
    await atEnd(page);
    expect(await failing()).toEqual(there);
    // Back to the plain scenario: no schedule, and a URL without it.
    await move(page, () => button(page, "Back to the plain scenario").click());
    expect(await page.locator(".schedule-note").count()).toBe(0);
    expect(page.url()).not.toMatch(/mutant|picks/);
  });

  it("runs the release chosen in the Era menu: 3.13's formats and results, exactly as Node runs them", async () => {
    await open(page, base, "?scenario=kthread-run&cpus=2&seed=1");
    await page.getByRole("combobox", { name: "Kernel era" }).selectOption("3.13");
    await expect.poll(() => page.url()).toMatch(/[?&]era=3\.13(&|$)/);
    await idle(page);
    await page.getByRole("textbox", { name: "Breakpoint function" }).fill("no_such_function");
    await move(page, () => button(page, "Run to the breakpoint").click());
    const node = new Session({ scenario: "kthread-run", cpus: 2, seed: 1, era: "3.13" }).run({});
    expect(node.trace.some((l) => / sched_wakeup: .* success=1 /.test(l))).toBe(true);
    expect(await position(page)).toBe(node.position.step);
    expect(await page.locator(".trace .pane-head .muted").textContent()).toBe(`${node.trace.length} lines`);
    expect(await page.locator('.trace-lines li[aria-current="true"] button').textContent()).toBe(node.trace.at(-1));
    await screenshot(page, "era-3.13");
  });

  it("opens a real trace with the file picker: its tasks, lanes, lines and the explanation beside them, read-only", async () => {
    await open(page, base, "?scenario=kthread-run&cpus=2&seed=1");
    const fixture = new URL("../fixtures/real/kthread-mount-umount.txt", import.meta.url);
    await page.getByLabel("Open a trace file").setInputFiles(fileURLToPath(fixture));
    const explanation = page.locator(".explanation pre");
    await expect.poll(() => explanation.textContent()).toContain("Departures from 6.19's protocol: none");
    expect(await explanation.textContent()).toContain(
      "jbd2/loop0-8(10220) for mount(10219): 89 µs from the first step to the last",
    );
    expect(await page.getByRole("list", { name: "Task tree" }).textContent()).toContain("ext4lazyinit");
    const events = readFileSync(fixture, "utf8")
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"));
    expect(await page.locator(".trace .pane-head .muted").textContent()).toBe(`${events.length} lines`);
    expect(await page.locator('.trace-lines li[aria-current="true"] button').textContent()).toBe(events.at(-1));
    // The lanes are the trace's sched_switch events: CPU 0 ends running what the same file read in Node says.
    const node = openRealTrace(readFileSync(fixture, "utf8"), "kthread-mount-umount.txt").snap;
    const last = node.slices.filter((x) => x.cpu === 0).at(-1);
    const lane = page.getByRole("list", { name: "CPU 0 lane", exact: true });
    expect(await lane.getAttribute("data-running")).toBe(`${last?.comm}/${last?.pid}`);
    // Read-only: no step controls act on it, and the run comes back when it is closed.
    await screenshot(page, "real-trace");
    await button(page, "Close the trace").click();
    await page.waitForSelector('output[aria-label="Position"]');
  });

  it("drops a trace file on the page; a file that is not a trace is one clear error", async () => {
    // What a browser does on a drop: a DataTransfer holding the file, dispatched on the page.
    const drop = (name: string, text: string) =>
      page.evaluate(`(() => {
        const dt = new DataTransfer();
        dt.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}));
        const ev = new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true });
        document.querySelector(".app").dispatchEvent(ev);
      })()`);
    const text = readFileSync(new URL("../fixtures/real/pthread-no-irq-info.txt", import.meta.url), "utf8");
    await drop("pthread-no-irq-info.txt", text);
    const explanation = page.locator(".explanation pre");
    await expect.poll(() => explanation.textContent()).toContain("Task creations: 2 (thread 2)");
    await drop("notes.txt", "hello world\n");
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toBe(
        "notes.txt: line 1: not ftrace text: 'hello world' (expected '# tracer: …', trace-cmd report output or lines like 'bash-1234 [001] 12.345678: sched_switch: …')",
      );
    expect(await explanation.count()).toBe(0);
    await screenshot(page, "real-trace-error");
  });

  it("had no page errors", () => {
    expect(browser.errors).toEqual([]);
  });
});
