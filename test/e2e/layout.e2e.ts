/**
 * The visualizer's layout at the sizes people use it (1280×720, 1920×1080, 800×900) with 2,
 * 24 and 64 CPUs: every pane readable, the timeline bounded, no trace or source line cut
 * off, full task names; its accessibility (axe-core, light and dark); links that name what
 * does not exist; the keyboard help; the editor with a README scenario as written. One
 * browser, one page per CPU count (resized to each size); each leaves a screenshot in
 * test/e2e/artifacts/.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Browser, launch, screenshot } from "./browser.js";
import { atEnd, button, idle, move, open, taskButton } from "./page.js";

const chromium = inject("chromium");
const base = inject("baseURL");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
  { width: 800, height: 900 },
] as const;
const PANES = ["timeline", "tasks", "task-pane", "objects", "explorer", "trace"];

/** The texts (their start) of the elements `sel` finds that are wider than their box: cut off. */
function clipped(page: Page, sel: string): Promise<string[]> {
  return page
    .locator(sel)
    .evaluateAll((els) =>
      els.filter((el) => el.scrollWidth > el.clientWidth).map((el) => (el.textContent ?? "").slice(0, 60)),
    );
}

/** The layout facts of the page as it is. */
async function layout(page: Page) {
  const heights: Record<string, number> = {};
  const bottoms: Record<string, number> = {};
  for (const p of PANES) {
    const box = await page.locator(`.pane.${p}`).boundingBox();
    heights[p] = Math.round(box?.height ?? 0);
    bottoms[p] = Math.round((box?.y ?? 0) + (box?.height ?? 0));
  }
  const [lanes] = await page
    .locator(".lanes-box")
    .evaluateAll((els) => els.map((el) => ({ client: el.clientHeight, scroll: el.scrollHeight })));
  return {
    heights,
    bottoms,
    traceLines: await page.locator(".trace-lines button").count(),
    clippedTrace: await clipped(page, ".trace-lines button"),
    clippedSource: await clipped(page, ".source pre"),
    lanes: lanes ?? { client: 0, scroll: 0 },
  };
}

/** axe-core's serious and critical findings on the page. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated, not a <script>: the page's Content-Security-Policy allows its own scripts only.
  await page.evaluate(AXE);
  return page.evaluate(`axe.run().then((r) => r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.id + " (" + v.impact + "): " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`);
}

describe.skipIf(chromium === null)("the visualizer's layout, accessibility and links", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch(chromium as string);
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const cpus of [2, 24, 64])
    it(`with ${cpus} CPUs at 1280×720, 1920×1080 and 800×900: every pane readable, nothing cut off`, async () => {
      // One page per CPU count (loading 64 CPUs takes seconds), resized to each size.
      const page = await browser.newPage();
      await open(page, base, `?scenario=kthread-run&cpus=${cpus}&seed=1`);
      // kthreadd forking the new thread: trace lines, a stack, its source.
      await move(page, () => button(page, "Run to the breakpoint").click());
      await taskButton(page, "kthreadd", 2).click();
      await page.getByRole("figure", { name: /^Source of / }).waitFor();
      // ps's full name, not the 15 characters of comm.
      await taskButton(page, "kworker/R-kvfree_rcu_reclaim").waitFor();
      for (const size of SIZES) {
        await page.setViewportSize(size);
        const at = `${size.width}×${size.height}, ${cpus} CPUs`;
        // The panes measure themselves after a resize: the facts once they have.
        await expect.poll(() => layout(page).then((l) => l.clippedTrace), { message: at }).toEqual([]);
        const l = await layout(page);
        for (const p of PANES) expect(l.heights[p], `${p} at ${at}`).toBeGreaterThanOrEqual(150);
        if (size.width > 900) {
          // One screen: every pane, the explorer's included, above the fold.
          for (const p of PANES) expect(l.bottoms[p], `${p} at ${at}`).toBeLessThanOrEqual(size.height);
          expect(l.heights.timeline, at).toBeLessThanOrEqual(size.height * 0.4);
        }
        // The lanes scroll in their own box when there are more than it shows.
        if (l.lanes.scroll > l.lanes.client) expect(l.lanes.client, at).toBeLessThanOrEqual(size.height * 0.4);
        if (cpus === 64) expect(l.lanes.scroll, at).toBeGreaterThan(l.lanes.client);
        expect(l.traceLines, at).toBeGreaterThan(0);
        expect(l.clippedSource, at).toEqual([]);
        await screenshot(page, `layout-${size.width}x${size.height}-${cpus}cpus`);
      }
      await page.close();
    });

  for (const colorScheme of ["light", "dark"] as const)
    it(`has no serious or critical accessibility violation (axe-core, ${colorScheme})`, async () => {
      const page = await browser.newPage();
      await page.emulateMedia({ colorScheme });
      await open(page, base, "?scenario=kthread-run&cpus=2&seed=1");
      await move(page, () => button(page, "Run to the breakpoint").click());
      await taskButton(page, "kthreadd", 2).click();
      await page.getByRole("figure", { name: /^Source of / }).waitFor();
      const violations = await axeViolations(page);
      expect(violations).toEqual([]);
      await screenshot(page, `axe-${colorScheme}`);
      await page.close();
    });

  it("opens a link naming an unknown scenario, era and mutant with their defaults, and says so", async () => {
    const page = await browser.newPage();
    await open(page, base, "?scenario=no-such-scenario&era=9.99&cpus=2&seed=1&mutant=no-such-mutant");
    expect(await page.locator(".notice li").allTextContents()).toEqual([
      'The link asked for something unknown — no scenario named "no-such-scenario": showing kthread-run.',
      'The link asked for something unknown — no kernel era "9.99": showing 6.19.',
      'The link asked for something unknown — no mutant named "no-such-mutant": showing the real protocol.',
    ]);
    expect(await page.getByRole("combobox", { name: "Scenario", exact: true }).inputValue()).toBe("kthread-run");
    expect(await page.getByRole("combobox", { name: "Kernel era" }).inputValue()).toBe("6.19");
    expect(page.url()).not.toMatch(/mutant|no-such|9\.99/);
    await screenshot(page, "bad-link");
    await page.close();
  });

  it("shows the keyboard help on ?, and closes it with Escape", async () => {
    const page = await browser.newPage();
    await open(page, base, "?scenario=kthread-run&cpus=2&seed=1");
    await page.keyboard.press("?");
    const help = page.getByRole("dialog", { name: "Keyboard" });
    await help.waitFor();
    expect(await help.locator("tr").first().textContent()).toBe("rrun (in chunks, at the chosen speed)");
    await screenshot(page, "keyboard-help");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });
    await page.close();
  });

  it("runs the README's scenario as written, imports and all; after a compile error, runs nothing", async () => {
    const page = await browser.newPage();
    await open(page, base, "?scenario=custom&cpus=2&seed=1");
    const editor = page.getByRole("textbox", { name: "Custom scenario source" });
    const type = async (text: string) => {
      await editor.click();
      await page.keyboard.press("Control+A");
      await page.keyboard.insertText(text);
    };
    const source = /```ts\n(\/\/ A scenario of your own[\s\S]*?)```/.exec(README)?.[1] ?? "";
    expect(source).toContain('} from "tasklab";');
    await type(source);
    await button(page, "Run the custom scenario").click();
    await idle(page);
    expect(await page.locator("p.error[role=alert]").count()).toBe(0);
    await page.getByRole("textbox", { name: "Breakpoint function" }).fill("no_such_function");
    await move(page, () => button(page, "Run to the breakpoint").click());
    await atEnd(page);
    expect(await page.getByRole("log", { name: "Reports" }).count()).toBe(0);
    expect(await page.locator(".trace .pane-head .muted").textContent()).toMatch(/^\d+ lines$/);
    // Both threads ran: their slices are in the lanes.
    for (const name of ["pinger", "ponger"])
      expect(await page.locator(".lane li", { hasText: new RegExp(`^${name}/\\d+ from `) }).count()).toBeGreaterThan(0);
    await screenshot(page, "readme-scenario");

    // The template's printk is console output, not a report.
    await type(
      source
        .replace("yield* kthread_stop(b);", 'yield* kthread_stop(b);\n    printk("both stopped");')
        .replace("  complete,\n", "  complete,\n  printk,\n"),
    );
    await button(page, "Run the custom scenario").click();
    await idle(page);
    await move(page, () => button(page, "Run to the breakpoint").click());
    expect(await page.getByRole("log", { name: "Console" }).textContent()).toMatch(/\] both stopped$/);
    expect(await page.getByRole("log", { name: "Reports" }).count()).toBe(0);

    // A compile error: said, and nothing left loaded to run.
    await type("export default { name: 'broken', *main() { yield* nope(); } ");
    await button(page, "Run the custom scenario").click();
    await idle(page);
    expect(await page.locator("p.error[role=alert]").first().textContent()).toMatch(/line 1, column \d+: /);
    expect(await page.locator('output[aria-label="Position"]').count()).toBe(0);
    await page.keyboard.press("r");
    await idle(page);
    expect(await page.locator('output[aria-label="Position"]').count()).toBe(0);
    await screenshot(page, "compile-error-runs-nothing");
    await page.close();
  });

  it("had no page errors", () => {
    expect(browser.errors).toEqual([]);
  });
});
