/** Reading and driving the visualizer's page the way a user does: by accessible names. */
import type { Page } from "playwright-core";

const POSITION = 'output[aria-label="Position"]';

/** Opens the site at a query string and waits for the first snapshot. */
export async function open(page: Page, base: string, query = ""): Promise<void> {
  await page.goto(`${base}${query}`);
  await page.waitForSelector(POSITION, { timeout: 30_000 });
  await idle(page);
}

/** Waits until no request to the engine is in flight. */
export async function idle(page: Page): Promise<void> {
  await page.waitForSelector('.app[data-busy="false"]', { timeout: 30_000 });
}

/** The engine step shown. */
export async function position(page: Page): Promise<number> {
  return Number(await page.locator(POSITION).getAttribute("data-step"));
}

/** Waits until the run is at its end and the engine idle. */
export async function atEnd(page: Page): Promise<void> {
  await page.locator(POSITION, { hasText: "end of the run" }).waitFor({ timeout: 30_000 });
  await idle(page);
}

/** Does `act` and waits until the position has moved and the engine is idle again. */
export async function move(page: Page, act: () => Promise<unknown>): Promise<number> {
  const before = await position(page);
  await act();
  await page.locator(`${POSITION}:not([data-step="${before}"])`).waitFor({ timeout: 30_000 });
  await idle(page);
  return position(page);
}

/** A task's button in the task tree: its name as shown ("[kthreadd]" for a kernel thread), its pid, optionally its state letter. */
export function taskButton(page: Page, name: string, pid: number | null = null, state = ".") {
  const esc = name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return page.getByRole("button", { name: new RegExp(`^${state} \\[?${esc}\\]? ${pid ?? "\\d+"}\\b`) });
}

export function button(page: Page, name: string) {
  return page.getByRole("button", { name, exact: true });
}

/** The cells of a table's body rows, as text. */
export async function rows(page: Page, table: string): Promise<string[][]> {
  return page
    .getByRole("table", { name: table, exact: true })
    .locator("tbody tr")
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
}

/** Steps (by trace event) until `done()` holds; at most `limit` steps. */
export async function stepUntil(page: Page, done: () => Promise<boolean>, limit = 300): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await done()) return;
    await move(page, () => button(page, "Step to the next trace event").click());
  }
  throw new Error(`not reached in ${limit} steps`);
}
