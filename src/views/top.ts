/**
 * A `top`-style summary (procps top, batch mode): the task counts by state, then one line
 * per task sorted by CPU use. %CPU is over the whole run (task run time / virtual time
 * since boot), not over a refresh interval; VIRT, RES, SHR and %MEM are 0 for tasks
 * without an address space, which is every task the model has today.
 */
import type { PsRow } from "./ps.js";

/** TIME+: minutes:seconds.hundredths. */
function timePlus(ns: number): string {
  const cs = Math.floor(ns / 1e7);
  return `${Math.floor(cs / 6000)}:${String(Math.floor(cs / 100) % 60).padStart(2, "0")}.${String(cs % 100).padStart(2, "0")}`;
}

/** PR: prio - 100 ("rt" for the highest real-time priority). */
function pr(prio: number): string {
  return prio === 0 ? "rt" : String(prio - 100);
}

export function formatTop(rows: readonly PsRow[], now: number): string {
  const tasks = rows.filter((r) => r.pid !== 0);
  const count = (states: string) => tasks.filter((r) => states.includes(r.state)).length;
  const cpu = (r: PsRow) => (now > 0 ? (100 * r.runtime) / now : 0);
  const sorted = [...tasks].sort((a, b) => cpu(b) - cpu(a) || a.pid - b.pid);
  const line = (r: PsRow) =>
    `${String(r.pid).padStart(7)} ${"root".padEnd(8)} ${pr(r.prio).padStart(3)} ${String(r.nice).padStart(3)} ` +
    `${"0".padStart(7)} ${"0".padStart(6)} ${"0".padStart(6)} ${r.state} ${cpu(r).toFixed(1).padStart(5)} ` +
    `${"0.0".padStart(5)} ${timePlus(r.runtime).padStart(9)} ${r.name}`;
  return [
    `Tasks: ${String(tasks.length).padStart(3)} total, ${String(count("R")).padStart(3)} running, ` +
      `${String(count("SDIP")).padStart(3)} sleeping, ${String(count("Tt")).padStart(3)} stopped, ` +
      `${String(count("Z")).padStart(3)} zombie`,
    "",
    "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND",
    ...sorted.map(line),
    "",
  ].join("\n");
}
