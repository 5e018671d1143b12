/**
 * The scenario bar: what runs (scenario, kernel era, CPUs, seed) and how it moves (run,
 * pause, step by decision / call / event, back, to the start, run to a breakpoint, speed,
 * a position slider). Every control has an accessible name and, where it has one, its key.
 */
import { ERA_NAMES } from "../../../src/linux/eras/profiles.js";
import type { RunSpec, Snapshot } from "../../../src/web/types.js";
import type { Catalog } from "../protocol.js";
import { scheduleNote } from "../schedule.js";
import { type Command, keyOf } from "../shortcuts.js";
import { formatTime } from "../timeline/viewport.js";
import { MAX_CPUS } from "../url-state.js";
import { SPEEDS } from "../use-run.js";

interface Props {
  catalog: Catalog;
  spec: RunSpec;
  /** Loads a run; what the bar changes is the plain scenario (no explorer schedule). */
  onSpec(spec: RunSpec): void;
  snap: Snapshot | null;
  playing: boolean;
  speed: number;
  onSpeed(i: number): void;
  breakpoint: string;
  onBreakpoint(fn: string): void;
  onCommand(c: Command): void;
  onGoto(step: number): void;
  onHelp(): void;
}

/**
 * How far the slider reaches: the run's end once known, else twice as far from the start as
 * the position (at least 2000 steps), so that it scrubs ahead; going past the end stops there.
 */
export function sliderEnd(snap: Snapshot): number {
  return snap.end ?? snap.start + 2 * Math.max(snap.position.step - snap.start, 1000);
}

function CommandButton({
  c,
  label,
  text,
  onCommand,
  disabled,
}: {
  c: Command;
  label: string;
  text: string;
  onCommand(c: Command): void;
  disabled?: boolean;
}) {
  const key = keyOf(c);
  return (
    <button
      type="button"
      aria-label={label}
      aria-keyshortcuts={key}
      title={`${label} (${key})`}
      disabled={disabled}
      onClick={() => onCommand(c)}
    >
      {text}
    </button>
  );
}

/** Where the run is: engine step (and since the start), virtual time, whether it is over. */
export function PositionText({ snap }: { snap: Snapshot }) {
  return (
    <output aria-label="Position" data-step={snap.position.step}>
      step {snap.position.step} (+{snap.position.step - snap.start}) · {formatTime(snap.position.time, 1)}
      {snap.done ? " · end of the run" : ""}
    </output>
  );
}

export function ScenarioBar(p: Props) {
  const { spec, snap } = p;
  const done = snap?.done ?? false;
  const description =
    spec.scenario === "custom"
      ? "your own scenario, written below"
      : (p.catalog.scenarios.find((s) => s.name === spec.scenario)?.description ?? "");
  const note = scheduleNote(spec);
  const number = (text: string, min: number, max: number, fallback: number) => {
    const n = Math.trunc(Number(text));
    return Number.isFinite(n) ? Math.min(Math.max(n, min), max) : fallback;
  };
  return (
    <header class="bar">
      <fieldset class="bar-row">
        <legend class="sr-only">What runs</legend>
        <h1>tasklab</h1>
        <label>
          Scenario{" "}
          <select
            aria-label="Scenario"
            value={spec.scenario}
            onChange={(e) => p.onSpec({ ...spec, scenario: e.currentTarget.value })}
          >
            {p.catalog.scenarios.map((s) => (
              <option key={s.name} value={s.name} title={s.description}>
                {s.name}
              </option>
            ))}
            <option value="custom">custom…</option>
          </select>
        </label>
        <label>
          Era{" "}
          <select
            aria-label="Kernel era"
            value={spec.era}
            onChange={(e) => p.onSpec({ ...spec, era: e.currentTarget.value })}
          >
            {ERA_NAMES.map((era) => (
              <option key={era} value={era}>
                {era}
              </option>
            ))}
          </select>
        </label>
        <label>
          CPUs{" "}
          <input
            type="number"
            min={1}
            max={MAX_CPUS}
            aria-label="CPU count"
            value={spec.cpus}
            onChange={(e) => p.onSpec({ ...spec, cpus: number(e.currentTarget.value, 1, MAX_CPUS, spec.cpus) })}
          />
        </label>
        <label>
          Seed{" "}
          <input
            type="number"
            min={0}
            aria-label="Seed"
            value={spec.seed}
            onChange={(e) => p.onSpec({ ...spec, seed: number(e.currentTarget.value, 0, 2 ** 32 - 1, spec.seed) })}
          />
        </label>
        {note !== null && (
          <span class="schedule-note">
            {note}{" "}
            <button
              type="button"
              aria-label="Back to the plain scenario"
              title="The same scenario, CPUs and seed, without the explorer's mutant and schedule"
              onClick={() => p.onSpec(spec)}
            >
              plain scenario
            </button>
          </span>
        )}
        <span class="muted description">{description}</span>
      </fieldset>
      <div class="bar-row" role="toolbar" aria-label="Run controls">
        <CommandButton c="run" label="Run" text="Run" onCommand={p.onCommand} disabled={p.playing || done} />
        <CommandButton c="pause" label="Pause" text="Pause" onCommand={p.onCommand} disabled={!p.playing} />
        <CommandButton
          c="step-decision"
          label="Step one scheduling decision"
          text="Step"
          onCommand={p.onCommand}
          disabled={done}
        />
        <CommandButton
          c="step-call"
          label="Step to the next modeled call"
          text="Call"
          onCommand={p.onCommand}
          disabled={done}
        />
        <CommandButton
          c="step-event"
          label="Step to the next trace event"
          text="Event"
          onCommand={p.onCommand}
          disabled={done}
        />
        <CommandButton c="back" label="Step back" text="Back" onCommand={p.onCommand} />
        <CommandButton c="start" label="Back to the start" text="Start" onCommand={p.onCommand} />
        <label>
          Speed{" "}
          <select aria-label="Speed" value={p.speed} onChange={(e) => p.onSpeed(Number(e.currentTarget.value))}>
            {SPEEDS.map((s, i) => (
              <option key={s.label} value={i}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <form
          class="breakpoint"
          onSubmit={(e) => {
            e.preventDefault();
            p.onCommand("breakpoint");
          }}
        >
          <input
            aria-label="Breakpoint function"
            placeholder="function, e.g. create_kthread"
            value={p.breakpoint}
            onInput={(e) => p.onBreakpoint(e.currentTarget.value)}
          />
          <button
            type="submit"
            aria-label="Run to the breakpoint"
            aria-keyshortcuts={keyOf("breakpoint")}
            title="Run to the breakpoint (g)"
          >
            Run to
          </button>
        </form>
        {snap !== null && (
          <input
            class="position"
            type="range"
            aria-label="Position (engine step)"
            title={
              snap.end === null ? "The end is not known until the run gets there: drag ahead to run on" : undefined
            }
            min={snap.start}
            max={sliderEnd(snap)}
            value={snap.position.step}
            onChange={(e) => p.onGoto(Number(e.currentTarget.value))}
          />
        )}
        <button
          type="button"
          class="help-button"
          aria-label="Keyboard help"
          aria-keyshortcuts="?"
          title="Keyboard help (?)"
          onClick={p.onHelp}
        >
          ?
        </button>
      </div>
    </header>
  );
}
