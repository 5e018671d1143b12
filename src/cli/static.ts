/**
 * How `tasklab serve` answers a request: the files of one folder, to GET and HEAD only, on
 * its own address only, each answer with the security headers. Nothing a request holds
 * can crash it: an unexpected error is a 500 and the next request is answered as usual.
 */
import type { Stats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { extname, isAbsolute, join, relative, sep } from "node:path";

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

/** Sent with every response, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** Vite names every file under assets/ by its content's hash: a name never changes content. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** A request answered with an error status. */
class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text); // HEAD: node sends the headers only
}

/** The decoded path of a request target ("/a/b?q" → "/a/b"). */
function requestPath(target: string): string {
  const raw = target.split(/[?#]/, 1)[0] as string;
  if (!raw.startsWith("/")) throw new Refused(400, "the request target must be a path");
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw new Refused(400, "malformed percent-encoding in the path");
  }
  if (path.includes("\0")) throw new Refused(400, "a NUL in the path");
  return path;
}

/** The path of `path` relative to `root`, or null when it leads outside (compared by whole segments). */
export function underRoot(root: string, path: string): string | null {
  const rel = relative(root, join(root, path));
  return rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? null : rel;
}

async function fileStat(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ENAMETOOLONG") return null;
    throw e;
  }
}

async function answer(req: IncomingMessage, res: ServerResponse, root: string, names: () => readonly string[]) {
  const hosts = names();
  const host = req.headers.host;
  if (host === undefined) throw new Refused(400, "no Host header");
  // A page elsewhere may rebind its own name to 127.0.0.1: its requests carry its name.
  if (!hosts.includes(host.toLowerCase())) throw new Refused(421, `this server answers to ${hosts.join(" or ")}`);
  if (req.method !== "GET" && req.method !== "HEAD") {
    throw new Refused(405, "only GET and HEAD", { allow: "GET, HEAD", connection: "close" });
  }
  const rel = underRoot(root, requestPath(req.url ?? ""));
  if (rel === null) throw new Refused(403, "outside the site");
  // "/" is the page; any other path is a file of the site or 404 (see docs/visualizer.md).
  const name = rel === "" ? "index.html" : rel;
  const file = join(root, name);
  const st = await fileStat(file);
  if (st === null || !st.isFile()) {
    throw new Refused(404, name === "index.html" ? "not built: run npm run build:web" : "not found");
  }
  const headers = {
    ...SECURITY_HEADERS,
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": name.startsWith(`assets${sep}`) ? IMMUTABLE : "no-cache",
  };
  if (req.method === "HEAD") {
    res.writeHead(200, { ...headers, "content-length": String(st.size) }).end();
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, { ...headers, "content-length": String(body.length) }).end(body);
}

/** Answers with the error, or 500 for an unexpected one (reported on stderr in one line). */
function fail(res: ServerResponse, e: unknown): void {
  try {
    if (e instanceof Refused) {
      send(res, e.status, `${e.message}\n`, e.headers);
      return;
    }
    process.stderr.write(`tasklab: serve: ${e instanceof Error ? e.message : String(e)}\n`);
    if (res.headersSent) res.destroy();
    else send(res, 500, "internal error\n");
  } catch {
    res.destroy();
  }
}

/** The request handler serving `root` to requests whose Host is one of `hosts()`. */
export function staticFiles(root: string, hosts: () => readonly string[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    answer(req, res, root, hosts).catch((e: unknown) => fail(res, e));
  };
}

/** A request node could not parse (node's own answer would lack the security headers). */
export function badRequest(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
  const headers = Object.entries({ ...SECURITY_HEADERS, connection: "close", "content-length": "0" });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
}
