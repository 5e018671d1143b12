/**
 * Writes the state of the machine `tasklab explore SCENARIO [--mutant M]` starts its runs on
 * (minimal boot, trace off; nothing run yet): `node --import ./src/build/register.mjs
 * test/cli/explorer-state.ts FILE SCENARIO [MUTANT]`. Run in a process of its own, where
 * modules load as in the CLI's workers (a state names code by how it was compiled).
 */
import { writeFileSync } from "node:fs";
import { machineFor } from "../../src/run.js";
import { findScenario } from "../../src/scenarios/index.js";
import { saveState } from "../../src/state/file.js";

const [file, name, mutant] = process.argv.slice(2);
const s = name === undefined ? undefined : findScenario(name);
if (file === undefined || s === undefined) throw new Error("usage: explorer-state.ts FILE SCENARIO [MUTANT]");
const m = machineFor(s, { cpus: 2, seed: 1, boot: "minimal", events: [], ...(mutant === undefined ? {} : { mutant }) });
writeFileSync(file, saveState(m));
