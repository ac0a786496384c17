import { describe, expect, it } from 'vitest';
import { logBeta, logGamma, logRegularizedIncompleteBeta } from '../../../functions/canary/log-beta';

/** ln P(Binomial(n, p) ≥ k), summed term by term in log space from the pmf recurrence. */
function logBinomialUpperTail(n: number, p: number, k: number): number {
  // ln pmf(j) from ln pmf(0) = n ln(1 − p) by pmf(j+1)/pmf(j) = (n − j)/(j + 1) · p/(1 − p).
  const logs: number[] = [];
  let log = n * Math.log1p(-p);
  for (let j = 0; j <= n; j++) {
    if (j >= k) logs.push(log);
    log += Math.log((n - j) / (j + 1)) + Math.log(p / (1 - p));
  }
  const max = Math.max(...logs);
  return max + Math.log(logs.reduce((s, l) => s + Math.exp(l - max), 0));
}

describe('logGamma', () => {
  it('matches known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
    // ln(170!) is about 706.57, where 170! itself is at the edge of a double.
    let lnFactorial = 0;
    for (let i = 2; i <= 170; i++) lnFactorial += Math.log(i);
    expect(logGamma(171)).toBeCloseTo(lnFactorial, 9);
    expect(Number.isFinite(logGamma(1e7))).toBe(true);
  });

  it('refuses arguments outside (0, ∞)', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logGamma(-1)).toThrow(RangeError);
    expect(() => logGamma(Infinity)).toThrow(RangeError);
  });
});

describe('logBeta', () => {
  it('is ln Γ(a) + ln Γ(b) − ln Γ(a + b)', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 13);
    expect(logBeta(1, 1)).toBeCloseTo(0, 14);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 13);
  });
});

describe('logRegularizedIncompleteBeta', () => {
  it('matches the closed forms at a = 1 and b = 1 and the symmetric median', () => {
    expect(logRegularizedIncompleteBeta(0.3, 1, 7)).toBeCloseTo(Math.log(1 - 0.7 ** 7), 13);
    expect(logRegularizedIncompleteBeta(0.3, 7, 1)).toBeCloseTo(7 * Math.log(0.3), 12);
    expect(logRegularizedIncompleteBeta(0.5, 50, 50)).toBeCloseTo(Math.log(0.5), 12);
    expect(logRegularizedIncompleteBeta(0.5, 650.5, 650.5)).toBeCloseTo(Math.log(0.5), 11);
    expect(logRegularizedIncompleteBeta(0, 3, 4)).toBe(-Infinity);
    expect(logRegularizedIncompleteBeta(1, 3, 4)).toBe(0);
  });

  it('agrees with binomial tails, deep in the tail and near 1', () => {
    // I_p(k, n − k + 1) = P(Binomial(n, p) ≥ k).
    for (const [n, p, k] of [[20, 0.5, 15], [1000, 0.5, 600], [1000, 0.5, 480], [1200, 0.45, 700], [300, 0.1, 5]] as const) {
      const expected = logBinomialUpperTail(n, p, k);
      const actual = logRegularizedIncompleteBeta(p, k, n - k + 1);
      expect(Math.abs(actual - expected)).toBeLessThan(1e-9 * Math.max(1, Math.abs(expected)));
    }
    // 600 of 1000 at p = 0.5 is a tail of about e^-23: the log keeps it exact where 1 − I would round to 1.
    expect(logRegularizedIncompleteBeta(0.5, 600, 401)).toBeLessThan(-20);
  });

  it('satisfies I_x(a, b) + I_{1−x}(b, a) = 1 on both sides of the mean', () => {
    for (const [x, a, b] of [[0.2, 30, 80], [0.5, 75, 25], [0.45, 560, 690], [0.7, 3.5, 1.5]] as const) {
      const sum = Math.exp(logRegularizedIncompleteBeta(x, a, b)) + Math.exp(logRegularizedIncompleteBeta(1 - x, b, a));
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it('refuses invalid arguments', () => {
    expect(() => logRegularizedIncompleteBeta(-0.1, 1, 1)).toThrow(RangeError);
    expect(() => logRegularizedIncompleteBeta(0.5, 0, 1)).toThrow(RangeError);
    expect(() => logRegularizedIncompleteBeta(0.5, 1, NaN)).toThrow(RangeError);
  });
});
