/**
 * `tasklab serve`: the visualizer (web/, built by Vite into web/dist) on 127.0.0.1. The site
 * is static — the engine runs in the browser's Web Worker — so this only hands out files;
 * web/dist can be served by any static file server instead. Builds the site first if it
 * has not been built.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { intIn } from "./options.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DIST = join(ROOT, "web", "dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
  ".wasm": "application/wasm",
};

/**
 * What the page may do: only its own scripts, workers and requests. 'unsafe-eval' because a
 * scenario typed in the editor is compiled with `new Function` in the engine's worker;
 * 'unsafe-inline' styles because CodeMirror adds <style> elements.
 */
export const CSP =
  "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "worker-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Builds web/dist with Vite (web/vite.config.ts). */
export async function buildSite(): Promise<void> {
  const { build } = await import("vite");
  await build({ configFile: join(ROOT, "web", "vite.config.ts"), logLevel: "warn" });
}

/** Serves `dir` on 127.0.0.1:port (0: any free port); resolves once listening. */
export function serveStatic(dir: string, port: number): Promise<Server> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404).end("not built: run npm run build:web");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
    });
    res.end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok(server));
  });
}

export async function serveCommand(f: { port: number; build?: boolean }): Promise<Server> {
  if (f.build === true || !existsSync(join(DIST, "index.html"))) {
    process.stderr.write("tasklab: building the visualizer (web/dist)…\n");
    await buildSite();
  }
  const server = await serveStatic(DIST, f.port);
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : f.port;
  process.stdout.write(`tasklab: the visualizer is at http://127.0.0.1:${port}/\n`);
  return server;
}

export function addServeCommand(program: Command): void {
  program
    .command("serve")
    .description("serve the visualizer (web/) on 127.0.0.1; builds it first if needed")
    .option("--port <n>", "the port (0: any free one)", intIn(0, 65535), 5173)
    .option("--build", "build the site again first")
    .action(async (f: { port: number; build?: boolean }) => {
      await serveCommand(f);
      await new Promise(() => {}); // serve until killed
    });
}
