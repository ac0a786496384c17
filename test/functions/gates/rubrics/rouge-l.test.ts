import { describe, expect, it } from 'vitest';
import { lcsLength, rougeL, rougeTokens } from '../../../../functions/gates/rubrics/rouge-l';
import { score, scoreOf } from './rubric-test-kit';

describe('lcsLength', () => {
  it('finds the longest common subsequence, in either argument order', () => {
    expect(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'b'])).toBe(3);
    expect(lcsLength(['x'], ['a', 'x', 'b'])).toBe(1);
    expect(lcsLength(['a', 'c', 'd', 'b'], ['a', 'b', 'c', 'd'])).toBe(3);
    expect(lcsLength([], ['a'])).toBe(0);
  });
});

describe('rougeL', () => {
  it('is the LCS F1 over lowercased word tokens', () => {
    // LCS "police the gunman" = 3 of 4 answer tokens and 3 of 4 reference tokens.
    expect(rougeL('police killed the gunman', 'police kill the gunman')).toBeCloseTo(0.75, 12);
    expect(rougeL('The Gunman', 'the gunman')).toBe(1);
    expect(rougeL('abc', 'xyz')).toBe(0);
    expect(rougeL('', '')).toBe(1);
    expect(rougeL('', 'x')).toBe(0);
  });

  it('tokenises Unicode letters and unspaced scripts', () => {
    expect(rougeTokens('Ça va? 東京!')).toEqual(['ça', 'va', '東', '京']);
  });

  it('handles long texts', () => {
    const long = Array.from({ length: 3000 }, (_, i) => `w${i % 97}`).join(' ');
    expect(rougeL(long, long)).toBe(1);
  });
});

describe('rouge-l', () => {
  it('scores against the reference or the best expected text', () => {
    expect(scoreOf({ rubric: 'rouge-l' }, 'police killed the gunman', { reference: 'police kill the gunman' })).toBeCloseTo(0.75, 12);
    expect(scoreOf({ rubric: 'rouge-l', expected: ['x', 'the gunman'] }, 'the gunman')).toBe(1);
  });

  it('is an error without a reference', () => {
    expect(score({ rubric: 'rouge-l' }, 'x')).toEqual({ error: 'rouge-l needs a reference answer or an expected value' });
  });
});
