/**
 * The run the page shows: its latest snapshot, the requests that move it (one at a time),
 * playing (a run in chunks, one snapshot drawn per chunk, at the chosen speed), the
 * selected task and its source, and the URL kept in step with all of it.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { RunSpec, Snapshot, SourceView, StepKind } from "../../src/web/types.js";
import { EngineStopped, type EngineWorker } from "./engine-client.js";
import type { Reply, Request } from "./protocol.js";
import { formatUrl, type UrlState } from "./url-state.js";

/** How fast "run" goes: engine steps per chunk, and the pause between chunks. */
export const SPEEDS = [
  { label: "1 step / 0.5 s", steps: 1, delay: 500 },
  { label: "1 step / 0.1 s", steps: 1, delay: 100 },
  { label: "10 steps / frame", steps: 10, delay: 16 },
  { label: "100 steps / frame", steps: 100, delay: 16 },
  { label: "1000 steps / frame", steps: 1000, delay: 16 },
] as const;

export interface EngineError {
  message: string;
  line?: number;
  column?: number;
}

export function useRun(engine: EngineWorker, initial: UrlState) {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [busy, setBusy] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(2);
  const [error, setError] = useState<EngineError | null>(null);
  const [status, setStatus] = useState("");
  const [selected, setSelected] = useState<number | null>(initial.task);
  const [source, setSource] = useState<SourceView | null>(null);
  const last = useRef<Snapshot | null>(null);
  /** Requests in flight: busy until the last one is answered. */
  const inflight = useRef(0);

  const send = useCallback(
    async (req: Request): Promise<Reply | null> => {
      inflight.current++;
      setBusy(true);
      try {
        const r = await engine.request(req);
        if (r.type === "snapshot") {
          last.current = r.snapshot;
          setSnap(r.snapshot);
          setError(null);
        } else if (r.type === "error") {
          setError(r);
          setPlaying(false);
          // A run that failed to load (a compile error) replaced the last one: nothing is shown, nothing runs.
          if (req.type === "load") {
            last.current = null;
            setSnap(null);
          }
        }
        return r;
      } catch (e) {
        if (!(e instanceof EngineStopped)) throw e;
        setPlaying(false);
        setError({ message: `${e.message}: stopped it` });
        // The fresh worker has no run: load the last one shown again, where it was (a
        // second stop there is the same message again, not an unhandled failure).
        const at = last.current;
        if (at !== null)
          await engine.request({ type: "load", spec: at.spec, position: at.position.step }).catch(() => {});
        return null;
      } finally {
        if (--inflight.current === 0) setBusy(false);
      }
    },
    [engine],
  );

  const load = useCallback(
    (spec: RunSpec, position?: number) => {
      setPlaying(false);
      setStatus("");
      return send(position === undefined ? { type: "load", spec } : { type: "load", spec, position });
    },
    [send],
  );

  useEffect(() => {
    void load(initial.spec, initial.step ?? undefined);
  }, [load, initial]);

  // Playing: the next chunk once the last one is drawn.
  useEffect(() => {
    if (!playing || busy || snap === null) return;
    if (snap.done) {
      setPlaying(false);
      setStatus("the run is over");
      return;
    }
    const s = SPEEDS[speed] ?? SPEEDS[0];
    const t = setTimeout(() => void send({ type: "run", maxSteps: s.steps }), s.delay);
    return () => clearTimeout(t);
  }, [playing, busy, snap, speed, send]);

  // The selected task's source, at every position.
  useEffect(() => {
    if (selected === null || snap === null) return setSource(null);
    let live = true;
    void engine.request({ type: "source", pid: selected }).then(
      (r) => live && r.type === "source" && setSource(r.source),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [engine, selected, snap]);

  // The URL says what is shown.
  useEffect(() => {
    if (snap === null) return;
    const url = formatUrl({ spec: snap.spec, step: snap.position.step, task: selected });
    if (url !== location.search) history.replaceState(null, "", url);
  }, [snap, selected]);

  const step = (kind: StepKind) => void send({ type: "step", kind });
  const runToBreakpoint = async (fn: string) => {
    setPlaying(false);
    const r = await send({ type: "run", breakpoint: fn });
    if (r?.type !== "snapshot") return;
    const hit = r.snapshot.tasks.find((t) => t.running && t.stack[0] === fn);
    setStatus(
      hit !== undefined
        ? `breakpoint: ${hit.comm}/${hit.pid} entered ${fn} on CPU ${hit.cpu}`
        : `${fn} was not entered before the run ended`,
    );
  };

  return {
    snap,
    busy,
    playing,
    setPlaying,
    speed,
    setSpeed,
    error,
    status,
    selected,
    setSelected,
    source,
    load,
    send,
    step,
    runToBreakpoint,
  };
}
