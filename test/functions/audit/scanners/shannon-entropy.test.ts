import { describe, expect, it } from 'vitest';
import { shannonEntropy } from '../../../../functions/audit/scanners/shannon-entropy';

describe('shannonEntropy', () => {
  it('is 0 for empty and single-symbol strings', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
  });

  it('is log2(k) for k equally frequent symbols', () => {
    expect(shannonEntropy('ab')).toBeCloseTo(1, 12);
    expect(shannonEntropy('abcd')).toBeCloseTo(2, 12);
    expect(shannonEntropy('0123456789abcdef')).toBeCloseTo(4, 12);
  });

  it('weights by frequency', () => {
    // p = 3/4, 1/4
    expect(shannonEntropy('aaab')).toBeCloseTo(-(0.75 * Math.log2(0.75) + 0.25 * Math.log2(0.25)), 12);
  });

  it('counts non-ASCII code units too, and leaves no state behind between calls', () => {
    expect(shannonEntropy('密钥密钥')).toBeCloseTo(1, 12);
    expect(shannonEntropy('aé')).toBeCloseTo(1, 12);
    const first = shannonEntropy('hello world');
    expect(shannonEntropy('hello world')).toBe(first);
  });

  it('separates random keys from words', () => {
    expect(shannonEntropy('kX9vQ2mL7pR4tW8zB3nH6jF1')).toBeGreaterThan(4);
    expect(shannonEntropy('passwordpassword')).toBeLessThan(3);
  });
});
