import { describe, expect, it } from 'vitest';
import { MultinomialNaiveBayes, normalizeLogProbabilities } from '../../../functions/audit/naive-bayes';

const f = (...ids: number[]): Uint32Array => Uint32Array.from(ids);

describe('MultinomialNaiveBayes', () => {
  // Class 0 saw buckets {0,1} and {0}; class 1 saw {2} and {2,3}. Vocabulary V = 4, 3 features per class.
  const trained = (): MultinomialNaiveBayes => {
    const m = new MultinomialNaiveBayes(2, { featureBits: 2, shrinkage: false });
    m.add(f(0, 1), 0);
    m.add(f(0), 0);
    m.add(f(2), 1);
    m.add(f(2, 3), 1);
    return m;
  };

  it('matches a hand-worked Laplace-smoothed posterior', () => {
    const p = trained().predictProba(f(0), new Float64Array(2));
    // P(0|c0) = (2+1)/(3+4), P(0|c1) = (0+1)/(3+4), equal priors: posterior 3 : 1.
    // Weights are stored as float32: agreement to about 1e-7.
    expect(p[0]).toBeCloseTo(0.75, 6);
    expect(p[1]).toBeCloseTo(0.25, 6);
    const q = trained().predictProba(f(0, 3), new Float64Array(2));
    // c0: 3/7 · 1/7, c1: 1/7 · 2/7 → 3 : 2.
    expect(q[0]).toBeCloseTo(0.6, 6);
  });

  it('scales the pseudo-count to class size, and can be told not to', () => {
    // Class 0: {0}, {0}, {0,1} (N0 = 4); class 1: {2} (N1 = 1); V = 3. Scaled: alpha_0 = 4·2/5 = 1.6, alpha_1 = 0.4.
    const build = (classScaledSmoothing: boolean): MultinomialNaiveBayes => {
      const m = new MultinomialNaiveBayes(2, { featureBits: 2, classScaledSmoothing, shrinkage: false });
      m.add(f(0), 0);
      m.add(f(0), 0);
      m.add(f(0, 1), 0);
      m.add(f(2), 1);
      return m;
    };
    expect([...build(true).smoothing()]).toEqual([1.6, 0.4]);
    const odds = (c0: number, c1: number): number => c0 / (c0 + c1);
    // Priors (3+1)/6 and (1+1)/6; P(1|c0) = (1+1.6)/(4+1.6·3), P(1|c1) = 0.4/(1+0.4·3).
    expect(build(true).predictProba(f(1), new Float64Array(2))[0]).toBeCloseTo(odds((4 / 6) * (2.6 / 8.8), (2 / 6) * (0.4 / 2.2)), 6);
    // Plain Laplace: P(1|c0) = 2/7, P(1|c1) = 1/4.
    expect(build(false).predictProba(f(1), new Float64Array(2))[0]).toBeCloseTo(odds((4 / 6) * (2 / 7), (2 / 6) * (1 / 4)), 6);
  });

  it('does not count shared words against a small class', () => {
    // Both classes use the same 20 everyday words. The large class (1,000 rows) also has a wide vocabulary of its own,
    // which makes V large; the small class (20 rows) has one word of its own. A row of the everyday words and the
    // small class's word belongs to the small class.
    const shared = Array.from({ length: 20 }, (_, i) => i);
    const train = (classScaledSmoothing: boolean): MultinomialNaiveBayes => {
      const m = new MultinomialNaiveBayes(2, { featureBits: 16, classScaledSmoothing, shrinkage: false });
      for (let i = 0; i < 1000; i++) m.add(f(...shared, 100 + i), 0);
      for (let i = 0; i < 20; i++) m.add(f(...shared, 5000), 1);
      return m;
    };
    const row = f(...shared, 5000);
    // With one pseudo-count, V·alpha = 1,000 swamps the small class's 420 features: each everyday word is ~5× less
    // likely under it, and twenty of them outvote its own word.
    expect(train(false).predictProba(row, new Float64Array(2))[1]).toBeLessThan(0.01);
    expect(train(true).predictProba(row, new Float64Array(2))[1]).toBeGreaterThan(0.9);
  });

  it('shrinks a feature’s evidence by its chi-square association with the class', () => {
    // 10 rows per class; w is in 8 rows of class 0 and 2 of class 1, u in the others. N_0 = N_1 = 10, V = 2:
    // P(w|0) = 9/12, P(w|1) = 3/12, a log-ratio of log 3. χ² = 2 · 3² · (1/5 + 1/5) = 7.2, factor 1 − 1/7.2.
    const build = (shrinkage: boolean): MultinomialNaiveBayes => {
      const m = new MultinomialNaiveBayes(2, { featureBits: 2, shrinkage });
      for (let i = 0; i < 10; i++) m.add(f(i < 8 ? 0 : 1), 0);
      for (let i = 0; i < 10; i++) m.add(f(i < 2 ? 0 : 1), 1);
      return m;
    };
    const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
    expect(build(false).predictProba(f(0), new Float64Array(2))[0]).toBeCloseTo(0.75, 6);
    expect(build(true).predictProba(f(0), new Float64Array(2))[0]).toBeCloseTo(sigmoid((1 - 1 / 7.2) * Math.log(3)), 6);
  });

  it('gives a feature spread evenly over the classes no say at all', () => {
    const m = new MultinomialNaiveBayes(3, { featureBits: 4 });
    for (let c = 0; c < 3; c++) for (let i = 0; i < 10; i++) m.add(f(c, 9), c);
    m.add(f(0), 0);
    // Feature 9 is in every row; the prediction is the prior alone: (11+1)/(31+3), (10+1)/34, (10+1)/34.
    const p = m.predictProba(f(9), new Float64Array(3));
    expect(p[0]).toBeCloseTo(12 / 34, 6);
    expect(p[1]).toBeCloseTo(11 / 34, 6);
  });

  it('uses the smoothed class prior', () => {
    const m = trained();
    m.add(f(1), 0); // class 0 now has 3 rows, class 1 has 2: priors (3+1)/(5+2) and (2+1)/(5+2)
    const joint = m.logJoint(f(), new Float64Array(2));
    expect(Math.exp(joint[0]!)).toBeCloseTo(4 / 7, 12);
    expect(Math.exp(joint[1]!)).toBeCloseTo(3 / 7, 12);
  });

  it('remove() undoes add() exactly', () => {
    const m = trained();
    const before = m.logJoint(f(0, 2, 3), new Float64Array(2)).slice();
    m.add(f(1, 3), 1);
    expect(m.logJoint(f(0, 2, 3), new Float64Array(2))).not.toEqual(before);
    m.remove(f(1, 3), 1);
    expect(m.logJoint(f(0, 2, 3), new Float64Array(2))).toEqual(before);
    expect(m.size).toBe(4);
  });

  it('refuses to remove what was never added, and is left unchanged', () => {
    const m = trained();
    const before = m.logJoint(f(0, 1, 3), new Float64Array(2)).slice();
    expect(() => m.remove(f(0, 3), 0)).toThrow(/never added/);
    expect(m.logJoint(f(0, 1, 3), new Float64Array(2))).toEqual(before);
    expect(() => m.add(f(0), 2)).toThrow(RangeError);
    expect(() => new MultinomialNaiveBayes(1).remove(f(0), 0)).toThrow(/no rows/);
  });

  it('folds features into a smaller table by dropping low bits', () => {
    // featureBits 4, bits 2: buckets 0..3 fold to 0, 4..7 to 1.
    const m = new MultinomialNaiveBayes(2, { featureBits: 4, bits: 2 });
    m.add(f(1), 0);
    m.add(f(5), 1);
    const p = m.predictProba(f(2), new Float64Array(2));
    expect(p[0]).toBeGreaterThan(p[1]!);
  });

  it('learns a separable problem', () => {
    const m = new MultinomialNaiveBayes(3, { featureBits: 8 });
    for (let i = 0; i < 30; i++) for (let c = 0; c < 3; c++) m.add(f(c * 10 + (i % 5), 100 + (i % 7)), c);
    const out = new Float64Array(3);
    for (let c = 0; c < 3; c++) {
      m.predictProba(f(c * 10 + 2, 101), out);
      expect(out.indexOf(Math.max(...out))).toBe(c);
      expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('validates its options', () => {
    expect(() => new MultinomialNaiveBayes(0)).toThrow(RangeError);
    expect(() => new MultinomialNaiveBayes(2, { featureBits: 8, bits: 9 })).toThrow(RangeError);
    expect(() => new MultinomialNaiveBayes(2, { alpha: 0 })).toThrow(RangeError);
  });
});

describe('normalizeLogProbabilities', () => {
  it('does not underflow on scores far below zero', () => {
    const p = normalizeLogProbabilities(Float64Array.from([-1000, -1001]));
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(p[1]).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1)), 12);
  });

  it('applies a temperature', () => {
    const p = normalizeLogProbabilities(Float64Array.from([0, -10]), 10);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });

  it('normalises a slice in place and leaves the rest alone', () => {
    const v = Float64Array.from([5, 0, 0, 7]);
    normalizeLogProbabilities(v, 1, 1, 2);
    expect([...v]).toEqual([5, 0.5, 0.5, 7]);
  });

  it('gives a uniform row when every score is -Infinity', () => {
    expect([...normalizeLogProbabilities(Float64Array.from([-Infinity, -Infinity]))]).toEqual([0.5, 0.5]);
  });
});
