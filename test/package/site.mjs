// `node test/package/site.mjs DIR` (check.sh): serves DIR from a plain static server under
// /tools/tasklab/ (any path of any server should do), opens it in headless Chromium and waits
// for the scenario list, which the engine's worker sends: the page, its scripts and the
// worker all loaded from the sub-path. Exit 0 when it came, 1 otherwise (with why).
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { chromium } from "playwright-core";

const dir = process.argv[2];
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
const PREFIX = "/tools/tasklab/";
const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (!path.startsWith(PREFIX)) return res.writeHead(404).end();
  const file = join(dir, path.slice(PREFIX.length) || "index.html");
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${server.address().port}${PREFIX}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
let status = 1;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.locator("option", { hasText: /^kthread-run$/ }).waitFor({ state: "attached", timeout: 120_000 });
  if (errors.length > 0) console.error(`site: errors on the page: ${errors.join("; ")}`);
  else status = 0;
} catch (e) {
  console.error(`site: ${url}: ${e.message.split("\n")[0]}`);
} finally {
  await browser.close();
  server.close();
}
process.exit(status);
