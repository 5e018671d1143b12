/**
 * The differential harness: the same cases (cases.ts) run under the generator runtime and
 * under the frame runtime (TASKLAB_RUNTIME), each in its own process (the runtime is chosen
 * as modules load), must print the same lines: same stop, step count, trace, reports and ps
 * table, byte for byte. Here on the oldest and the newest era; `npm run differential` runs
 * every era.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

async function lines(runtime: string, filter: string): Promise<string[]> {
  const { stdout } = await run("node", ["test/differential/main.mjs", filter], {
    env: { ...process.env, TASKLAB_RUNTIME: runtime },
    maxBuffer: 64 << 20,
  });
  return stdout.trimEnd().split("\n");
}

describe("differential: generators and frames", () => {
  it("run every scenario and example alike on 1, 2 and 4 CPUs (eras 2.6.24 and 6.19)", {
    timeout: 600_000,
  }, async () => {
    const filter = " (2\\.6\\.24|6\\.19) ";
    const [gen, frames] = await Promise.all([lines("generators", filter), lines("frames", filter)]);
    expect(gen.length).toBeGreaterThan(100);
    expect(frames).toEqual(gen);
  });

  it("the CLI refuses an unknown runtime with a one-line error and exit 2", async () => {
    const cli = run("node", ["bin/tasklab-src.js", "run", "kthread-run"], {
      env: { ...process.env, TASKLAB_RUNTIME: "fibers" },
    });
    await expect(cli).rejects.toMatchObject({
      code: 2,
      stdout: "",
      stderr: 'tasklab: TASKLAB_RUNTIME must be "generators" or "frames", got "fibers"\n',
    });
  });
});
