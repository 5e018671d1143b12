/**
 * The trace pane: the ftrace lines, wrapped to the pane's width (nothing is cut off at the
 * right edge; continuation rows are indented), only those on screen rendered. It follows
 * the timeline (the line at the instant the timeline is looking at is scrolled into view);
 * the line of the current position is highlighted; a click moves the run to just after it.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { linesInView, scrollFor, wrapOffsets } from "../trace-window.js";

const ROW = 18;
/** Continuation rows are indented this many characters (the CSS's text-indent). */
const INDENT = 4;

interface Props {
  lines: string[];
  /** The line to bring into view. */
  focus: number;
  /** The line of the current position (the last one traced). */
  current: number;
  onPick(line: number): void;
}

/** The characters a row of the box holds: its width over one character's, measured on a ruler in it. */
function columns(box: HTMLElement, ruler: HTMLElement): number {
  const ch = ruler.getBoundingClientRect().width / 100;
  const pad = 12; // .trace-lines button's padding, both sides
  return Math.max(INDENT + 8, Math.floor((box.clientWidth - pad - 1) / ch));
}

export function TracePane({ lines, focus, current, onPick }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const ruler = useRef<HTMLSpanElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 400, cols: 100 });
  const offsets = useMemo(() => wrapOffsets(lines, scroll.cols, INDENT), [lines, scroll.cols]);

  useEffect(() => {
    const el = box.current as HTMLDivElement;
    const measure = () => {
      // A resize reported as the pane goes away (its run failed to load) finds no ruler.
      const r = ruler.current;
      if (r !== null) setScroll({ top: el.scrollTop, height: el.clientHeight, cols: columns(el, r) });
    };
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current as HTMLDivElement;
    if (focus < 0 || focus >= lines.length) return;
    const top = scrollFor(
      (offsets[focus] as number) * ROW,
      (offsets[focus + 1] as number) * ROW,
      el.scrollTop,
      el.clientHeight,
    );
    if (top !== el.scrollTop) el.scrollTop = top;
  }, [focus, offsets]);

  const { first, last } = linesInView(offsets, scroll.top, scroll.height, ROW);
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
          setScroll((s) => ({ ...s, top: el.scrollTop, height: el.clientHeight }));
        }}
      >
        <span class="ruler" ref={ruler} aria-hidden="true">
          {"0".repeat(100)}
        </span>
        <ol class="trace-lines" aria-label="Trace lines" style={{ height: `${(offsets[lines.length] ?? 0) * ROW}px` }}>
          {shown.map((text, k) => {
            const i = first + k;
            const rows = (offsets[i + 1] as number) - (offsets[i] as number);
            return (
              <li
                key={i}
                style={{ top: `${(offsets[i] as number) * ROW}px`, height: `${rows * ROW}px` }}
                aria-current={i === current ? "true" : undefined}
              >
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
