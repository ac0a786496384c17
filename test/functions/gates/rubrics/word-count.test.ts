import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

describe('word-count', () => {
  it('includes both bounds', () => {
    expect(scoreOf({ rubric: 'word-count', min: 3, max: 5 }, 'one two three')).toBe(1);
    expect(scoreOf({ rubric: 'word-count', min: 3, max: 5 }, 'one two three four five')).toBe(1);
  });

  it('scores 0 just outside them, saying why', () => {
    expect(score({ rubric: 'word-count', min: 3, max: 5 }, 'one two')).toEqual({ score: 0, detail: '2 words, fewer than 3' });
    expect(score({ rubric: 'word-count', max: 5 }, 'one two three four five six')).toEqual({ score: 0, detail: '6 words, more than 5' });
  });

  it('refuses a check without bounds or with inverted ones', () => {
    expect(refusal({ rubric: 'word-count' })).toMatch(/give min, max or both/);
    expect(refusal({ rubric: 'word-count', min: 5, max: 3 })).toMatch(/min exceeds max/);
    expect(refusal({ rubric: 'word-count', min: 1.5 })).toMatch(/min/);
  });
});
