/**
 * The visualizer's one screen: the scenario bar, the timeline, the tasks, the selected
 * task, kernel objects, trace and explorer panes; notices about the link; the keyboard help.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import type { RunSpec } from "../../src/web/types.js";
import type { EngineWorker } from "./engine-client.js";
import { errorText } from "./error-range.js";
import { ExplorerPane } from "./panes/explorer-pane.js";
import { KeyHelp } from "./panes/key-help.js";
import { ObjectsPane } from "./panes/objects-pane.js";
import { type Opened, RealTraceView, readDroppedTrace, TraceOpener } from "./panes/real-trace.js";
import { PositionText, ScenarioBar } from "./panes/scenario-bar.js";
import type { ScenarioEditor } from "./panes/scenario-editor.js";
import { TaskPane } from "./panes/task-details.js";
import { TasksPane } from "./panes/tasks-pane.js";
import { TracePane } from "./panes/trace-pane.js";
import type { Catalog } from "./protocol.js";
import { plainSpec } from "./schedule.js";
import { type Command, commandFor } from "./shortcuts.js";
import { fitActivity, Timeline } from "./timeline/timeline.js";
import type { View } from "./timeline/viewport.js";
import { lineAtOrBefore } from "./trace-window.js";
import type { UrlState } from "./url-state.js";
import { type EngineError, useRun } from "./use-run.js";

interface Props {
  engine: EngineWorker;
  catalog: Catalog;
  initial: UrlState;
  /** What the link named that the engine does not know, and what is shown instead. */
  notices: string[];
}

/** Whether a key press goes to something that handles it itself: text, or Space on a button. */
function typing(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement | null;
  if (el === null) return false;
  if (e.key === " " && (el.tagName === "BUTTON" || el.tagName === "A")) return true;
  return ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) || el.isContentEditable;
}

/** The system's colour scheme (the page follows it; the canvas redraws when it changes). */
function useScheme(): string {
  const query = "(prefers-color-scheme: dark)";
  const [dark, setDark] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const m = matchMedia(query);
    const on = () => setDark(m.matches);
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, []);
  return dark ? "dark" : "light";
}

export function App({ engine, catalog, initial, notices }: Props) {
  const run = useRun(engine, initial);
  const { snap } = run;
  const [spec, setSpec] = useState<RunSpec>(initial.spec);
  const [source, setSource] = useState(initial.spec.source ?? catalog.template);
  const [compileError, setCompileError] = useState<EngineError | null>(null);
  const [breakpoint, setBreakpoint] = useState("create_kthread");
  const [view, setView] = useState<View | null>(null);
  const [help, setHelp] = useState(false);
  const [shownNotices, setNotices] = useState(notices);
  const scheme = useScheme();
  // The editor (CodeMirror) is loaded the first time a custom scenario is shown.
  const [Editor, setEditor] = useState<typeof ScenarioEditor | null>(null);
  const custom = spec.scenario === "custom";
  /** A real trace opened from a file (read-only), shown instead of the run; or why it could not be. */
  const [opened, setOpened] = useState<Opened | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const openFile = async (f: File) => {
    const r = await readDroppedTrace(f);
    setOpenError("error" in r ? r.error : null);
    setOpened("error" in r ? null : r);
  };
  useEffect(() => {
    if (custom && Editor === null)
      void import("./panes/scenario-editor.js").then((m) => setEditor(() => m.ScenarioEditor));
  }, [custom, Editor]);

  const load = (next: RunSpec) => {
    const s = next.scenario === "custom" ? { ...next, source } : { ...next, source: undefined };
    setSpec(s);
    setView(null);
    return run.load(s);
  };
  /** An explorer schedule (a counterexample), shown at the end of its run. */
  const openSchedule = async (next: RunSpec) => {
    if ((await load(next))?.type === "snapshot") await run.send({ type: "run" });
  };

  const command = (c: Command) => {
    if (c === "help") return setHelp((h) => !h);
    if (snap === null) return;
    if (c === "pause") return run.setPlaying((p) => !p);
    if (c === "fit") return setView(fitActivity(snap));
    if (c === "whole") return setView(null);
    if (run.busy) return; // one move at a time: a held key does not pile requests up
    if (c === "run") return run.setPlaying(true);
    if (c === "step-decision") return run.step("decision");
    if (c === "step-call") return run.step("call");
    if (c === "step-event") return run.step("event");
    if (c === "back") return void run.send({ type: "back" });
    if (c === "start") return void run.send({ type: "goto", step: snap.start });
    if (c === "breakpoint") return void run.runToBreakpoint(breakpoint.trim());
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const c = commandFor({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        typing: typing(e),
      });
      if (c === null || (help && c !== "help")) return;
      e.preventDefault();
      command(c);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  // A trace file dropped anywhere on the page opens it.
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const f = e.dataTransfer?.files[0];
      if (f !== undefined) void openFile(f);
    };
    window.addEventListener("dragover", over);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragover", over);
      window.removeEventListener("drop", drop);
    };
  });

  const compile = useCallback(
    async (text: string) => {
      const r = await engine.request({ type: "compile", source: text }).catch(() => null);
      const e = r?.type === "error" ? r : null;
      setCompileError(e);
      return e;
    },
    [engine],
  );

  const seekTime = useCallback((t: number) => void run.send({ type: "gotoTime", time: t }), [run.send]);
  const traceFocus =
    snap === null
      ? -1
      : view === null
        ? snap.trace.length - 1
        : lineAtOrBefore(snap.traceTimes, (view.t0 + view.t1) / 2);

  return (
    <div class="app" aria-busy={run.busy} data-busy={run.busy ? "true" : "false"} data-scheme={scheme}>
      <ScenarioBar
        catalog={catalog}
        spec={spec}
        onSpec={(s) => {
          setOpened(null);
          void load(plainSpec(s));
        }}
        snap={snap}
        playing={run.playing}
        speed={run.speed}
        onSpeed={run.setSpeed}
        breakpoint={breakpoint}
        onBreakpoint={setBreakpoint}
        onCommand={command}
        onGoto={(step) => void run.send({ type: "goto", step })}
        onHelp={() => setHelp(true)}
      />
      <TraceOpener onFile={(f) => void openFile(f)} />
      {openError !== null && (
        <p class="error" role="alert">
          {openError}
        </p>
      )}
      {shownNotices.length > 0 && (
        <div class="notice" role="status">
          <ul>
            {shownNotices.map((n) => (
              <li key={n}>The link asked for something unknown — {n}.</li>
            ))}
          </ul>
          <button type="button" aria-label="Dismiss the notice" onClick={() => setNotices([])}>
            ×
          </button>
        </div>
      )}
      {opened !== null && <RealTraceView opened={opened} onClose={() => setOpened(null)} scheme={scheme} />}
      {opened === null && custom && Editor !== null && (
        <Editor
          source={source}
          onChange={setSource}
          onLoad={() => void load({ ...plainSpec(spec), scenario: "custom" })}
          compile={compile}
          error={compileError}
        />
      )}
      <div class="status-line" hidden={opened !== null}>
        {snap !== null && <PositionText snap={snap} />}
        <p class="status" role="status">
          {run.busy ? "working… " : ""}
          {run.status}
        </p>
        {run.error !== null && (
          <p class="error" role="alert">
            {errorText(run.error)}
          </p>
        )}
      </div>
      {opened === null && snap !== null && (
        <>
          <Timeline
            snap={snap}
            view={view}
            onView={setView}
            selected={run.selected}
            onSeekTime={seekTime}
            scheme={scheme}
          />
          <main class="panes">
            <TasksPane tasks={snap.tasks} selected={run.selected} onSelect={run.setSelected} />
            <TaskPane tasks={snap.tasks} selected={run.selected} source={run.source} />
            <ObjectsPane snap={snap} />
            <ExplorerPane spec={snap.spec} mutants={catalog.mutants} onOpen={(s) => void openSchedule(s)} />
            <TracePane
              lines={snap.trace}
              focus={traceFocus}
              current={snap.trace.length - 1}
              onPick={(line) => void run.send({ type: "gotoLine", line })}
            />
          </main>
        </>
      )}
      {help && <KeyHelp onClose={() => setHelp(false)} />}
    </div>
  );
}
