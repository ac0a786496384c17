import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

const reference = 'one two three four five six seven eight nine ten';

describe('length-ratio', () => {
  it('scores 1 inside the bounds, their ends included', () => {
    expect(scoreOf({ rubric: 'length-ratio' }, 'a b c d e', { reference })).toBe(1);
    expect(scoreOf({ rubric: 'length-ratio' }, 'w '.repeat(20), { reference })).toBe(1);
  });

  it('scores the shortfall outside them', () => {
    expect(score({ rubric: 'length-ratio' }, 'a b', { reference })).toEqual({ score: 0.4, detail: 'ratio 0.2 outside [0.5, 2]' });
    expect(scoreOf({ rubric: 'length-ratio' }, 'w '.repeat(40), { reference })).toBe(0.5);
    expect(scoreOf({ rubric: 'length-ratio', min: 0.9, max: 1.1 }, 'a b c d e f g h i j k', { reference })).toBe(1);
    expect(scoreOf({ rubric: 'length-ratio', min: 0.9, max: 1.1 }, 'a b c d e f g h i j k l', { reference })).toBeCloseTo(1.1 / 1.2, 12);
    expect(scoreOf({ rubric: 'length-ratio' }, '', { reference })).toBe(0);
  });

  it('takes the expected text over the reference', () => {
    expect(scoreOf({ rubric: 'length-ratio', expected: 'a b' }, 'x y', { reference })).toBe(1);
  });

  it('is an error without a usable reference', () => {
    expect(score({ rubric: 'length-ratio' }, 'x')).toEqual({ error: 'length-ratio needs a reference answer' });
    expect(score({ rubric: 'length-ratio' }, 'x', { reference: '  ...  ' })).toEqual({ error: 'the reference answer has no words to compare with' });
  });

  it('refuses inverted bounds', () => {
    expect(refusal({ rubric: 'length-ratio', min: 3 })).toMatch(/min exceeds max/);
    expect(refusal({ rubric: 'length-ratio', min: 0 })).toMatch(/min/);
  });
});
