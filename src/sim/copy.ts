/**
 * Deep copies of a machine's state ("State as data" in docs/ARCHITECTURE.md; what may be in it:
 * classes.ts): iterative, class-aware, keeping shared references and cycles; each object's shell
 * made by code generated once per shape, then its object fields pointed at their copies. A
 * recorded copy (`CopyPlan`) is what a snapshot's restore copies again without walking it.
 */
import { COPY, infoOf, Kind, NotCopyable, type Shape, shapeOf } from "./classes.js";
import { Numbers } from "./numbers.js";

export interface CustomCopy {
  /** Makes the copy: calls `c.made(this, copy)` first, then `c.ref` for what it points at. */
  [COPY](c: Copier): object;
}

/**
 * One deep copy: the originals' copies (numbered in the order they are made), and the objects
 * whose fields are still to point at copies. A recording copy (`CopyPlan.record`) also notes,
 * for each copy, which of its fields point at which copy: what rebuilding it again needs.
 */
export class Copier {
  /** Original → number of its copy, or -1 for an object shared, not copied (frozen, immutable). */
  private readonly ids = new Map<object, number>();
  /** The copies, by number. */
  protected readonly out: object[] = [];
  private readonly todo: (object | Shape | number | null)[] = [];
  /** When recording: each copy's kind, shape, and where its field references start in `refs`. */
  private readonly rec: Recording | null;

  /** While recording a class's own copy: the numbers its `ref` calls returned, in order. */
  private customLog: number[] | null = null;

  constructor(record = false) {
    this.rec = record ? { kinds: [], shapes: [], refs: new Numbers(), refStart: [], customRefs: [] } : null;
  }

  private add(o: object, n: object, kind: Kind, shape: Shape | null): number {
    const j = this.out.length;
    this.ids.set(o, j);
    this.out.push(n);
    const rec = this.rec;
    if (rec !== null) {
      rec.kinds.push(kind);
      rec.shapes.push(shape);
      rec.refStart.push(-1);
      rec.customRefs.push(null);
    }
    return j;
  }

  /** Records `copy` as the copy of `o` (a CustomCopy calls this before anything else). */
  made<T extends object>(o: T, copy: T): T {
    this.add(o, copy, Kind.Custom, null);
    return copy;
  }

  /** The copy of `o`, made if it is not yet (its fields may be filled in later). */
  ref<T extends object>(o: T): T {
    let j = this.ids.get(o);
    if (j === undefined) j = this.shell(o);
    if (this.customLog !== null) this.customLog.push(j);
    return (j >= 0 ? this.out[j] : o) as T;
  }

  /** The number of `o`'s copy, made if it is not yet; -1 when `o` is shared, not copied. */
  index(o: object): number {
    const j = this.ids.get(o);
    return j !== undefined ? j : this.shell(o);
  }

  /** The copy numbered `j`. */
  copyAt(j: number): object {
    return this.out[j] as object;
  }

  /** Copies `root` and everything it reaches. */
  copy<T extends object>(root: T): T {
    const r = this.ref(root);
    const todo = this.todo;
    const rec = this.rec;
    // Triples: the original, its shell, and its shape (null: an array, a Map or a Set); when
    // recording, the copy's number after them.
    while (todo.length > 0) {
      const j = rec === null ? -1 : (todo.pop() as number);
      const shape = todo.pop() as Shape | null;
      const n = todo.pop() as object;
      const o = todo.pop() as object;
      if (rec === null) {
        if (shape !== null) shape.fix(o, n, this);
        else this.fillContainer(o, n);
      } else {
        rec.refStart[j] = rec.refs.length;
        if (shape !== null) shape.record(o, n, this, rec.refs);
        else this.recordContainer(o, n, rec.refs);
      }
    }
    return r;
  }

  /** The plan of this (recording) copy: see CopyPlan. */
  plan(): CopyPlan {
    const rec = this.rec;
    if (rec === null) throw new Error("this copy was not recorded");
    return new CopyPlan(
      this.out,
      rec.kinds,
      rec.shapes,
      rec.refs.done(),
      Int32Array.from(rec.refStart),
      rec.customRefs,
    );
  }

  /** Makes the shell of `o` (its copy, fields not yet pointed at copies); its number, or -1 if shared. */
  private shell(o: object): number {
    const info = infoOf(o);
    let n: object;
    let shape: Shape | null = null;
    switch (info.kind) {
      case Kind.Plain:
        // Only plain objects and arrays are frozen (static tables): a class instance is not checked.
        if (Object.isFrozen(o)) {
          this.ids.set(o, -1);
          return -1;
        }
        shape = shapeOf(info, o);
        n = shape.shell(o);
        break;
      case Kind.Instance:
        shape = shapeOf(info, o);
        n = shape.shell(o);
        break;
      case Kind.Array:
        if (Object.isFrozen(o)) {
          this.ids.set(o, -1);
          return -1;
        }
        n = (o as unknown[]).slice();
        break;
      case Kind.View:
        return this.add(o, (o as unknown as Uint8Array).slice(), Kind.View, null);
      case Kind.Map:
        n = new Map();
        break;
      case Kind.Set:
        n = new Set();
        break;
      case Kind.Custom: {
        if (this.rec === null) {
          (o as unknown as CustomCopy)[COPY](this);
          return this.ids.get(o) as number;
        }
        // Recorded: the numbers its refs return, which a rebuild hands it again in order.
        const outer = this.customLog;
        const log: number[] = [];
        this.customLog = log;
        try {
          (o as unknown as CustomCopy)[COPY](this);
        } finally {
          this.customLog = outer;
        }
        const j = this.ids.get(o) as number;
        this.rec.customRefs[j] = log;
        return j;
      }
      case Kind.Shared:
        this.ids.set(o, -1);
        return -1;
      default:
        throw new NotCopyable(o, info.why);
    }
    const j = this.add(o, n, info.kind, shape);
    this.todo.push(o, n, shape);
    if (this.rec !== null) this.todo.push(j);
    return j;
  }

  private fillContainer(o: object, n: object): void {
    if (Array.isArray(o)) {
      const a = n as unknown[];
      for (let i = 0; i < o.length; i++) {
        const v = o[i];
        if (typeof v === "object" && v !== null) a[i] = this.ref(v);
      }
    } else if (o instanceof Map) {
      const m = n as Map<unknown, unknown>;
      o.forEach((v, k) => {
        m.set(this.value(k), this.value(v));
      });
    } else {
      const s = n as Set<unknown>;
      (o as Set<unknown>).forEach((v) => {
        s.add(this.value(v));
      });
    }
  }

  /** fillContainer, noting each element's (or key's and value's) copy number, -1 for none. */
  private recordContainer(o: object, n: object, r: Numbers): void {
    if (Array.isArray(o)) {
      const a = n as unknown[];
      for (let i = 0; i < o.length; i++) {
        const v = o[i];
        const j = typeof v === "object" && v !== null ? this.index(v) : -1;
        if (j >= 0) a[i] = this.out[j];
        r.push(j);
      }
    } else if (o instanceof Map) {
      const m = n as Map<unknown, unknown>;
      o.forEach((v, k) => {
        const jk = typeof k === "object" && k !== null ? this.index(k) : -1;
        const jv = typeof v === "object" && v !== null ? this.index(v) : -1;
        m.set(jk >= 0 ? this.out[jk] : k, jv >= 0 ? this.out[jv] : v);
        r.push(jk, jv);
      });
    } else {
      const s = n as Set<unknown>;
      (o as Set<unknown>).forEach((v) => {
        const j = typeof v === "object" && v !== null ? this.index(v) : -1;
        s.add(j >= 0 ? this.out[j] : v);
        r.push(j);
      });
    }
  }

  /** A value's copy: primitives and functions are themselves. */
  value(v: unknown): unknown {
    return typeof v === "object" && v !== null ? this.ref(v) : v;
  }
}

interface Recording {
  readonly kinds: Kind[];
  readonly shapes: (Shape | null)[];
  readonly refs: Numbers;
  readonly refStart: number[];
  /** For a class with its own copy: the numbers its `ref` calls returned, in order. */
  readonly customRefs: (number[] | null)[];
}

/**
 * A recorded copy, to be copied again and again without walking it (a snapshot's restore):
 * its objects by number, the kind and shape of each, and which fields point at which object.
 * `rebuild` makes each object's shell in turn, then points its fields at the new ones by
 * number: no identity map, no `Object.keys`, no dispatch on the prototype. The objects must
 * not change after the recording (a snapshot's are never run).
 */
export class CopyPlan {
  constructor(
    /** The recorded copy's objects; the first is its root. */
    private readonly objects: readonly object[],
    private readonly kinds: readonly Kind[],
    private readonly shapes: readonly (Shape | null)[],
    /** Per object (from refStart), per field, element or Map key and value: the number of the object it points at, -1 if none. */
    private readonly refs: Int32Array,
    private readonly refStart: Int32Array,
    /** Per object with its own copy, the numbers its copy's `ref` calls returned when recorded. */
    private readonly customRefs: readonly (number[] | null)[],
  ) {}

  /** The recorded copy's root (for reading, never for running). */
  root<T extends object>(): T {
    return this.objects[0] as T;
  }

  /** A new copy of the recorded copy; its root. */
  rebuild<T extends object>(): T {
    const { objects, kinds, shapes, refs, refStart } = this;
    const count = objects.length;
    const out: object[] = new Array(count);
    let customs = false;
    for (let i = 0; i < count; i++) {
      const o = objects[i] as object;
      switch (kinds[i]) {
        case Kind.Plain:
        case Kind.Instance:
          out[i] = (shapes[i] as Shape).shell(o);
          break;
        case Kind.Array:
          out[i] = (o as unknown[]).slice();
          break;
        case Kind.Map:
          out[i] = new Map();
          break;
        case Kind.Set:
          out[i] = new Set();
          break;
        case Kind.View:
          out[i] = (o as unknown as Uint8Array).slice();
          break;
        default:
          customs = true;
      }
    }
    // Classes with their own copy make theirs once every other object has its new one.
    if (customs) new Rebuilder(objects, out, this.customRefs).customs(kinds);
    for (let i = 0; i < count; i++) {
      const n = out[i] as object;
      const p = refStart[i] as number;
      switch (kinds[i]) {
        case Kind.Plain:
        case Kind.Instance:
          (shapes[i] as Shape).refix(n, out, refs, p);
          break;
        case Kind.Array: {
          const a = n as unknown[];
          for (let e = 0; e < a.length; e++) {
            const j = refs[p + e] as number;
            if (j >= 0) a[e] = out[j];
          }
          break;
        }
        case Kind.Map: {
          const m = n as Map<unknown, unknown>;
          let q = p;
          (objects[i] as Map<unknown, unknown>).forEach((v, k) => {
            const jk = refs[q++] as number;
            const jv = refs[q++] as number;
            m.set(jk >= 0 ? out[jk] : k, jv >= 0 ? out[jv] : v);
          });
          break;
        }
        case Kind.Set: {
          const s = n as Set<unknown>;
          let q = p;
          (objects[i] as Set<unknown>).forEach((v) => {
            const j = refs[q++] as number;
            s.add(j >= 0 ? out[j] : v);
          });
          break;
        }
      }
    }
    return out[0] as T;
  }
}

/**
 * The Copier a class's own copy (`COPY`) is given during a rebuild: it makes the same `ref`
 * calls, in the same order, as when the copy was recorded (its state is the same), and each
 * gets the new object of the number recorded for it.
 */
class Rebuilder extends Copier {
  private current = -1;
  private log: readonly number[] = [];
  private next = 0;

  constructor(
    private readonly objects: readonly object[],
    private readonly built: object[],
    private readonly customRefs: readonly (number[] | null)[],
  ) {
    super();
  }

  customs(kinds: readonly Kind[]): void {
    for (let i = 0; i < kinds.length; i++) {
      if (kinds[i] !== Kind.Custom) continue;
      this.current = i;
      this.log = this.customRefs[i] ?? [];
      this.next = 0;
      (this.objects[i] as unknown as CustomCopy)[COPY](this);
    }
  }

  override made<T extends object>(_o: T, copy: T): T {
    this.built[this.current] = copy;
    return copy;
  }

  override ref<T extends object>(o: T): T {
    const j = this.log[this.next++];
    if (j === undefined) throw new Error("a class's own copy asked for more objects than when it was recorded");
    return (j >= 0 ? this.built[j] : o) as T;
  }
}

/** A deep copy of `root` (see the file's comment for what may be in it). */
export function deepCopy<T extends object>(root: T): T {
  return new Copier().copy(root);
}
