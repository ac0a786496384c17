import { describe, expect, it } from 'vitest';
import { arenaSampleSize, normalQuantile, winRateResolutionSampleSize } from '../../../functions/runs/arena-sample-size';

describe('normalQuantile', () => {
  it.each([
    [0.975, 1.959963985],
    [0.8, 0.841621234],
    [0.5, 0],
    [0.995, 2.575829304],
    [0.01, -2.326347874],
    [1e-6, -4.753424309],
  ])('Φ⁻¹(%s) = %s', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 7);
  });

  it('is antisymmetric around 0.5', () => {
    for (const p of [0.001, 0.02, 0.2, 0.4]) expect(normalQuantile(p)).toBeCloseTo(-normalQuantile(1 - p), 9);
  });

  it('refuses p outside (0, 1)', () => {
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('winRateResolutionSampleSize', () => {
  it('gives the ~385 comparisons that resolve ±5 points at p = 0.5 (DESIGN.md)', () => {
    expect(winRateResolutionSampleSize(5)).toBe(385);
  });

  it('quadruples when the half-width halves', () => {
    expect(winRateResolutionSampleSize(2.5)).toBe(1537);
  });
});

describe('arenaSampleSize', () => {
  it('needs 783 non-tied comparisons for a 0.55 floor at 95% confidence and 80% power', () => {
    // ((1.959964·0.5 + 0.841621·√(0.55·0.45)) / 0.05)² = 782.52
    expect(arenaSampleSize(0.55)).toBe(783);
  });

  it('needs more than precision alone: 80% power costs about twice the ±5-point sample', () => {
    expect(arenaSampleSize(0.55)).toBeGreaterThan(2 * winRateResolutionSampleSize(5) - 1);
  });

  it('shrinks as the floor rises and grows with power and confidence', () => {
    expect(arenaSampleSize(0.6)).toBe(194);
    expect(arenaSampleSize(0.7)).toBe(47);
    expect(arenaSampleSize(0.55, { power: 0.9 })).toBeGreaterThan(arenaSampleSize(0.55));
    expect(arenaSampleSize(0.55, { confidence: 0.99 })).toBeGreaterThan(arenaSampleSize(0.55));
  });

  it('refuses a floor that is no edge over the base', () => {
    expect(() => arenaSampleSize(0.5)).toThrow(/effect floor/);
    expect(() => arenaSampleSize(1.01)).toThrow(/effect floor/);
  });
});
