/**
 * `tasklab serve`'s static server: files with their types and caching, nothing outside its
 * folder, GET and HEAD on its own address only, the security headers on every answer, and
 * no request that stops it answering.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { type IncomingHttpHeaders, request, type Server } from "node:http";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { serveStatic } from "../../src/cli/serve.js";
import { SECURITY_HEADERS } from "../../src/cli/static.js";

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const INDEX = "<!doctype html><title>tasklab</title>";
const ASSET = "assets/index-B1a2c3d4.js";
let server: Server;
let port: number;

/** One request by http.request: `host` null sends none; the connection is not reused. */
function ask(path: string, o: { method?: string; host?: string | null; body?: string } = {}): Promise<Reply> {
  const host = o.host === undefined ? `127.0.0.1:${port}` : o.host;
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: o.method ?? "GET",
        headers: host === null ? {} : { host },
        setHost: false,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", fail);
    req.end(o.body);
  });
}

/** What the server answers to `text` sent as is on a socket, up to its closing the connection. */
function raw(text: string): Promise<string> {
  return new Promise((ok, fail) => {
    let got = "";
    const s = connect(port, "127.0.0.1", () => s.end(text));
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      got += d;
    });
    s.on("end", () => ok(got));
    s.on("error", fail);
  });
}

/** The server still serves its page (after a request that might have broken it). */
async function stillAnswers(): Promise<void> {
  const r = await ask("/");
  expect(r.status).toBe(200);
  expect(r.body).toBe(INDEX);
}

function expectSecurityHeaders(r: Reply): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(r.headers[k], k).toBe(v);
}

beforeAll(async () => {
  // web/dist's shape, and beside it a folder whose name starts with the site's ("dist").
  const tmp = mkdtempSync(join(tmpdir(), "tasklab-site-"));
  const dist = join(tmp, "dist");
  mkdirSync(join(dist, "assets"), { recursive: true });
  writeFileSync(join(dist, "index.html"), INDEX);
  writeFileSync(join(dist, "app.js"), "export {};");
  writeFileSync(join(dist, ASSET), "console.log(1);");
  symlinkSync("loop", join(dist, "loop")); // stat fails with ELOOP: an unexpected error
  mkdirSync(join(tmp, "dist-secret"));
  writeFileSync(join(tmp, "dist-secret", "key.txt"), "SECRET");
  server = await serveStatic(dist, 0);
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.close();
});

describe("tasklab serve", () => {
  it("serves files on 127.0.0.1 with their types, the page at /, and hashed assets as immutable", async () => {
    expect((server.address() as AddressInfo).address).toBe("127.0.0.1");
    const js = await ask("/app.js");
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.body).toBe("export {};");
    const page = await ask("/?scenario=kthread-run&step=10");
    expect(page.body).toBe(INDEX);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cache-control"]).toBe("no-cache");
    expectSecurityHeaders(page);
    expect((await ask("/index.html")).headers["cache-control"]).toBe("no-cache");
    const asset = await ask(`/${ASSET}`);
    expect(asset.body).toBe("console.log(1);");
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await ask("/localhost-name", { host: `LocalHost:${port}` })).status).toBe(404); // a Host it answers to
  });

  it("answers unknown paths, page-like or file-like, with 404 (the page has no routes)", async () => {
    for (const path of ["/kthread-run", "/a/b", "/assets", "/assets/", "/assets/index-gone.js", "/favicon.ico"]) {
      const r = await ask(path);
      expect(r.status, path).toBe(404);
      expect(r.body).toBe("not found\n");
      expectSecurityHeaders(r);
    }
  });

  it("answers a malformed percent-encoding with 400 and goes on serving", async () => {
    for (const path of ["/%E0%A4%A", "/%", "/a%zz", "/%00"]) {
      const r = await ask(path);
      expect(r.status, path).toBe(400);
      expectSecurityHeaders(r);
    }
    expect((await ask("/%E0%A4%A")).body).toBe("malformed percent-encoding in the path\n");
    await stillAnswers();
  });

  it("serves nothing outside its folder, a sibling whose name starts with the folder's included", async () => {
    for (const path of ["/..%2fdist-secret/key.txt", "/..%2Fdist-secret%2Fkey.txt", "/..%2f..%2f..%2fetc/passwd"]) {
      const r = await ask(path);
      expect(r.status, path).toBe(403);
      expect(r.body).toBe("outside the site\n");
      expectSecurityHeaders(r);
    }
    await stillAnswers();
  });

  it("answers only GET and HEAD: 405 with Allow for the rest, the body unread", async () => {
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "TRACE"]) {
      const r = await ask("/", { method, body: method === "POST" ? "x".repeat(100_000) : undefined });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe("GET, HEAD");
      expectSecurityHeaders(r);
    }
    await stillAnswers();
  });

  it("answers HEAD with the headers only", async () => {
    const r = await ask("/app.js", { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe("10");
    expect(r.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(r.body).toBe("");
    expectSecurityHeaders(r);
    const missing = await ask("/nope.js", { method: "HEAD" });
    expect([missing.status, missing.body]).toEqual([404, ""]);
  });

  it("refuses a Host that is not its address (DNS rebinding) with 421, and no Host with 400", async () => {
    for (const host of [
      "evil.example",
      `evil.example:${port}`,
      "127.0.0.1",
      `127.0.0.1:${port + 1}`,
      `[::1]:${port}`,
    ]) {
      const r = await ask("/", { host });
      expect(r.status, host).toBe(421);
      expect(r.body).toBe(`this server answers to 127.0.0.1:${port} or localhost:${port}\n`);
      expectSecurityHeaders(r);
    }
    const none = await ask("/", { host: null });
    expect([none.status, none.body]).toEqual([400, "no Host header\n"]);
    expectSecurityHeaders(none);
    expect((await ask("/", { host: `localhost:${port}` })).status).toBe(200);
  });

  it("answers an unexpected error with 500, says it on stderr, and goes on serving", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const r = await ask("/loop");
      expect(r.status).toBe(500);
      expect(r.body).toBe("internal error\n");
      expectSecurityHeaders(r);
      expect(err.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^tasklab: serve: ELOOP: .*\n$/)]);
    } finally {
      err.mockRestore();
    }
    await stillAnswers();
  });

  it("answers a request node cannot parse with 400 and the security headers", async () => {
    const reply = await raw("NOT HTTP AT ALL\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toContain("\r\nx-content-type-options: nosniff\r\n");
    expect(reply).toContain(`\r\ncontent-security-policy: ${SECURITY_HEADERS["content-security-policy"]}\r\n`);
    await stillAnswers();
  });

  it("says in one line that the port is in use, exit 2 (the real command)", async () => {
    const holder = createServer();
    await new Promise<void>((ok) => holder.listen(0, "127.0.0.1", ok));
    const held = (holder.address() as AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, ["bin/tasklab-src.js", "serve", "--port", String(held)], {
        cwd: new URL("../../", import.meta.url),
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.stderr).toBe(`tasklab: port ${held} is in use: try --port N (0 picks a free one)\n`);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
    } finally {
      holder.close();
    }
  });
});
