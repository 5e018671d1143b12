/**
 * The trace pane: the ftrace lines, only those on screen rendered. It follows the timeline
 * (the line at the instant the timeline is looking at is scrolled into view); the line of
 * the current position is highlighted; a click moves the run to just after that line.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { rowsInView, scrollFor } from "../trace-window.js";

const ROW = 18;

interface Props {
  lines: string[];
  /** The line to bring into view. */
  focus: number;
  /** The line of the current position (the last one traced). */
  current: number;
  onPick(line: number): void;
}

export function TracePane({ lines, focus, current, onPick }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 400 });

  useEffect(() => {
    const el = box.current as HTMLDivElement;
    const ro = new ResizeObserver(() => setScroll({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current as HTMLDivElement;
    if (focus < 0) return;
    const top = scrollFor(focus, el.scrollTop, el.clientHeight, ROW);
    if (top !== el.scrollTop) el.scrollTop = top;
  }, [focus, lines.length]);

  const { first, last } = rowsInView(scroll.top, scroll.height, ROW, lines.length);
  const shown = lines.slice(first, last);
  return (
    <section class="pane trace" aria-labelledby="trace-title">
      <header class="pane-head">
        <h2 id="trace-title">Trace</h2>
        <span class="muted">{lines.length} lines</span>
      </header>
      <div
        class="scroll trace-box"
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget as HTMLDivElement;
          setScroll({ top: el.scrollTop, height: el.clientHeight });
        }}
      >
        <ol class="trace-lines" aria-label="Trace lines" style={{ height: `${lines.length * ROW}px` }}>
          {shown.map((text, k) => {
            const i = first + k;
            return (
              <li key={i} style={{ top: `${i * ROW}px` }} aria-current={i === current ? "true" : undefined}>
                <button type="button" class={i === current ? "current" : undefined} onClick={() => onPick(i)}>
                  {text}
                </button>
              </li>
            );
          })}
        </ol>
      </div>
    </section>
  );
}
