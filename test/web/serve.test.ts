/** `tasklab serve`'s static server: files with their types, index.html for app routes, nothing outside. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serveStatic } from "../../src/cli/serve.js";

describe("serveStatic", () => {
  it("serves files on 127.0.0.1 and nothing outside its folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tasklab-site-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>tasklab</title>");
    writeFileSync(join(dir, "app.js"), "export {};");
    const server = await serveStatic(dir, 0);
    try {
      const addr = server.address();
      if (addr === null || typeof addr !== "object") throw new Error("no address");
      expect(addr.address).toBe("127.0.0.1");
      const base = `http://127.0.0.1:${addr.port}`;
      const js = await fetch(`${base}/app.js`);
      expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(await js.text()).toBe("export {};");
      const page = await fetch(`${base}/?scenario=kthread-run&step=10`);
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self' 'unsafe-eval'");
      expect(await page.text()).toContain("<title>tasklab</title>");
      const out = await fetch(`${base}/..%2f..%2fetc/passwd`);
      expect([403, 200]).toContain(out.status);
      expect(await out.text()).not.toContain("root:");
    } finally {
      server.close();
    }
  });
});
