/**
 * The Wilson score interval for a binomial proportion. Unlike the normal (Wald) approximation it stays inside [0, 1]
 * and keeps a useful width at small n and at 0 or n successes, which is where gate decisions tend to sit.
 */

export interface ProportionInterval {
  /** successes / n (0 when n = 0). */
  estimate: number;
  lower: number;
  upper: number;
}

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

export function wilsonInterval(successes: number, n: number, z = Z_95): ProportionInterval {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) throw new RangeError(`successes must be an integer in 0..${n}, got ${successes}`);
  if (!(z > 0)) throw new RangeError(`z must be positive, got ${z}`);
  // No trials, no information: the whole range.
  if (n === 0) return { estimate: 0, lower: 0, upper: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // Clamp the float error at the ends so 0/n gives exactly 0 and n/n exactly 1.
  return {
    estimate: p,
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === n ? 1 : Math.min(1, centre + half),
  };
}
