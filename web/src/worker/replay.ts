/** A counterexample's replay file run again with the trace on (the explorer pane shows it). */
import { parseReplay, replay } from "../../../src/explore/replay.js";
import type { Reply } from "../protocol.js";

export function replayReply(json: string): Reply {
  const r = replay(parseReplay(json));
  return { type: "replayed", trace: r.trace.split("\n"), reports: r.reports, reproduced: r.reproduced };
}
