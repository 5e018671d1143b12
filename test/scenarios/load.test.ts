/**
 * A scenario file that cannot be used is one line naming the file and, where there is one, the
 * line and column (loadScenarioFile): run as a user runs it, in a child process (Node and tsx,
 * not vitest's loader, load the file).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "tasklab-load-"));
writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n'); // as a user's project is: ES modules

/** `tasklab run FILE` on a file of this text: its exit status and stderr. */
function run(name: string, text: string): { status: number | null; stderr: string; file: string } {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, ["bin/tasklab-src.js", "run", file], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr, file };
}

describe("a scenario file that cannot be used", () => {
  it("a syntax error in TypeScript: file:line:column and what", () => {
    const r = run("syntax.ts", 'export default {\n  name: "x"\n  description: "y" };\n');
    expect(r.stderr).toBe(`tasklab: ${r.file}:3:3: syntax error: Expected "}" but found "description"\n`);
    expect(r.status).toBe(2);
  });

  it("a syntax error in JavaScript: file:line:column, which Node's import() does not say", () => {
    const r = run("syntax.mjs", 'export default { name: "x" };\nfoo bar;\n');
    expect(r.stderr).toBe(`tasklab: ${r.file}:2:5: syntax error: Unexpected identifier 'bar'\n`);
    expect(r.status).toBe(2);
  });

  it("an exception while the module's top level runs: where, from the stack", () => {
    const r = run(
      "throws.ts",
      'const a: { b: number } | undefined = undefined;\nconst c = a!.b;\nexport default { name: "x", c };\n',
    );
    expect(r.stderr).toBe(
      `tasklab: ${r.file}:2:14: TypeError while loading the scenario: Cannot read properties of undefined (reading 'b')\n`,
    );
    expect(r.status).toBe(2);
  });

  it("an import that cannot be resolved: where it is written", () => {
    const r = run("imports.ts", 'import { chunk } from "no-such-package";\nexport default { name: "x", chunk };\n');
    expect(r.stderr).toBe(
      `tasklab: ${r.file}:1:23: cannot import "no-such-package": not found (a scenario file may import "tasklab", node: modules and what is installed beside it)\n`,
    );
    expect(r.status).toBe(2);
  });

  it("no default export: what it exports instead", () => {
    const r = run("named.ts", 'export const scenario = { name: "x", description: "" };\n');
    expect(r.stderr).toBe(
      `tasklab: '${r.file}' exports no scenario (no default export; it exports scenario): it must export default a scenario: { name: string, description: string, main?: function* () {...} }\n`,
    );
    expect(r.status).toBe(2);
  });
});
