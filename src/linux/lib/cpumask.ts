/**
 * CPU masks (include/linux/cpumask.h). A mask is immutable and shared: tasks point at
 * masks, and changing affinity means pointing at another one. That keeps a million
 * tasks cheap (most share `cpu_possible_mask`), where a bitmap each would not be.
 */
import { stateClass } from "../../sim/code.js";
export class cpumask {
  private constructor(
    readonly bits: Uint32Array,
    readonly weight: number,
  ) {}

  static of(nr_cpu_ids: number, cpus: Iterable<number>): cpumask {
    const bits = new Uint32Array((nr_cpu_ids + 31) >>> 5);
    let weight = 0;
    for (const c of cpus) {
      const w = c >>> 5;
      const b = 1 << (c & 31);
      if ((bits[w] as number) & b) continue;
      bits[w] = (bits[w] as number) | b;
      weight++;
    }
    return new cpumask(bits, weight);
  }

  /** This mask with `cpu` set (or cleared): a new mask, as masks are immutable. */
  with(cpu: number, set: boolean): cpumask {
    if (this.test(cpu) === set) return this;
    const bits = this.bits.slice();
    bits[cpu >>> 5] = ((bits[cpu >>> 5] as number) ^ (1 << (cpu & 31))) >>> 0;
    return new cpumask(bits, this.weight + (set ? 1 : -1));
  }

  test(cpu: number): boolean {
    return (((this.bits[cpu >>> 5] ?? 0) >>> (cpu & 31)) & 1) === 1;
  }

  /** The CPUs in the mask, ascending. */
  *[Symbol.iterator](): Generator<number> {
    for (let w = 0; w < this.bits.length; w++) {
      let v = this.bits[w] as number;
      while (v !== 0) {
        const low = v & -v;
        yield (w << 5) + (31 - Math.clz32(low));
        v ^= low;
      }
    }
  }

  first(): number {
    for (let w = 0; w < this.bits.length; w++) {
      const v = this.bits[w] as number;
      if (v !== 0) return (w << 5) + (31 - Math.clz32(v & -v));
    }
    return -1;
  }

  /** "0-3,6" as /proc's Cpus_allowed_list prints it. */
  toList(): string {
    const parts: string[] = [];
    let start = -1;
    let prev = -2;
    const flush = () => {
      if (start >= 0) parts.push(start === prev ? `${start}` : `${start}-${prev}`);
    };
    for (const c of this) {
      if (c !== prev + 1) {
        flush();
        start = c;
      }
      prev = c;
    }
    flush();
    return parts.join(",");
  }
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("cpumask", cpumask);
