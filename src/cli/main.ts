/** The `tasklab` command. */

import { readFileSync } from "node:fs";
import { Command } from "commander";
import { SCENARIOS } from "../scenarios/index.js";
import { InputError } from "../sim/suggest.js";
import { formatEras, formatErasJson } from "../views/eras.js";
import { addDebugCommand } from "./debug.js";
import { addDiffCommand } from "./diff.js";
import { addExplainCommand } from "./explain.js";
import { addExploreCommands } from "./explore.js";
import { addRunCommand } from "./run.js";
import { addServeCommand } from "./serve.js";
import { addViewCommands } from "./views.js";

/** The version in package.json. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("tasklab")
    .description("An executable, deterministic model of how Linux creates tasks: run it, trace it, read it.")
    .version(packageVersion(), "-V, --version", "print tasklab's version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();

  program
    .command("scenarios")
    .description("list the built-in scenarios")
    .action(() => {
      const w = Math.max(...SCENARIOS.map((s) => s.name.length));
      for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(w)}  ${s.description}\n`);
    });

  program
    .command("eras")
    .description("list the kernel releases the model can run (--kernel), with what each changed")
    .option("--json", "the profiles as JSON (every field of each)")
    .action((f: { json?: boolean }) => {
      process.stdout.write(f.json ? formatErasJson() : formatEras());
    });

  addRunCommand(program);
  addViewCommands(program);
  addDebugCommand(program);
  addExploreCommands(program);
  addServeCommand(program);
  addDiffCommand(program);
  addExplainCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`tasklab: ${e.message}\n`);
      return 2;
    }
    const code = (e as { exitCode?: number; code?: string }).exitCode;
    if (code !== undefined) {
      const c = (e as { code?: string }).code;
      return c === "commander.helpDisplayed" || c === "commander.version" || c === "commander.help" ? 0 : 2;
    }
    throw e;
  }
}
