/**
 * The task tree of the tasks pane: processes under their parent (init's and kthreadd's
 * trees, as pstree draws them), each process's other threads listed under it. Pure.
 */
import type { TaskView } from "../../src/web/types.js";

export interface TaskNode {
  task: TaskView;
  /** The other threads of its thread group (by tid). */
  threads: TaskView[];
  /** Its child processes (by pid). */
  children: TaskNode[];
}

export function taskTree(tasks: readonly TaskView[]): TaskNode[] {
  const byPid = new Map<number, TaskNode>();
  const sorted = [...tasks].sort((a, b) => a.pid - b.pid);
  for (const t of sorted) if (t.pid === t.tgid) byPid.set(t.pid, { task: t, threads: [], children: [] });
  const roots: TaskNode[] = [];
  for (const t of sorted) {
    if (t.pid !== t.tgid) {
      const leader = byPid.get(t.tgid);
      if (leader !== undefined) leader.threads.push(t);
      else roots.push({ task: t, threads: [], children: [] });
      continue;
    }
    const node = byPid.get(t.pid) as TaskNode;
    const parent = t.ppid === t.pid ? undefined : byPid.get(t.ppid);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  return roots;
}
