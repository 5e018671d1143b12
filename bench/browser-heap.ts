/**
 * live-tasks in Chromium: the heap per live sleeping kthread under a pointer-compressed V8
 * (the browser's: 4-byte tagged fields where stock Node has 8). bench/live.ts is bundled as
 * the visualizer's worker bundles the model (Vite with the frames transform), run in headless
 * Chromium through playwright-core, and measured with the DevTools protocol: heap used after
 * a forced full GC, a machine with n more sleeping kthreads against one without, both alive.
 * Needs Chromium (CHROMIUM, else /usr/bin/chromium); without it the row is left out, with a note.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build, defaultClientConditions, type Rolldown } from "vite";
import { runtimePlugins } from "../src/build/frames-vite.mjs";

const LIVE = fileURLToPath(new URL("./live.ts", import.meta.url));

/** bench/live.ts as one classic script defining the global `TasklabLive`. */
async function bundleLive(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: "silent",
    resolve: { conditions: ["tasklab-source", ...defaultClientConditions] },
    plugins: runtimePlugins(),
    build: {
      write: false,
      minify: false,
      target: "es2022",
      lib: { entry: LIVE, formats: ["iife"], name: "TasklabLive", fileName: "live" },
      rolldownOptions: { output: { keepNames: true } },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as Rolldown.RolldownOutput[];
  const chunk = outputs.flatMap((o) => o.output).find((c) => c.type === "chunk");
  if (chunk === undefined || chunk.type !== "chunk") throw new Error("browser-heap: the bundle has no chunk");
  return chunk.code;
}

/** Bytes per live task in Chromium at `n` tasks, or why there is no figure. */
export async function browserHeapPerTask(n: number): Promise<number | string> {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) return `no Chromium at ${executablePath} (set CHROMIUM)`;
  const code = await bundleLive();
  const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage();
    await page.setContent("<!doctype html><title>tasklab live-tasks heap</title>");
    await page.addScriptTag({ content: code });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("HeapProfiler.enable");
    const used = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      return (await cdp.send("Runtime.getHeapUsage")).usedSize;
    };
    // The same steps as liveTasks: both machines stay alive while the heap is read.
    const tasks = (k: number) =>
      page.evaluate((count) => {
        const g = globalThis as unknown as {
          TasklabLive: { machineWith(n: number, t: { ms: number }): { tasks(): unknown[] } };
          kept?: unknown[];
        };
        const m = g.TasklabLive.machineWith(count, { ms: 0 });
        g.kept = [...(g.kept ?? []), m];
        return m.tasks().length;
      }, k);
    await tasks(1_000); // warm-up, as bench/run.ts does before liveTasks
    await page.evaluate(() => {
      (globalThis as { kept?: unknown[] }).kept = [];
    });
    const base = await tasks(0);
    const h0 = await used();
    const big = await tasks(n);
    const h1 = await used();
    if (big !== base + n) throw new Error(`browser-heap: ${big - base} tasks made, ${n} asked`);
    return (h1 - h0) / n;
  } finally {
    await browser.close();
  }
}
