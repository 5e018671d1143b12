/**
 * `tasklab explain FILE`: reads a trace captured on a real kernel (or written by `tasklab
 * run`) and explains its task creations (src/explain/). Input that is not ftrace text, a
 * file that cannot be read or an unknown release is a one-line error (exit 2).
 */
import { statSync } from "node:fs";
import { type Command, Option } from "commander";
import { explain, pstreeRows } from "../explain/explain.js";
import { TraceFormatError } from "../explain/parse.js";
import { formatExplainPerfetto } from "../explain/perfetto.js";
import { readTraceFile } from "../explain/read-file.js";
import { formatReport, formatReportJson } from "../explain/report.js";
import { ERA_NAMES } from "../linux/eras/profiles.js";
import { formatPstree } from "../views/pstree.js";
import { checkOutput, writeOutput } from "./files.js";
import { UsageError } from "./options.js";

interface ExplainFlags {
  json?: boolean;
  format: "text" | "json" | "perfetto";
  kernel?: string;
  pstree?: boolean;
  output?: string;
}

/** The file's size, or a usage error saying why it cannot be read. */
function sizeOf(file: string): number {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError(`${file}: not a file`);
    return st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as { code?: string }).code;
    throw new UsageError(`${file}: cannot read it (${code === "ENOENT" ? "no such file" : (code ?? String(e))})`);
  }
}

/** A progress line on a terminal: how much of the file is read. */
function progress(size: number): ((bytes: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (bytes) => {
    process.stderr.write(
      `\rtasklab explain: ${Math.round((100 * bytes) / size)}% of ${(size / 1e6).toFixed(1)} MB read`,
    );
  };
}

export function addExplainCommand(program: Command): void {
  program
    .command("explain")
    .description(
      "explain the task creations in a trace captured on a real kernel (ftrace text, trace_pipe, trace-cmd report)",
    )
    .argument("<file>", "the trace: the kernel's trace file, trace_pipe output or 'trace-cmd report' output")
    .option("--json", "the explanation as JSON (the same as --format json)")
    .addOption(
      new Option("--format <format>", "text: the report; json; perfetto: Chrome JSON for ui.perfetto.dev")
        .choices(["text", "json", "perfetto"])
        .default("text"),
    )
    .addOption(
      new Option(
        "--kernel <version>",
        "read the trace against this release's protocol (default: the one that fits the trace best)",
      ).choices(ERA_NAMES),
    )
    .option("--pstree", "only the tasks alive at the trace's end, as 'pstree -p' draws them")
    .option("-o, --output <file>", "write the output to FILE")
    .action(async (file: string, f: ExplainFlags) => {
      if (f.output !== undefined) checkOutput(f.output);
      const size = sizeOf(file);
      const tick = progress(size);
      let read: Awaited<ReturnType<typeof readTraceFile>>;
      try {
        read = await readTraceFile(file, tick);
      } catch (e) {
        if (e instanceof TraceFormatError) throw new UsageError(`${file}: ${e.message}`);
        throw new UsageError(`${file}: cannot read it (${(e as { code?: string }).code ?? String(e)})`);
      } finally {
        if (tick !== undefined) process.stderr.write("\r\x1b[K");
      }
      const x = explain(read, f.kernel);
      const format = f.json ? "json" : f.format;
      const out = f.pstree
        ? formatPstree(pstreeRows(x))
        : format === "json"
          ? formatReportJson(x, file)
          : format === "perfetto"
            ? formatExplainPerfetto(x)
            : formatReport(x, file);
      if (f.output === undefined) process.stdout.write(out);
      else writeOutput(f.output, out);
      process.exitCode = 0;
    });
}
