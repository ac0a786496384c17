/**
 * A seeded 32-bit random stream (splitmix32: a Weyl sequence through a 32-bit finaliser). The same seed gives the
 * same stream in any process and on any platform, which is what a reproducible bootstrap and a suite generated once
 * from a fixed seed need. Not for secrets.
 */

export interface SeededRandom {
  /** The next 32-bit unsigned integer. */
  uint32(): number;
  /** A float in [0, 1) with 32 random bits. */
  float(): number;
  /** An integer in [0, n) for a positive integer n. */
  below(n: number): number;
  /** An integer in [min, max], both ends included. */
  between(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

const TWO_POW_32 = 4294967296;

/** The initial 32-bit state for a seed; seeds beyond 32 bits fold their high part in, so 1 and 2^32 + 1 differ. */
export function seedState(seed: number): number {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  return (seed ^ Math.floor(seed / TWO_POW_32)) >>> 0;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seedState(seed);
  const uint32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const float = (): number => uint32() / TWO_POW_32;
  const below = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`n must be an integer in 1..2^32, got ${n}`);
    return Math.floor(float() * n);
  };
  return {
    uint32,
    float,
    below,
    between: (min, max) => {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`invalid range [${min}, ${max}]`);
      return min + below(max - min + 1);
    },
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from an empty array');
      return items[below(items.length)]!;
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = below(i + 1);
        const t = out[i]!;
        out[i] = out[j]!;
        out[j] = t;
      }
      return out;
    },
  };
}
