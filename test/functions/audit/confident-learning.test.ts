import { describe, expect, it } from 'vitest';
import {
  calibrateConfidentJoint,
  computeConfidentJoint,
  confidentLearning,
  confidentThresholds,
  labelQualityScores,
  roundPreservingSum,
} from '../../../functions/audit/confident-learning';

/**
 * Hand-worked example, 3 classes, 9 rows. Row 2 is labelled 0 but looks like class 1; row 8 is labelled 2 but looks
 * like class 0.
 *   thresholds: t0 = (0.9 + 0.8 + 0.1) / 3 = 0.6, t1 = (0.8 + 0.9 + 0.7) / 3 = 0.8, t2 = (0.8 + 0.9 + 0.08) / 3 ≈ 0.593
 *   confident classes: rows 0,1 → 0; row 2 → 1 (0.85 ≥ 0.8); rows 3,4 → 1 (0.8 reaches 0.8); row 5 → none (0.7 < 0.8);
 *   rows 6,7 → 2; row 8 → 0 (0.72 ≥ 0.6)
 *   confident joint [[2,1,0],[0,2,0],[1,0,2]]; row 1 scaled by 3/2 → calibrated [[2,1,0],[0,3,0],[1,0,2]]
 *   noise = 1 − 7/9
 */
const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
const probs = [
  [0.9, 0.05, 0.05],
  [0.8, 0.1, 0.1],
  [0.1, 0.85, 0.05],
  [0.1, 0.8, 0.1],
  [0.05, 0.9, 0.05],
  [0.2, 0.7, 0.1],
  [0.1, 0.1, 0.8],
  [0.05, 0.05, 0.9],
  [0.72, 0.2, 0.08],
].flat();

describe('confident learning on a hand-worked example', () => {
  it('sets each threshold to the mean self-confidence of its class', () => {
    const t = confidentThresholds(labels, probs, 3);
    expect(t[0]).toBeCloseTo(0.6, 12);
    expect(t[1]).toBeCloseTo(0.8, 12);
    expect(t[2]).toBeCloseTo(1.78 / 3, 12);
  });

  it('counts the confident joint and the rows off its diagonal', () => {
    const { joint, offDiagonal } = computeConfidentJoint(labels, probs, 3);
    expect(joint).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [1, 0, 2],
    ]);
    expect([...offDiagonal]).toEqual([2, 8]);
  });

  it('calibrates to the label counts and estimates the noise rate from the off-diagonal', () => {
    const r = confidentLearning(labels, probs, 3);
    expect(r.calibratedJoint).toEqual([
      [2, 1, 0],
      [0, 3, 0],
      [1, 0, 2],
    ]);
    expect(r.noiseRate).toBeCloseTo(2 / 9, 12);
    expect(r.perClassNoiseRate[0]).toBeCloseTo(1 / 3, 12);
    expect(r.perClassNoiseRate[1]).toBe(0);
    expect(r.perClassNoiseRate[2]).toBeCloseTo(1 / 3, 12);
    expect(r.labelCounts).toEqual([3, 3, 3]);
  });

  it('flags the mislabelled rows, ranked by self-confidence or by normalised margin', () => {
    // Self-confidence: row 8 has 0.08, row 2 has 0.1. Margin: row 2 (0.1 − 0.85 + 1) / 2 = 0.125, row 8 0.18.
    expect([...confidentLearning(labels, probs, 3).issues]).toEqual([8, 2]);
    expect([...confidentLearning(labels, probs, 3, { rankBy: 'normalized_margin' }).issues]).toEqual([2, 8]);
    expect([...confidentLearning(labels, probs, 3, { filterBy: 'confident_learning' }).issues]).toEqual([8, 2]);
  });

  it('scores label quality', () => {
    const sc = labelQualityScores(labels, probs, 3);
    expect(sc[2]).toBeCloseTo(0.1, 12);
    const nm = labelQualityScores(labels, probs, 3, 'normalized_margin');
    expect(nm[0]).toBeCloseTo((0.9 - 0.05 + 1) / 2, 12);
    expect(nm[8]).toBeCloseTo((0.08 - 0.72 + 1) / 2, 12);
  });
});

describe('confident learning follows cleanlab’s documented rules', () => {
  it('picks the most probable class when several pass their thresholds', () => {
    const { joint } = computeConfidentJoint([1, 0], [0.55, 0.05, 0.4, 0.1, 0.2, 0.7], 3, [0.5, 0.5, 0.3]);
    // Row 0 (given 1) passes classes 0 and 2 → argmax 0; row 1 (given 0) passes only class 2.
    // The diagonal cells hold the floor of one.
    expect(joint[1]).toEqual([1, 1, 0]);
    expect(joint[0]).toEqual([1, 0, 1]);
  });

  it('keeps at least one count on every diagonal cell', () => {
    const { joint } = computeConfidentJoint([0, 1], [0.1, 0.9, 0.9, 0.1], 2);
    expect(joint).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it('never flags a row whose most probable class is its given label', () => {
    // Class 1's rows have low self-confidence (threshold 0.4), so row 0 (labelled 0, p1 = 0.45) is counted into
    // column 1, but its argmax is still 0.
    const l = [0, 0, 0, 1, 1];
    const p = [0.5, 0.45, 0.95, 0.05, 0.95, 0.05, 0.55, 0.45, 0.65, 0.35].slice();
    const { offDiagonal } = computeConfidentJoint(l, p, 2);
    expect([...offDiagonal]).toContain(0);
    for (const filterBy of ['prune_by_noise_rate', 'confident_learning'] as const) {
      expect([...confidentLearning(l, p, 2, { filterBy }).issues]).not.toContain(0);
    }
  });

  it('gives a class with no rows a threshold nothing can reach', () => {
    expect(confidentThresholds([0, 0], [0.9, 0.1, 0, 0.8, 0.1, 0.1], 3)[1]).toBe(2);
  });

  it('does not prune a class with no more than minExamplesPerClass rows', () => {
    expect([...confidentLearning(labels, probs, 3, { minExamplesPerClass: 3 }).issues]).toEqual([]);
    expect([...confidentLearning(labels, probs, 3, { minExamplesPerClass: 2 }).issues]).toEqual([8, 2]);
  });

  it('finds no noise when the probabilities agree with every label', () => {
    const l = [0, 1, 2, 0, 1, 2];
    const p = l.flatMap((y) => [0, 1, 2].map((c) => (c === y ? 0.9 : 0.05)));
    const r = confidentLearning(l, p, 3);
    expect(r.noiseRate).toBe(0);
    expect(r.issues.length).toBe(0);
  });

  it('validates its inputs', () => {
    expect(() => confidentLearning([0, 1], [0.5, 0.5], 2)).toThrow(/expected 2 × 2/);
    expect(() => confidentLearning([0, 2], [0.5, 0.5, 0.5, 0.5], 2)).toThrow(/outside/);
    expect(() => confidentLearning([0], [1], 1)).toThrow(/at least 2 classes/);
  });
});

describe('calibration and rounding', () => {
  it('scales rows to label counts and the total to n', () => {
    // Row 0: [5, 1] × 10/6 = [8.33, 1.67] → [8, 2]; row 1: [2, 2] × 6/4 = [3, 3].
    expect(
      calibrateConfidentJoint(
        [
          [5, 1],
          [2, 2],
        ],
        [10, 6],
      ),
    ).toEqual([
      [8, 2],
      [3, 3],
    ]);
  });

  it('rounds preserving the sum the way numpy does', () => {
    // Halves to even; a shortfall goes to the largest residual (on a tie the later index: argsort reversed), an
    // excess comes off the most negative residual (on a tie the earlier index).
    expect(roundPreservingSum([0.5, 1.5, 2.5, 1.5])).toEqual([0, 2, 2, 2]);
    expect(roundPreservingSum([1.4, 1.4, 1.2])).toEqual([1, 2, 1]);
    expect(roundPreservingSum([2.6, 2.6, 0.8])).toEqual([2, 3, 1]);
    expect(roundPreservingSum([0.2, 0.2, 0.2, 0.2, 0.2]).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
