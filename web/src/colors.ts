/** Colours: one per task (stable across runs: derived from the pid) and one per task state. */

/** A task's colour on the timeline and in the tree; the idle tasks (pid 0) are grey. */
export function taskColor(pid: number): string {
  if (pid === 0) return "hsl(0 0% 82%)";
  const hue = Math.round((pid * 137.508) % 360);
  return `hsl(${hue} 62% ${pid % 2 === 0 ? 52 : 62}%)`;
}

/** The state letters /proc shows, what they mean and their colour. */
export const STATES: Readonly<Record<string, { name: string; color: string }>> = {
  R: { name: "running or runnable", color: "#2e9d4f" },
  S: { name: "sleeping (interruptible)", color: "#3b73c9" },
  D: { name: "sleeping (uninterruptible)", color: "#d9822b" },
  T: { name: "stopped", color: "#8a5a2b" },
  t: { name: "traced", color: "#8a5a2b" },
  P: { name: "parked", color: "#8f4fc4" },
  Z: { name: "zombie", color: "#7a7a7a" },
  X: { name: "dead", color: "#4a4a4a" },
  I: { name: "idle kernel thread", color: "#8fb3d9" },
};

export function stateInfo(letter: string): { name: string; color: string } {
  return STATES[letter] ?? { name: letter, color: "#999999" };
}

/** A tracepoint marker's colour, by event family. */
export function eventColor(event: string): string {
  if (event.startsWith("sched_wak")) return "#e0a100";
  if (event.startsWith("sched_process") || event.startsWith("task_")) return "#c23b8a";
  return "#555555";
}
