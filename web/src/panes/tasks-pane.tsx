/** The tasks pane: the task tree with each task's state and full name (the task pane shows the selected one). */
import type { TaskView } from "../../../src/web/types.js";
import { STATES, stateInfo, taskColor } from "../colors.js";
import { type TaskNode, taskTree } from "../task-tree.js";

interface Props {
  tasks: TaskView[];
  selected: number | null;
  onSelect(pid: number): void;
}

export function TasksPane({ tasks, selected, onSelect }: Props) {
  return (
    <section class="pane tasks" aria-labelledby="tasks-title">
      <header class="pane-head">
        <h2 id="tasks-title">Tasks</h2>
        <span class="muted">{tasks.length}</span>
        <ul class="legend" aria-label="State colours">
          {Object.entries(STATES).map(([letter, s]) => (
            <li
              key={letter}
              class="state"
              style={{ background: s.color }}
              title={s.name}
              aria-label={`${letter}: ${s.name}`}
            >
              {letter}
            </li>
          ))}
        </ul>
      </header>
      <div class="scroll tree-box">
        <ul class="tree" aria-label="Task tree">
          {taskTree(tasks).map((n) => (
            <TaskItem key={n.task.pid} node={n} selected={selected} onSelect={onSelect} />
          ))}
        </ul>
      </div>
    </section>
  );
}

function TaskButton({
  task,
  selected,
  onSelect,
}: {
  task: TaskView;
  selected: number | null;
  onSelect(pid: number): void;
}) {
  const s = stateInfo(task.state);
  return (
    <button
      type="button"
      class="task"
      aria-pressed={task.pid === selected}
      data-pid={task.pid}
      title={task.name === task.comm ? undefined : `comm: ${task.comm}`}
      onClick={() => onSelect(task.pid)}
    >
      {/* The name is what shows (state, name, pid, CPU), then what the colours say. */}
      <span class="state" style={{ background: s.color }} title={s.name}>
        {task.state}
      </span>{" "}
      <span class="swatch" style={{ background: taskColor(task.pid) }} />
      <span class="comm">{task.kthread ? `[${task.name}]` : task.name}</span> <span class="muted">{task.pid}</span>
      {task.running && <span class="oncpu"> CPU {task.cpu}</span>}
      <span class="sr-only">, {s.name}</span>
    </button>
  );
}

function TaskItem({
  node,
  selected,
  onSelect,
}: {
  node: TaskNode;
  selected: number | null;
  onSelect(pid: number): void;
}) {
  return (
    <li>
      <TaskButton task={node.task} selected={selected} onSelect={onSelect} />
      {(node.threads.length > 0 || node.children.length > 0) && (
        <ul>
          {node.threads.map((t) => (
            <li key={t.pid} class="thread">
              <TaskButton task={t} selected={selected} onSelect={onSelect} />
            </li>
          ))}
          {node.children.map((c) => (
            <TaskItem key={c.task.pid} node={c} selected={selected} onSelect={onSelect} />
          ))}
        </ul>
      )}
    </li>
  );
}
