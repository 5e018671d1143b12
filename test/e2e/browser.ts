/**
 * The e2e tests' browser: headless Chromium through playwright-core, with a fresh profile,
 * the page's errors collected, and a screenshot helper writing test/e2e/artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));

export interface Browser {
  context: BrowserContext;
  /** Uncaught errors and console errors of every page opened. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launch(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "tasklab-e2e-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 720 },
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
  };
  context.on("page", watch);
  for (const p of context.pages()) watch(p);
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    errors,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

let shots = 0;

/** Saves a screenshot as artifacts/NN-name.png. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const file = join(ARTIFACTS, `${String(++shots).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}
