/**
 * A small seeded PRNG (mulberry32). Every random decision of a run comes from one of
 * these, seeded from the run's seed, so a seed replays exactly on any machine.
 */
export interface Prng {
  /** A uniformly distributed 32-bit unsigned integer. */
  nextU32(): number;
  /** A uniformly distributed integer in [0, n). */
  below(n: number): number;
}

export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const nextU32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    nextU32,
    below: (n) => (n <= 1 ? 0 : nextU32() % n),
  };
}
