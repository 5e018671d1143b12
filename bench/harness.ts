/** A small benchmark harness: warm-up, repeated timed runs, median and spread. */
import { performance } from "node:perf_hooks";

export interface Sample {
  name: string;
  unit: string;
  /** Median of the measured values. */
  median: number;
  min: number;
  max: number;
  runs: number;
  /** For a model row: the modeled (virtual) time per operation, by the machine's own clock. */
  modeledNsPerOp?: number;
  /** A model row compared with the real kernel's same operation, measured in the same run. */
  vs?: { name: string; median: number; ratio: number };
}

/** `model` with its median compared with `real`'s (model / real). */
export function compared(model: Sample, real: Sample | null): Sample {
  if (real === null) return model;
  return { ...model, vs: { name: real.name, median: real.median, ratio: model.median / real.median } };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function sampleOf(name: string, unit: string, values: readonly number[]): Sample {
  return {
    name,
    unit,
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    runs: values.length,
  };
}

/** Times `fn` (which returns how many operations it did) `runs` times after `warmup` runs; rates in ops/s. */
export function measureRate(name: string, fn: () => number, runs = 5, warmup = 1): Sample {
  for (let i = 0; i < warmup; i++) fn();
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const ops = fn();
    rates.push(ops / ((performance.now() - t0) / 1000));
  }
  return sampleOf(name, "ops/s", rates);
}

export function formatTable(samples: readonly Sample[]): string {
  const rows = samples.map((s) => [
    s.name,
    fmt(s.median),
    `${fmt(s.min)} – ${fmt(s.max)}`,
    s.unit,
    String(s.runs),
    s.vs === undefined ? "" : `${fmtRatio(s.vs.ratio)}×`,
  ]);
  const head = ["benchmark", "median", "min – max", "unit", "runs", "model/real"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(w[i] as number) : c.padStart(w[i] as number))).join("  ");
  return [line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n");
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}

function fmtRatio(r: number): string {
  return r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
}
