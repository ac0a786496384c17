import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, pairedBootstrap, quantile } from '../../../functions/gates/paired-bootstrap';
import { seededRandom } from '../../../functions/gates/seeded-random';

function bernoulli(n: number, p: number, seed: number): Float64Array {
  const r = seededRandom(seed);
  return Float64Array.from({ length: n }, () => (r.float() < p ? 1 : 0));
}

describe('quantile', () => {
  it('interpolates between order statistics (type 7)', () => {
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10], 0.3)).toBe(10);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });
});

describe('bootstrapMeanInterval', () => {
  it('brackets the mean and matches the normal approximation for a large sample', () => {
    const x = bernoulli(400, 0.7, 11);
    const r = bootstrapMeanInterval(x, { seed: 5 });
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    expect(r.mean).toBeCloseTo(mean, 12);
    expect(r.lower).toBeLessThan(mean);
    expect(r.upper).toBeGreaterThan(mean);
    const se = Math.sqrt((mean * (1 - mean)) / x.length);
    expect(r.upper - r.lower).toBeCloseTo(2 * 1.96 * se, 2);
    expect(r).toMatchObject({ n: 400, resamples: 2000, seed: 5, confidence: 0.95 });
  });

  it('is reproducible for a seed and moves with the seed', () => {
    const r = seededRandom(2);
    const x = Array.from({ length: 50 }, () => r.float());
    expect(bootstrapMeanInterval(x, { seed: 9 })).toEqual(bootstrapMeanInterval(x, { seed: 9 }));
    expect(bootstrapMeanInterval(x, { seed: 9 }).lower).not.toBe(bootstrapMeanInterval(x, { seed: 10 }).lower);
  });

  it('resamples with the seededRandom stream of its seed (a reference computed the slow way agrees)', () => {
    const x = Array.from({ length: 37 }, (_, i) => Math.sin(i) ** 2);
    const r = seededRandom(5);
    const means: number[] = [];
    for (let b = 0; b < 500; b++) {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[Math.floor(r.float() * x.length)]!;
      means.push(s / x.length);
    }
    means.sort((a, b) => a - b);
    const got = bootstrapMeanInterval(x, { seed: 5, resamples: 500, confidence: 0.9 });
    expect(got.lower).toBe(quantile(means, 0.05));
    expect(got.upper).toBe(quantile(means, 0.95));
  });

  it('collapses to the value for a constant sample, without float drift', () => {
    expect(bootstrapMeanInterval([0.1, 0.1, 0.1])).toMatchObject({ lower: 0.1, upper: 0.1 });
    expect(bootstrapMeanInterval([1])).toMatchObject({ n: 1, mean: 1, lower: 1, upper: 1 });
  });

  it('narrows with a lower confidence', () => {
    const x = bernoulli(100, 0.5, 3);
    const wide = bootstrapMeanInterval(x, { confidence: 0.95 });
    const narrow = bootstrapMeanInterval(x, { confidence: 0.5 });
    expect(narrow.upper - narrow.lower).toBeLessThan(wide.upper - wide.lower);
  });

  it('refuses an empty sample, non-finite values and bad options', () => {
    expect(() => bootstrapMeanInterval([])).toThrow(/empty/);
    expect(() => bootstrapMeanInterval([0.5, Number.NaN])).toThrow(/value 1 is not a finite number/);
    expect(() => bootstrapMeanInterval([1], { resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([1], { confidence: 1 })).toThrow(RangeError);
  });
});

describe('pairedBootstrap', () => {
  it('gives the interval of candidate − base', () => {
    const base = bernoulli(200, 0.8, 1);
    // The candidate loses exactly 20 of the items the base got right: a drop of 10 points.
    let lost = 0;
    const candidate = base.map((b) => (b === 1 && lost < 20 ? (lost++, 0) : b));
    const r = pairedBootstrap(base, candidate, { seed: 1 });
    expect(r.mean).toBeCloseTo(-0.1, 12);
    expect(r.lower).toBeLessThan(-0.1);
    expect(r.upper).toBeGreaterThan(-0.1);
    expect(r.upper).toBeLessThan(0);
  });

  it('cancels item difficulty: the paired interval is far narrower than one of independent samples', () => {
    const r = seededRandom(4);
    const difficulty = Array.from({ length: 300 }, () => r.float());
    const base = difficulty.map((d) => (d < 0.6 ? 1 : 0));
    const candidate = difficulty.map((d) => (d < 0.58 ? 1 : 0));
    const paired = pairedBootstrap(base, candidate);
    const single = bootstrapMeanInterval(base);
    expect(paired.upper - paired.lower).toBeLessThan((single.upper - single.lower) / 2);
  });

  it('is zero-width when both models score the same on every item', () => {
    const x = bernoulli(30, 0.5, 8);
    expect(pairedBootstrap(x, x)).toMatchObject({ mean: 0, lower: 0, upper: 0 });
  });

  it('refuses samples of different lengths', () => {
    expect(() => pairedBootstrap([1, 0], [1])).toThrow(/differ in length/);
  });

  it('takes well under a second for 2,000 resamples of 1,000 items', () => {
    const base = bernoulli(1000, 0.7, 1);
    const candidate = bernoulli(1000, 0.7, 2);
    const started = performance.now();
    pairedBootstrap(base, candidate);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
