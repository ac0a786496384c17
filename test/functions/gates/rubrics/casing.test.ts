import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

describe('casing', () => {
  it('checks lowercase, ignoring letters without case', () => {
    expect(scoreOf({ rubric: 'casing', case: 'lower' }, 'all lower, 123 and 東京 too.')).toBe(1);
    expect(score({ rubric: 'casing', case: 'lower' }, 'Not lower at the Start')).toEqual({ score: 0, detail: '2 uppercase letter(s)' });
  });

  it('checks uppercase, accented letters included', () => {
    expect(scoreOf({ rubric: 'casing', case: 'upper' }, 'ÇA VA, 2024!')).toBe(1);
    expect(score({ rubric: 'casing', case: 'upper' }, 'ÇA Va')).toEqual({ score: 0, detail: '1 lowercase letter(s)' });
  });

  it('scores an answer with no cased letter 0', () => {
    expect(score({ rubric: 'casing', case: 'lower' }, '123 東京')).toEqual({ score: 0, detail: 'no cased letters' });
  });

  it('refuses an unknown case', () => {
    expect(refusal({ rubric: 'casing', case: 'title' })).toMatch(/case/);
  });
});
