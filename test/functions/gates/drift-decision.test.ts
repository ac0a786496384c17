import { describe, expect, it } from 'vitest';
import { decideDriftAxis, driftVerdictForDrop, RERUN_ADVICE, type DriftPair } from '../../../functions/gates/drift-decision';

const thresholds = { noisePoints: 1, failPoints: 5 };
const options = { maxErrorRate: 0.05, seed: 1 };

/** 100 items all right for the base; the candidate gets `lost` of them wrong. */
function pairs(lost: number, n = 100): DriftPair[] {
  return Array.from({ length: n }, (_, i) => ({ base: { score: 1 }, candidate: { score: i < lost ? 0 : 1 } }));
}

describe('driftVerdictForDrop', () => {
  it('pins the boundaries: exactly 1 point passes, exactly 5 warns, above 5 fails', () => {
    expect(driftVerdictForDrop(-3, thresholds)).toBe('PASS');
    expect(driftVerdictForDrop(0, thresholds)).toBe('PASS');
    expect(driftVerdictForDrop(1, thresholds)).toBe('PASS');
    expect(driftVerdictForDrop(1.000001, thresholds)).toBe('WARN');
    expect(driftVerdictForDrop(5, thresholds)).toBe('WARN');
    expect(driftVerdictForDrop(5.000001, thresholds)).toBe('FAIL');
  });

  it('reads a float-summed 1 or 5 as exactly 1 or 5', () => {
    expect(driftVerdictForDrop(1.0000000000000009, thresholds)).toBe('PASS');
    expect(driftVerdictForDrop(5.000000000000001, thresholds)).toBe('WARN');
  });

  it('refuses inverted or negative thresholds and a non-finite drop', () => {
    expect(() => driftVerdictForDrop(1, { noisePoints: 5, failPoints: 1 })).toThrow(RangeError);
    expect(() => driftVerdictForDrop(1, { noisePoints: -1, failPoints: 5 })).toThrow(RangeError);
    expect(() => driftVerdictForDrop(Number.NaN, thresholds)).toThrow(RangeError);
  });
});

describe('decideDriftAxis', () => {
  it('passes a drop of exactly 1 point', () => {
    const r = decideDriftAxis('arithmetic', pairs(1), thresholds, options);
    expect(r).toMatchObject({ verdict: 'PASS', dropPoints: 1, differencePoints: -1, basePoints: 100, candidatePoints: 99, n: 100, scored: 100, errors: 0 });
    expect(r.advice).toBeUndefined();
    expect(r.reasons[0]).toMatch(/^arithmetic: drop 1\.00 points \(base 100\.00, candidate 99\.00; candidate − base 95% CI \[-?\d+\.\d\d, -?\d+\.\d\d\], 100 items\), within the 1\.00-point noise band$/);
  });

  it('warns on a drop of 2 and of exactly 5 points, advising a rerun with another seed', () => {
    for (const lost of [2, 5]) {
      const r = decideDriftAxis('format', pairs(lost), thresholds, options);
      expect(r).toMatchObject({ verdict: 'WARN', dropPoints: lost, advice: RERUN_ADVICE });
      expect(r.advice).toMatch(/another seed/);
    }
  });

  it('fails a drop of 6 points', () => {
    const r = decideDriftAxis('refusal', pairs(6), thresholds, options);
    expect(r).toMatchObject({ verdict: 'FAIL', dropPoints: 6 });
    expect(r.reasons[0]).toMatch(/above the 5\.00-point limit$/);
  });

  it('holds the boundaries with fractional scores whose float sums are not exact', () => {
    // Base 0.3 on 10 items, candidate 0.2 on 5 of them: a drop of exactly 5 points.
    const fractional = Array.from({ length: 20 }, (_, i): DriftPair => ({ base: { score: i < 10 ? 0.3 : 0.7 }, candidate: { score: i < 10 ? 0.2 : 0.7 } }));
    const r = decideDriftAxis('multi_turn', fractional, thresholds, { ...options, minScored: 20 });
    expect(r.dropPoints).toBe(5);
    expect(r.verdict).toBe('WARN');
  });

  it('passes a gain, however large', () => {
    const gain = Array.from({ length: 40 }, (): DriftPair => ({ base: { score: 0 }, candidate: { score: 1 } }));
    expect(decideDriftAxis('arithmetic', gain, thresholds, options)).toMatchObject({ verdict: 'PASS', dropPoints: -100, differencePoints: 100 });
  });

  it('reports the paired-bootstrap interval of candidate − base in points', () => {
    const r = decideDriftAxis('arithmetic', pairs(10), thresholds, options);
    expect(r.interval!.confidence).toBe(0.95);
    expect(r.interval!.lower).toBeLessThan(-10);
    expect(r.interval!.upper).toBeGreaterThan(-10);
    expect(r.interval!.upper).toBeLessThanOrEqual(0);
  });

  it('leaves errored pairs out of the comparison: an error is never a zero', () => {
    // 5 candidate errors on items the base got right would be a 5-point drop if read as zeros.
    const withErrors = pairs(0).map((p, i): DriftPair => (i < 5 ? { ...p, candidate: { error: 'model call failed: timeout' } } : p));
    const r = decideDriftAxis('arithmetic', withErrors, thresholds, { ...options, maxErrorRate: 0.05 });
    expect(r).toMatchObject({ verdict: 'PASS', dropPoints: 0, scored: 95, errors: 5, candidateErrors: 5, baseErrors: 0, errorRate: 0.05 });
  });

  it('is INCONCLUSIVE past the error budget, whatever the drop, with errors on either side counted', () => {
    const withErrors = pairs(20).map((p, i): DriftPair => (i >= 94 ? (i % 2 ? { ...p, base: { error: 'base failed' } } : { ...p, candidate: { error: 'x' } }) : p));
    const r = decideDriftAxis('format', withErrors, thresholds, options);
    expect(r).toMatchObject({ verdict: 'INCONCLUSIVE', errors: 6, baseErrors: 3, candidateErrors: 3 });
    expect(r.reasons).toEqual(['format: 6 of 100 items errored (6.0%: 3 base, 3 candidate), above the 5.0% error budget']);
    expect(r.dropPoints).toBeGreaterThan(5);
  });

  it('counts a pair with errors on both sides once', () => {
    const both = pairs(0).map((p, i): DriftPair => (i < 2 ? { base: { error: 'a' }, candidate: { error: 'b' } } : p));
    expect(decideDriftAxis('x', both, thresholds, options)).toMatchObject({ errors: 2, baseErrors: 2, candidateErrors: 2, scored: 98 });
  });

  it('treats a faulty score as an error', () => {
    const faulty = pairs(0).map((p, i): DriftPair => (i === 0 ? { ...p, candidate: { score: Number.NaN } } : p));
    expect(decideDriftAxis('x', faulty, thresholds, options)).toMatchObject({ errors: 1, scored: 99 });
  });

  it('is INCONCLUSIVE with too few scored pairs, or none at all', () => {
    const few = decideDriftAxis('refusal', pairs(0, 19), thresholds, options);
    expect(few.verdict).toBe('INCONCLUSIVE');
    expect(few.reasons).toEqual(['refusal: 19 item(s) scored on both sides, fewer than the 20 needed']);
    expect(decideDriftAxis('refusal', pairs(0, 20), thresholds, options).verdict).toBe('PASS');
    const empty = decideDriftAxis('domain', [], thresholds, options);
    expect(empty).toMatchObject({ verdict: 'INCONCLUSIVE', reasons: ['domain: no items were scored'], n: 0 });
    const allErrors = decideDriftAxis('domain', [{ base: { error: 'a' }, candidate: { score: 1 } }], thresholds, { ...options, maxErrorRate: 1, minScored: 1 });
    expect(allErrors.verdict).toBe('INCONCLUSIVE');
    expect(allErrors.dropPoints).toBeUndefined();
  });

  it('lets the error budget sit exactly at its limit', () => {
    const atBudget = pairs(0).map((p, i): DriftPair => (i < 5 ? { ...p, candidate: { error: 'x' } } : p));
    expect(decideDriftAxis('x', atBudget, thresholds, { ...options, maxErrorRate: 0.05 }).verdict).toBe('PASS');
    expect(decideDriftAxis('x', atBudget, thresholds, { ...options, maxErrorRate: 0.04 }).verdict).toBe('INCONCLUSIVE');
  });

  it('refuses invalid options', () => {
    expect(() => decideDriftAxis('x', pairs(0), thresholds, { maxErrorRate: 1.5 })).toThrow(RangeError);
    expect(() => decideDriftAxis('x', pairs(0), thresholds, { maxErrorRate: 0.1, minScored: 0 })).toThrow(RangeError);
    expect(() => decideDriftAxis('x', pairs(0), { noisePoints: 1, failPoints: Number.NaN }, options)).toThrow(RangeError);
  });
});
