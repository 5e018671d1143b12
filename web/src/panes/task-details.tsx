/**
 * The selected task's pane: its name (ps's, in full) and comm, the source of the function
 * it is in with the current line highlighted, its modeled call stack (as gdb's bt lists
 * it) and its task_struct fields.
 */
import { useEffect, useRef } from "preact/hooks";
import type { SourceView, TaskView } from "../../../src/web/types.js";
import { ScrollBox } from "./scroll-box.js";

interface Props {
  tasks: TaskView[];
  selected: number | null;
  source: SourceView | null;
}

export function TaskPane({ tasks, selected, source }: Props) {
  const task = tasks.find((t) => t.pid === selected);
  return (
    <section class="pane task-pane" aria-labelledby="task-title">
      <header class="pane-head">
        <h2 id="task-title">Task</h2>
        {task !== undefined && (
          <span class="task-name">
            {task.name} <span class="muted">pid {task.pid}</span>
            {task.name !== task.comm && <span class="muted"> · comm {task.comm}</span>}
          </span>
        )}
      </header>
      <ScrollBox class="scroll details" label="Task details">
        {selected === null ? (
          <p class="muted hint">Click a task in the tree to see its stack, source and task_struct.</p>
        ) : task === undefined ? (
          <p class="muted hint">pid {selected} is not in the task list at this position.</p>
        ) : (
          <TaskDetails task={task} source={source} />
        )}
      </ScrollBox>
    </section>
  );
}

function TaskDetails({ task, source }: { task: TaskView; source: SourceView | null }) {
  return (
    <div class="task-details">
      <div class="task-stack">
        <h3>Stack</h3>
        {task.stack.length === 0 ? (
          <p class="muted">no modeled call in progress</p>
        ) : (
          <ol class="stack" aria-label="Call stack">
            {task.stack.map((fn, i) => (
              <li key={i}>
                <span class="muted">#{i}</span> {fn}
              </li>
            ))}
          </ol>
        )}
      </div>
      {source !== null && <Source source={source} />}
      <div class="task-fields">
        <h3>task_struct</h3>
        <table class="fields" aria-label="task_struct fields">
          <tbody>
            {task.fields.map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Source({ source }: { source: SourceView }) {
  const current = useRef<HTMLElement>(null);
  useEffect(() => current.current?.scrollIntoView({ block: "nearest" }), [source]);
  return (
    <figure class="source" aria-label={`Source of ${source.fn}`}>
      <figcaption>
        {source.fn} <span class="muted">{source.file}</span>
      </figcaption>
      <ScrollBox tag="pre" label={`${source.fn} source`}>
        {source.text.split("\n").map((l, i) => {
          const here = i + 1 === source.line;
          return (
            <code
              key={i}
              class={here ? "line current" : "line"}
              aria-current={here ? "true" : undefined}
              ref={here ? current : undefined}
            >
              {l || " "}
            </code>
          );
        })}
      </ScrollBox>
    </figure>
  );
}
