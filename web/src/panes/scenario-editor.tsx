/**
 * The custom scenario's editor: CodeMirror 6 with TypeScript highlighting; the source is
 * compiled by the worker as you type and a compile error is shown at its line (a lint
 * diagnostic) and below the editor. Ctrl-Enter (or the button) runs it.
 */
import { javascript } from "@codemirror/lang-javascript";
import { type Diagnostic, linter, lintGutter } from "@codemirror/lint";
import { basicSetup, EditorView } from "codemirror";
import { useEffect, useRef } from "preact/hooks";
import { errorRange, errorText } from "../error-range.js";
import type { EngineError } from "../use-run.js";

interface Props {
  source: string;
  onChange(source: string): void;
  onLoad(): void;
  /** The compile error of a source (null: it compiles). */
  compile(source: string): Promise<EngineError | null>;
  /** The last compile error, shown below the editor. */
  error: EngineError | null;
}

export function ScenarioEditor({ source, onChange, onLoad, compile, error }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef({ onChange, compile });
  latest.current = { onChange, compile };

  useEffect(() => {
    const check = linter(
      async (view): Promise<Diagnostic[]> => {
        const text = view.state.doc.toString();
        const e = await latest.current.compile(text);
        if (e === null) return [];
        return [{ ...errorRange(text, e.line, e.column), severity: "error", message: e.message, source: "compile" }];
      },
      { delay: 300 },
    );
    const view = new EditorView({
      doc: source,
      parent: host.current as HTMLDivElement,
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        check,
        lintGutter(),
        EditorView.contentAttributes.of({ "aria-label": "Custom scenario source" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) latest.current.onChange(u.state.doc.toString());
        }),
      ],
    });
    return () => view.destroy();
    // The editor owns its text once made: later `source` props are its own echoes.
  }, []);

  return (
    <section class="pane editor" aria-labelledby="editor-title">
      <header class="pane-head">
        <h2 id="editor-title">Custom scenario</h2>
        <span class="muted">TypeScript; the library is `tasklab`; Ctrl-Enter runs it</span>
        <button type="button" aria-label="Run the custom scenario" onClick={onLoad}>
          Load
        </button>
      </header>
      <div
        class="cm-host"
        ref={host}
        onKeyDownCapture={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
            e.preventDefault();
            e.stopPropagation();
            onLoad();
          }
        }}
      />
      {error !== null && (
        <p class="error editor-error" role="alert">
          {errorText(error)}
        </p>
      )}
    </section>
  );
}
