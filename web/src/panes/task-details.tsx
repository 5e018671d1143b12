/**
 * A task's details: its task_struct fields, its modeled call stack (as gdb's bt lists it)
 * and the source of the function it is in, the current line highlighted.
 */
import { useEffect, useRef } from "preact/hooks";
import type { SourceView, TaskView } from "../../../src/web/types.js";

export function TaskDetails({ task, source }: { task: TaskView; source: SourceView | null }) {
  return (
    <section class="details scroll" aria-label={`Task ${task.comm} pid ${task.pid}`}>
      <h3>
        {task.comm} <span class="muted">pid {task.pid}</span>
      </h3>
      <h4>Stack</h4>
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
      {source !== null && <Source source={source} />}
      <h4>task_struct</h4>
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
    </section>
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
      <pre>
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
      </pre>
    </figure>
  );
}
