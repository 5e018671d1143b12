/**
 * The state file a target names, read for the explorer (Node only: the CLI's explore worker
 * and the pool's workers): its bytes checked against the target's sha256, its text
 * registered for from-state.ts. Every failure is one line (an InputError: exit 2).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { InputError } from "../sim/suggest.js";
import { registerState, stateRegistered } from "./from-state.js";
import type { Target } from "./schedule.js";

/** Reads and registers the state file `t` names (once per thread), if it names one. */
export function readTargetState(t: Target): void {
  const st = t.state;
  if (st === undefined || stateRegistered(st.path)) return;
  let bytes: Buffer;
  try {
    bytes = readFileSync(st.path);
  } catch (e) {
    throw new InputError(`--from-state: cannot read ${st.path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const hash = createHash("sha256").update(bytes).digest("hex");
  if (hash !== st.sha256)
    throw new InputError(
      `--from-state ${st.path}: the file changed since the exploration started (its sha256 is ${hash.slice(0, 12)}…, not ${st.sha256.slice(0, 12)}…)`,
    );
  registerState(st.path, bytes.toString("utf8"));
}
