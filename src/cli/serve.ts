/**
 * `tasklab serve`: the visualizer (web/, built by Vite into web/dist) on 127.0.0.1. The site
 * is static — the engine runs in the browser's Web Worker — so this only hands out files;
 * web/dist can be served by any static file server instead. Builds the site first if it
 * has not been built.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { intIn, UsageError } from "./options.js";
import { badRequest, staticFiles } from "./static.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DIST = join(ROOT, "web", "dist");

/** Builds web/dist with Vite (web/vite.config.ts): a checkout's dev dependency (the package ships web/dist built). */
export async function buildSite(): Promise<void> {
  let vite: typeof import("vite");
  try {
    vite = await import("vite");
  } catch {
    throw new UsageError(
      `cannot build the visualizer into ${DIST}: Vite is not installed (a checkout's npm install has it)`,
    );
  }
  const { build } = vite;
  await build({ configFile: join(ROOT, "web", "vite.config.ts"), logLevel: "warn" });
}

/** Why the server could not listen, in one line. */
function listenError(e: NodeJS.ErrnoException, port: number): UsageError {
  if (e.code === "EADDRINUSE") return new UsageError(`port ${port} is in use: try --port N (0 picks a free one)`);
  return new UsageError(`cannot listen on 127.0.0.1:${port}: ${e.message}`);
}

/**
 * Serves `dir` (static.ts) on 127.0.0.1:port (0: any free port); resolves once listening,
 * or rejects with a UsageError saying why it cannot.
 */
export function serveStatic(dir: string, port: number): Promise<Server> {
  // The names a request may give as Host: the address the server listens on.
  const hosts = (): string[] => {
    const p = (server.address() as AddressInfo).port;
    return [`127.0.0.1:${p}`, `localhost:${p}`];
  };
  const server = createServer({ requireHostHeader: false }, staticFiles(resolve(dir), hosts));
  server.on("clientError", badRequest);
  return new Promise((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => fail(listenError(e, port)));
    server.listen(port, "127.0.0.1", () => {
      server.removeAllListeners("error");
      server.on("error", (e: Error) => process.stderr.write(`tasklab: serve: ${e.message}\n`));
      ok(server);
    });
  });
}

export async function serveCommand(f: { port: number; build?: boolean }): Promise<Server> {
  const server = await serveStatic(DIST, f.port); // first: a port in use is said at once
  if (f.build === true || !existsSync(join(DIST, "index.html"))) {
    process.stderr.write("tasklab: building the visualizer (web/dist)…\n");
    try {
      await buildSite();
    } catch (e) {
      server.close();
      throw e;
    }
  }
  const { port } = server.address() as AddressInfo;
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
