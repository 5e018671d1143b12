/**
 * The process tree as psmisc's `pstree -p` draws it (UTF-8 line drawing): each task as
 * `name(pid)`, its children to the right, joined by `───` (one child) or `─┬─`, ` ├─`,
 * ` └─` (several), siblings sorted by name (or by pid with `numeric`). Threads other than
 * a group's leader are drawn under the leader as `{name}(tid)`, as pstree does.
 *
 * A real `pstree -p` starts at pid 1 and so leaves out the kernel threads, which hang off
 * pid 0 through kthreadd; without a root this draws every tree under pid 0 (init's, then
 * kthreadd's), as `pstree -p 1; pstree -p 2` would.
 */
import type { PsRow } from "./ps.js";

export interface PstreeOptions {
  /** Draw only the tree of this pid. */
  root?: number;
  /** Sort siblings by pid rather than by name (`pstree -n`). */
  numeric?: boolean;
}

/** What pstree draws of a task (a ps row, or a task read from a trace). */
export type PstreeRow = Pick<PsRow, "pid" | "ppid" | "tgid" | "name">;

interface Node {
  row: PstreeRow;
  children: Node[];
}

/** The name pstree shows: in braces for a thread, which so sorts after the processes. */
function shown(n: Node): string {
  return n.row.tgid === n.row.pid ? n.row.name : `{${n.row.name}}`;
}

function label(n: Node): string {
  return `${shown(n)}(${n.row.pid})`;
}

/** The lines of n's subtree, n's label first. */
function draw(n: Node): string[] {
  const head = label(n);
  if (n.children.length === 0) return [head];
  const pad = " ".repeat(head.length);
  const out: string[] = [];
  n.children.forEach((child, i) => {
    const only = n.children.length === 1;
    const last = i === n.children.length - 1;
    const first = i === 0;
    const lead = first ? `${head}${only ? "───" : "─┬─"}` : `${pad}${last ? " └─" : " ├─"}`;
    const cont = `${pad}${last ? "   " : " │ "}`;
    draw(child).forEach((line, j) => {
      out.push((j === 0 ? lead : cont) + line);
    });
  });
  return out;
}

/** `pstree -p` of the rows (the task list at one moment). Throws RangeError for an unknown root. */
export function formatPstree(rows: readonly PstreeRow[], o: PstreeOptions = {}): string {
  const nodes = new Map<number, Node>();
  for (const row of rows) if (row.pid !== 0) nodes.set(row.pid, { row, children: [] });
  const roots: Node[] = [];
  for (const n of nodes.values()) {
    // A thread hangs under its group leader; a process under its parent process.
    const up = n.row.tgid !== n.row.pid ? n.row.tgid : n.row.ppid;
    const parent = nodes.get(up);
    if (parent === undefined) roots.push(n);
    else parent.children.push(n);
  }
  const order = o.numeric
    ? (a: Node, b: Node) => a.row.pid - b.row.pid
    : (a: Node, b: Node) => (shown(a) < shown(b) ? -1 : shown(a) > shown(b) ? 1 : a.row.pid - b.row.pid);
  for (const n of nodes.values()) n.children.sort(order);
  roots.sort((a, b) => a.row.pid - b.row.pid);
  let drawn = roots;
  if (o.root !== undefined) {
    const r = nodes.get(o.root);
    if (r === undefined) throw new RangeError(`no task with pid ${o.root}`);
    drawn = [r];
  }
  return drawn.map((r) => `${draw(r).join("\n")}\n`).join("");
}
