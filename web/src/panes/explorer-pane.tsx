/**
 * The explorer pane: runs the explorer on the current scenario in a worker of its own (the
 * views stay live meanwhile; Stop ends that worker), shows its progress and what it found:
 * the violation, the minimized counterexample's replay file, and that replay's trace with
 * the point of the violation marked. It explores the real protocol or a mutant; a
 * counterexample opens in the main views too, as the explorer's schedule.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { RunSpec } from "../../../src/web/types.js";
import { EngineStopped, EngineWorker, type Progress } from "../engine-client.js";
import type { Catalog, ExploreStrategy, Reply } from "../protocol.js";
import { plainSpec, replaySpec } from "../schedule.js";
import { ScrollBox } from "./scroll-box.js";

/** An exploration may be silent this long between two progress reports. */
const EXPLORE_TIMEOUT_MS = 60_000;

type Done = Extract<Reply, { type: "explore-done" }>;
type Replayed = Extract<Reply, { type: "replayed" }>;

interface Props {
  spec: RunSpec;
  mutants: Catalog["mutants"];
  /** Loads a run (a counterexample's schedule) into the main views, at its end. */
  onOpen(spec: RunSpec): void;
}

export function ExplorerPane({ spec, mutants, onOpen }: Props) {
  const worker = useRef<EngineWorker | null>(null);
  const [strategy, setStrategy] = useState<ExploreStrategy>("dfs");
  const [mutant, setMutant] = useState(spec.mutant ?? "");
  const [preemptions, setPreemptions] = useState(2);
  const [runs, setRuns] = useState(200);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [running, setRunning] = useState(false);
  const [done, setDone] = useState<Done | null>(null);
  const [replayed, setReplayed] = useState<Replayed | null>(null);
  const [error, setError] = useState<string | null>(null);
  const custom = spec.scenario === "custom";

  useEffect(() => () => worker.current?.dispose(), []);

  const explore = async () => {
    worker.current ??= new EngineWorker(EXPLORE_TIMEOUT_MS);
    const w = worker.current;
    setRunning(true);
    setDone(null);
    setReplayed(null);
    setError(null);
    setProgress(null);
    try {
      const loaded = await w.request({ type: "load", spec: plainSpec(spec) });
      const r =
        loaded.type === "error"
          ? loaded
          : await w.request({ type: "explore", strategy, preemptions, runs, mutant: mutant || null }, setProgress);
      if (r.type === "explore-done") setDone(r);
      else if (r.type === "error") setError(r.message);
    } catch (e) {
      if (!(e instanceof EngineStopped)) throw e;
      setError(e.message);
    } finally {
      setRunning(false);
    }
  };

  const openReplay = async (replay: string) => {
    const w = worker.current as EngineWorker;
    const r = await w.request({ type: "replay", replay });
    if (r.type === "replayed") setReplayed(r);
    else if (r.type === "error") setError(r.message);
  };

  const openInViews = (replay: string) => {
    try {
      onOpen(replaySpec(replay));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section class="pane explorer" aria-labelledby="explorer-title">
      <header class="pane-head">
        <h2 id="explorer-title">Explorer</h2>
        <span class="muted">every interleaving of {custom ? "a built-in scenario" : spec.scenario}</span>
      </header>
      <form
        class="explorer-form"
        onSubmit={(e) => {
          e.preventDefault();
          void explore();
        }}
      >
        <label>
          Strategy{" "}
          <select
            aria-label="Exploration strategy"
            value={strategy}
            onChange={(e) => setStrategy(e.currentTarget.value as ExploreStrategy)}
          >
            <option value="dfs">dfs (systematic)</option>
            <option value="dpor">dpor (races only)</option>
            <option value="stateful">stateful (visited states)</option>
            <option value="random">random</option>
            <option value="pct">pct</option>
          </select>
        </label>
        <label>
          Mutant{" "}
          <select aria-label="Mutant" value={mutant} onChange={(e) => setMutant(e.currentTarget.value)}>
            <option value="">none (the real protocol)</option>
            {mutants.map((m) => (
              <option key={m.name} value={m.name} title={m.description}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        {strategy === "dfs" || strategy === "dpor" || strategy === "stateful" ? (
          <NumberField
            label="Preemptions"
            name="Preemption bound"
            min={0}
            max={5}
            value={preemptions}
            set={setPreemptions}
          />
        ) : (
          <NumberField label="Runs" name="Runs" min={1} max={100000} value={runs} set={setRuns} />
        )}
        <button type="submit" aria-label="Explore the scenario" disabled={running || custom}>
          Explore
        </button>
        <button
          type="button"
          aria-label="Stop exploring"
          disabled={!running}
          onClick={() => worker.current?.stop("stopped")}
        >
          Stop
        </button>
      </form>
      {custom && <p class="muted">The explorer runs the built-in scenarios only.</p>}
      {(running || progress !== null) && (
        <p class="explore-progress">
          <progress
            aria-label="Exploration progress"
            max={progress?.total || 1}
            value={progress === null ? undefined : progress.done}
          />{" "}
          {progress === null ? "starting…" : `${progress.schedules} schedules, ${progress.done}/${progress.total} jobs`}
        </p>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {done !== null && (
        <div class="explore-result" role="status">
          <p>
            {done.distinct === null
              ? `${done.schedules} schedules`
              : `${done.distinct} distinct states (${done.schedules} runs to a terminal state)`}
            , {done.states} terminal state{done.states === 1 ? "" : "s"}:{" "}
            {done.violation === null ? <strong>no violation</strong> : <strong class="bad">{done.violation}</strong>}
          </p>
          {done.replay !== null && (
            <Counterexample replay={done.replay} onReplay={openReplay} onOpenInViews={openInViews} />
          )}
        </div>
      )}
      {replayed !== null && (
        <figure class="replayed" aria-label="Replayed trace">
          <figcaption>
            Replay {replayed.reproduced ? "reproduces the violation" : "does not reproduce the violation"} (the
            &gt;&gt;&gt;&gt;&gt; line marks where it was found)
          </figcaption>
          <ScrollBox tag="pre" class="scroll" label="Replayed trace text">
            {replayed.trace.join("\n")}
          </ScrollBox>
        </figure>
      )}
    </section>
  );
}

function Counterexample(p: { replay: string; onReplay(replay: string): void; onOpenInViews(replay: string): void }) {
  const { replay } = p;
  return (
    <>
      <p>
        <button
          type="button"
          aria-label="Open the counterexample in the views"
          title="Load its schedule into every pane, at the end of the run"
          onClick={() => p.onOpenInViews(replay)}
        >
          Open in the views
        </button>{" "}
        <button type="button" aria-label="Open the counterexample's replay" onClick={() => p.onReplay(replay)}>
          Open replay
        </button>{" "}
        <a
          href={`data:application/json;charset=utf-8,${encodeURIComponent(replay)}`}
          download="counterexample.replay.json"
        >
          Download the replay file
        </a>{" "}
        <span class="muted">(tasklab replay FILE runs it in a terminal)</span>
      </p>
      <details>
        <summary>Replay file</summary>
        <ScrollBox tag="pre" label="Replay file text">
          {replay}
        </ScrollBox>
      </details>
    </>
  );
}

/** A labelled number input. */
function NumberField(p: {
  label: string;
  name: string;
  min: number;
  max: number;
  value: number;
  set: (n: number) => void;
}) {
  return (
    <label>
      {p.label}{" "}
      <input
        type="number"
        min={p.min}
        max={p.max}
        aria-label={p.name}
        value={p.value}
        onChange={(e) => p.set(Number(e.currentTarget.value))}
      />
    </label>
  );
}
