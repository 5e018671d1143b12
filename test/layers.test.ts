/**
 * The layers of src/ (docs/ARCHITECTURE.md): each file imports only from its own layer or
 * the ones below it, type-only imports included. A new upward import fails here, naming
 * the file, the import and both layers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

/** Bottom first. A path's layer is that of its longest matching prefix. */
const LAYERS: readonly (readonly [layer: string, prefixes: readonly string[]])[] = [
  ["build: the toolchain entry points load first (no model code), and the version", ["build/", "version.ts"]],
  ["sim: the engine", ["sim/"]],
  ["linux: the modeled kernel", ["linux/"]],
  ["user: user space (libc, programs) on top of the kernel's system calls", ["user/"]],
  ["trace/views: what reads the kernel's state out", ["trace/", "views/"]],
  [
    "machine: the assembled machine, its snapshots and their timeline",
    ["machine.ts", "snapshot.ts", "timetravel.ts", "schema.ts"],
  ],
  ["scenarios", ["scenarios/"]],
  ["run: one-call running, saved states, reading traces back", ["run.ts", "state/", "explain/"]],
  ["explore/gdb: the tools that drive runs", ["explore/", "gdb/"]],
  ["cli/web: the faces", ["cli/", "web/", "index.ts"]],
];

function layerOf(rel: string): number {
  let best = -1;
  let len = -1;
  LAYERS.forEach(([, prefixes], i) => {
    for (const p of prefixes)
      if ((rel === p || rel.startsWith(p)) && p.length > len) {
        best = i;
        len = p.length;
      }
  });
  return best;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|tsx|mts|mjs)$/.test(e.name) && !e.name.endsWith(".d.mts") ? [p] : [];
  });
}

/** Every relative import and re-export of `file` (static, dynamic and `import("…")` types), as paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms),
    ...text.matchAll(/\bimport\(\s*"(\.[^"]+)"\s*\)/g),
  ].map((m) => m[1] as string);
  return specs.map((s) => relative(SRC, normalize(join(dirname(file), s))).replace(/\.js$/, ".ts"));
}

function upwardImports(): string[] {
  const found: string[] = [];
  for (const file of sources(SRC)) {
    const from = relative(SRC, file);
    for (const to of importsOf(file)) if (layerOf(to) > layerOf(from)) found.push(`${from} -> ${to}`);
  }
  return [...new Set(found)].sort();
}

describe("the layers of src/", () => {
  it("every file of src/ is in a layer", () => {
    const unplaced = sources(SRC)
      .map((f) => relative(SRC, f))
      .filter((f) => layerOf(f) < 0);
    expect(unplaced).toEqual([]);
  });

  it("no import runs back up a layer", () => {
    const fresh = upwardImports().map((i) => {
      const [from, to] = i.split(" -> ") as [string, string];
      return `${i}: ${LAYERS[layerOf(from)]?.[0]} imports from ${LAYERS[layerOf(to)]?.[0]}`;
    });
    expect(fresh).toEqual([]);
  });

  it("the engine's files import each other without a cycle (each can be read bottom up)", () => {
    const sim = sources(join(SRC, "sim")).map((f) => relative(SRC, f));
    const edges = new Map(sim.map((f) => [f, importsOf(join(SRC, f)).filter((t) => t.startsWith("sim/"))]));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
        return;
      }
      state.set(f, "open");
      for (const t of edges.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of sim) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it("the check sees an upward import: the model importing user space would be one", () => {
    expect(layerOf("linux/kernel/fork.ts")).toBeLessThan(layerOf("user/libc.ts"));
    expect(layerOf("sim/engine.ts")).toBeLessThan(layerOf("linux/kernel.ts"));
    expect(importsOf(join(SRC, "user/abi.ts"))).toContain("linux/arch/x86/entry/user_mode.ts");
  });
});
