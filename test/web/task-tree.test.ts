/** The tasks pane's tree (web/src/task-tree.ts): processes under their parents, threads under their leader. */
import { describe, expect, it } from "vitest";
import type { TaskView } from "../../src/web/types.js";
import { type TaskNode, taskTree } from "../../web/src/task-tree.js";

function task(pid: number, ppid: number, comm: string, tgid = pid): TaskView {
  return {
    pid,
    tgid,
    ppid,
    comm,
    name: comm,
    state: "S",
    kthread: ppid === 2,
    cpu: 0,
    running: false,
    stack: [],
    fields: [],
  };
}

/** The tree as text: "comm{threads}[children]". */
function shape(nodes: TaskNode[]): string {
  return nodes
    .map((n) => {
      const threads = n.threads.length === 0 ? "" : `{${n.threads.map((t) => t.comm).join(",")}}`;
      const kids = n.children.length === 0 ? "" : `[${shape(n.children)}]`;
      return `${n.task.comm}${threads}${kids}`;
    })
    .join(" ");
}

describe("the task tree", () => {
  it("puts kthreadd's children under it and init's processes under init, threads under their leader", () => {
    const tasks = [
      task(41, 39, "worker", 39),
      task(2, 0, "kthreadd"),
      task(1, 0, "init"),
      task(40, 39, "child"),
      task(39, 1, "prog"),
      task(3, 2, "rcu_gp"),
      task(38, 2, "my_kthread/0"),
    ];
    expect(shape(taskTree(tasks))).toBe("init[prog{worker}[child]] kthreadd[rcu_gp my_kthread/0]");
  });

  it("makes a root of a task whose parent is not listed", () => {
    expect(shape(taskTree([task(5, 99, "orphan"), task(1, 0, "init")]))).toBe("init orphan");
  });
});
