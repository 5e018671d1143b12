/**
 * What a trace says about task creation, for the report, the JSON and the Perfetto view:
 * the release it is read against, the creations with their flags decoded, the kthread
 * protocols, the vfork waits, and every departure from the release's protocol.
 */
import { type Era, era as eraProfile, isEraName } from "../linux/eras/profiles.js";
import type { PstreeRow } from "../views/pstree.js";
import { conflicts, decodeCloneFlags, detectEra } from "./era.js";
import { kthreadProtocols, type Protocol, type VforkWait, vforkWaits } from "./protocol.js";
import type { TraceRead } from "./read.js";
import type { Task } from "./reconstruct.js";

export interface Explanation {
  read: TraceRead;
  era: Era;
  /** Whether the release was detected from the trace (no --kernel). */
  detected: boolean;
  /** Where the trace's formats differ from the release's. */
  formatConflicts: string[];
  protocols: Protocol[];
  vforks: VforkWait[];
}

/** Reads `read` against release `kernel` (a modeled release name), or the one that fits it best. */
export function explain(read: TraceRead, kernel?: string): Explanation {
  let era: Era;
  let formatConflicts: string[];
  if (kernel === undefined) ({ era, conflicts: formatConflicts } = detectEra(read.evidence));
  else {
    if (!isEraName(kernel)) throw new RangeError(`unknown kernel '${kernel}'`);
    era = eraProfile(kernel);
    formatConflicts = conflicts(era, read.evidence);
  }
  const markers = read.markers.map((m) => m.line);
  return {
    read,
    era,
    detected: kernel === undefined,
    formatConflicts,
    protocols: kthreadProtocols(read.recon, era, markers),
    vforks: vforkWaits(read.recon),
  };
}

/** The clone flags of a creation by name, as the release prints them. */
export function flagNames(t: Task, era: Era): string[] | null {
  const f = t.creation?.clone_flags;
  return f == null ? null : decodeCloneFlags(f, era);
}

/** The tasks on the task list at the trace's end, as pstree draws them (names are the trace's 15-character comms). */
export function pstreeRows(x: Explanation): PstreeRow[] {
  const alive = x.read.recon.alive();
  const pids = new Set(alive.map((t) => t.pid));
  return alive.map((t) => ({
    pid: t.pid,
    // A parent that left: its children went to init (no subreaper is visible in a trace).
    ppid: t.ppid === null ? 0 : pids.has(t.ppid) || t.ppid <= 2 ? t.ppid : 1,
    tgid: t.tgid,
    name: t.comm,
  }));
}

/** Every departure from the release's protocol, one line each. */
export function allDepartures(x: Explanation): string[] {
  const label = (t: Task) => `${t.comm}(${t.pid})`;
  return [
    ...x.protocols.flatMap((p) => p.departures.map((d) => `kthread ${label(p.child)}: ${d}`)),
    ...x.vforks.flatMap((v) => v.departures.map((d) => `vfork ${label(v.child)}: ${d}`)),
  ];
}
