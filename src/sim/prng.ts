/**
 * A small seeded PRNG (mulberry32). Every random decision of a run comes from one of
 * these, seeded from the run's seed, so a seed replays exactly on any machine.
 */
import { stateClass } from "./code.js";
export interface Prng {
  /** A uniformly distributed 32-bit unsigned integer. */
  nextU32(): number;
  /** A uniformly distributed integer in [0, n). */
  below(n: number): number;
}

/** mulberry32's state is one field: a PRNG is data (a machine's snapshot copies it). */
class Mulberry32 implements Prng {
  constructor(private a: number) {}

  nextU32(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  below(n: number): number {
    return n <= 1 ? 0 : this.nextU32() % n;
  }
}

export function createPrng(seed: number): Prng {
  return new Mulberry32(seed >>> 0);
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("Mulberry32", Mulberry32);
