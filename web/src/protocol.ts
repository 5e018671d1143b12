/**
 * What the page and the engine worker say to each other: the contract of src/web/types.ts,
 * plus a few requests only the page needs (the lists for its selects, checking the editor's
 * source, moving to a trace line or an instant, replaying a counterexample).
 */
import type { FromWorker, ToWorker } from "../../src/web/types.js";

export interface Catalog {
  scenarios: { name: string; description: string }[];
  /** The broken protocol variants the explorer can explore (`tasklab mutants`). */
  mutants: { name: string; description: string }[];
  /** What the editor starts with. */
  template: string;
}

export type ExploreStrategy = Extract<ToWorker, { type: "explore" }>["strategy"];

export type Request =
  | ToWorker
  | { type: "catalog" }
  /** Compile the editor's source without running it (for inline errors). */
  | { type: "compile"; source: string }
  /** To the first position at which the trace has line `line` (0-based). */
  | { type: "gotoLine"; line: number }
  /** To the last position at or before virtual time `time` (ns). */
  | { type: "gotoTime"; time: number }
  /** Run a replay file (JSON text) with the trace on. */
  | { type: "replay"; replay: string };

export type Reply =
  | FromWorker
  | { type: "catalog"; catalog: Catalog }
  | { type: "compiled" }
  | { type: "replayed"; trace: string[]; reports: string[]; reproduced: boolean };
