import { describe, expect, it } from 'vitest';
import { tokenF1 } from '../../../../functions/gates/rubrics/token-f1';
import { score, scoreOf } from './rubric-test-kit';

describe('tokenF1', () => {
  it('is the SQuAD F1 over normalised tokens', () => {
    expect(tokenF1('The cat sat', 'a cat sat down')).toBeCloseTo((2 * 1 * (2 / 3)) / (1 + 2 / 3), 12);
    expect(tokenF1('Paris!', 'paris')).toBe(1);
    expect(tokenF1('London', 'Paris')).toBe(0);
  });

  it('counts repeated tokens only as often as both sides have them', () => {
    expect(tokenF1('red red red', 'red blue')).toBeCloseTo((2 * (1 / 3) * (1 / 2)) / (1 / 3 + 1 / 2), 12);
  });

  it('treats two empty texts as agreeing and one empty text as not', () => {
    expect(tokenF1('', 'the')).toBe(1);
    expect(tokenF1('', 'cat')).toBe(0);
  });

  it('compares unspaced scripts by character', () => {
    expect(tokenF1('東京', '東京都')).toBeCloseTo(0.8, 12);
  });
});

describe('token-f1', () => {
  it('takes the best over several expected answers', () => {
    expect(scoreOf({ rubric: 'token-f1', expected: ['Boston', 'New York City'] }, 'new york')).toBeCloseTo(0.8, 12);
  });

  it('is an error without a reference', () => {
    expect(score({ rubric: 'token-f1' }, 'x')).toEqual({ error: 'token-f1 needs a reference answer or an expected value' });
  });
});
