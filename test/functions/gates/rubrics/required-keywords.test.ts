import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

describe('required-keywords', () => {
  it('needs every keyword as whole words', () => {
    const check = { rubric: 'required-keywords', keywords: ['history', 'future'] };
    expect(scoreOf(check, 'Its History shapes its future.')).toBe(1);
    expect(score(check, 'Its prehistory shapes its future.')).toEqual({ score: 0, detail: 'missing: history' });
  });

  it('can be case-sensitive', () => {
    expect(scoreOf({ rubric: 'required-keywords', keywords: ['NASA'], caseSensitive: true }, 'nasa launched')).toBe(0);
  });

  it('refuses blank keywords', () => {
    expect(refusal({ rubric: 'required-keywords', keywords: ['  '] })).toMatch(/keywords/);
  });
});
