/**
 * Before the end-to-end tests: find Chromium, build the site and serve it with
 * `tasklab serve --build --port 0`; after them, stop that server. Without Chromium the
 * tests are skipped, and this says how to install it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Chromium's executable, or null when it is not installed. */
    chromium: string | null;
    /** Where `tasklab serve` serves the site ("" when not started). */
    baseURL: string;
  }
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Starts `tasklab serve` and resolves with the URL it prints. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["bin/tasklab-src.js", "serve", "--build", "--port", "0"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((ok, fail) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m !== null) ok({ child, url: m[0] });
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d;
    });
    child.on("exit", (code) => fail(new Error(`tasklab serve exited (${code}) before serving:\n${out}${err}`)));
  });
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    // In CI a missing browser is a failed install, never a quiet skip.
    if (process.env.CI) throw new Error(`test/e2e: no Chromium at ${chromium} (CI must install it: see .ci/run)`);
    process.stderr.write(
      `\ntest/e2e: no Chromium at ${chromium}, so the visualizer's end-to-end tests are skipped.\n` +
        "  Install it with: apt-get install -y chromium   (Debian/Ubuntu; CI does this)\n" +
        "  or point CHROMIUM at a Chromium or Chrome executable.\n\n",
    );
    project.provide("chromium", null);
    project.provide("baseURL", "");
    return undefined;
  }
  const { child, url } = await serve();
  project.provide("chromium", chromium);
  project.provide("baseURL", url);
  return () => {
    child.kill();
  };
}
