/** Reading a trace file: streamed line by line (readline), in constant memory per line. */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { type TraceRead, TraceReader } from "./read.js";

/** A trace file, streamed; `progress(bytesRead)` is called about every megabyte. */
export async function readTraceFile(path: string, progress?: (bytes: number) => void): Promise<TraceRead> {
  const stream = createReadStream(path);
  const r = new TraceReader();
  let bytes = 0;
  let next = 1 << 20;
  if (progress !== undefined)
    stream.on("data", (chunk) => {
      bytes += chunk.length;
      if (bytes >= next) {
        next = bytes + (1 << 20);
        progress(bytes);
      }
    });
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of rl) r.line(line);
  } finally {
    rl.close();
    stream.destroy();
  }
  return r.finish();
}
