/**
 * Percentile bootstrap intervals for a mean, seeded so the same scores always give the same interval (a verdict
 * must be reproducible from its inputs). The paired form resamples items, not scores: each item keeps its base and
 * candidate score together, so item difficulty cancels and the interval is that of the mean per-item difference.
 */
import { seedState } from './seeded-random';

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_BOOTSTRAP_SEED = 1;

export interface BootstrapOptions {
  /** Resamples B (default 2000). */
  resamples?: number;
  /** Seed of the resampling stream (default 1). */
  seed?: number;
  /** Two-sided confidence level (default 0.95). */
  confidence?: number;
}

export interface MeanInterval {
  n: number;
  /** The sample mean (for the paired form: mean of candidate − base). */
  mean: number;
  lower: number;
  upper: number;
  resamples: number;
  seed: number;
  confidence: number;
}

/** Percentile bootstrap interval of the mean of `values`. Throws on an empty sample or a non-finite value. */
export function bootstrapMeanInterval(values: ArrayLike<number>, options: BootstrapOptions = {}): MeanInterval {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be within (0, 1), got ${confidence}`);
  const n = values.length;
  if (n === 0) throw new RangeError('cannot bootstrap an empty sample');

  const x = Float64Array.from(values as ArrayLike<number>);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`value ${i} is not a finite number: ${v}`);
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;

  // The seededRandom stream (splitmix32), inlined: the draw is the whole cost of the loop.
  let state = seedState(seed);
  const scale = n / 4294967296;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      s += x[Math.floor(((z ^ (z >>> 16)) >>> 0) * scale)]!;
    }
    means[b] = s / n;
  }
  means.sort();
  const alpha = (1 - confidence) / 2;
  // A resampled mean cannot leave [min, max]; clamping removes the float error of summing identical values.
  const clamp = (v: number): number => Math.min(max, Math.max(min, v));
  return {
    n,
    mean,
    lower: clamp(quantile(means, alpha)),
    upper: clamp(quantile(means, 1 - alpha)),
    resamples,
    seed,
    confidence,
  };
}

/**
 * Paired bootstrap interval of the mean difference candidate − base over items scored for both. The arrays are
 * aligned by item and must have the same length.
 */
export function pairedBootstrap(base: ArrayLike<number>, candidate: ArrayLike<number>, options: BootstrapOptions = {}): MeanInterval {
  if (base.length !== candidate.length) throw new RangeError(`paired samples differ in length: ${base.length} base vs ${candidate.length} candidate`);
  const differences = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) differences[i] = candidate[i]! - base[i]!;
  return bootstrapMeanInterval(differences, options);
}

/** Quantile of sorted values by linear interpolation between order statistics (Hyndman–Fan type 7). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be within [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
