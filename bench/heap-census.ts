/**
 * Where a live task's heap bytes go: `node --expose-gc --import tsx bench/heap-census.ts
 * [N]` builds a machine with no extra task and one with N sleeping kernel threads, takes a
 * V8 heap snapshot of each (written to the system's temporary directory and removed), and
 * prints the difference per task by kind of object: plain objects by their first property
 * names (a task_struct, a slab record, ...), generators by function, their register files by
 * the generator that holds them. The engine's share (the thread, its frames, its suspended
 * generators) is summed apart: it is what a sleeping task costs for being a generator chain.
 * A generator shows under its function's own name, which the TypeScript loader may have
 * suffixed (`kthread2` for the body of `kthread`), not the modeled name.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { IS_ERR } from "../src/linux/include/err.js";
import { kthread_create } from "../src/linux/kernel/kthread.js";
import { sleepUntilStopped } from "../src/linux/kernel/kthread_daemon.js";
import { Machine } from "../src/machine.js";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Bytes and object count by kind, over a whole heap snapshot. */
function census(file: string): Map<string, { bytes: number; count: number }> {
  const s = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const { node_fields, node_types, edge_fields, edge_types } = s.snapshot.meta;
  const nf = node_fields.length;
  const ef = edge_fields.length;
  const [iType, iName, iSize, iEdges] = ["type", "name", "self_size", "edge_count"].map((f) => node_fields.indexOf(f));
  const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((f) => edge_fields.indexOf(f));
  const types = node_types[0];
  const etypes = edge_types[0];
  const kinds = new Map<number, string>(); // node → kind, for generators and their register files
  const out = new Map<string, { bytes: number; count: number }>();
  const add = (k: string, bytes: number) => {
    const a = out.get(k) ?? { bytes: 0, count: 0 };
    a.bytes += bytes;
    a.count++;
    out.set(k, a);
  };
  const nodes = s.nodes.length / nf;
  const firstEdge = new Array<number>(nodes);
  for (let n = 0, e = 0; n < nodes; n++) {
    firstEdge[n] = e;
    e += (s.nodes[n * nf + (iEdges as number)] as number) * ef;
  }
  const typeOf = (n: number) => types[s.nodes[n * nf + (iType as number)] as number] as string;
  const nameOf = (n: number) => s.strings[s.nodes[n * nf + (iName as number)] as number] as string;
  /** Calls `f` with each named edge of node n: its type, name and target node. */
  const eachEdge = (n: number, f: (type: string, name: string, to: number) => void) => {
    const count = s.nodes[n * nf + (iEdges as number)] as number;
    for (let j = 0; j < count; j++) {
      const at = (firstEdge[n] as number) + j * ef;
      const et = etypes[s.edges[at + (eType as number)] as number] as string;
      const name =
        et === "element" || et === "hidden" ? "" : (s.strings[s.edges[at + (eName as number)] as number] as string);
      f(et, name, (s.edges[at + (eTo as number)] as number) / nf);
    }
  };
  // First pass: generators (objects with a register file) and their register files.
  for (let n = 0; n < nodes; n++) {
    eachEdge(n, (_t, name, to) => {
      if (name !== "parameters_and_registers") return;
      kinds.set(n, `generator ${nameOf(n)}`);
      kinds.set(to, `registers of generator ${nameOf(n)}`);
    });
  }
  for (let n = 0; n < nodes; n++) {
    const type = typeOf(n);
    const name = nameOf(n);
    let kind = kinds.get(n);
    if (kind === undefined && type === "object" && name === "Object") {
      const props: string[] = [];
      eachEdge(n, (t, p) => t === "property" && props.push(p));
      kind = `{${props.slice(0, 4).join(", ")}${props.length > 4 ? ", …" : ""}}`;
    }
    kind ??= type.endsWith("string") ? "strings" : `${type} ${name}`;
    add(kind, s.nodes[n * nf + (iSize as number)] as number);
  }
  return out;
}

function machineWith(n: number): Machine {
  const m = new Machine({
    cpus: 2,
    events: [],
    pid_max: 4_194_304,
    threads_max: 4_194_304,
    init: function* () {
      for (let i = 0; i < n; i++) {
        const t = yield* kthread_create(sleepUntilStopped, null, "live/%d", i);
        if (IS_ERR(t)) throw new Error("kthread_create failed");
      }
    },
  });
  if (m.run({ maxSteps: 1e12 }) !== "idle") throw new Error("heap-census machine did not finish");
  return m;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");
const n = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), "tasklab-census-"));
try {
  // One machine alive at a time: the difference is then the n tasks, not the second
  // machine's fixed costs (its 4 MB pid bitmap, say) as well.
  let base: Machine | null = machineWith(0);
  const baseTasks = base.tasks().length;
  gc();
  const before = census(writeHeapSnapshot(join(dir, "before.heapsnapshot")));
  base = null;
  const big = machineWith(n);
  gc();
  const after = census(writeHeapSnapshot(join(dir, "after.heapsnapshot")));
  if (big.tasks().length !== baseTasks + n) throw new Error("heap-census: tasks missing");
  const rows = [...after].map(([k, a]) => {
    const b = before.get(k) ?? { bytes: 0, count: 0 };
    return { kind: k, bytes: (a.bytes - b.bytes) / n, count: (a.count - b.count) / n };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const engine = /^(object (Thread|Frame|Leaf)$|generator |registers of generator )/;
  let total = 0;
  let chain = 0;
  for (const r of rows) {
    total += r.bytes;
    if (engine.test(r.kind)) chain += r.bytes;
  }
  process.stdout.write(`heap per sleeping kthread, ${n} of them: ${total.toFixed(0)} bytes\n\n`);
  process.stdout.write("bytes/task  objects/task  kind\n");
  for (const r of rows.filter((x) => Math.abs(x.bytes) >= 8)) {
    process.stdout.write(`${r.bytes.toFixed(0).padStart(10)}  ${r.count.toFixed(2).padStart(12)}  ${r.kind}\n`);
  }
  process.stdout.write(`\nthe engine's thread, frames and suspended generators: ${chain.toFixed(0)} bytes a task\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
