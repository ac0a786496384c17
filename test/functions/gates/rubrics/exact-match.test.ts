import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

describe('exact-match', () => {
  it('matches after normalisation', () => {
    expect(scoreOf({ rubric: 'exact-match' }, 'The Eiffel Tower.', { reference: 'eiffel tower' })).toBe(1);
    expect(scoreOf({ rubric: 'exact-match' }, 'Eiffel Towers', { reference: 'eiffel tower' })).toBe(0);
  });

  it("prefers the check's expected answers to the reference, any one of them matching", () => {
    expect(scoreOf({ rubric: 'exact-match', expected: ['NYC', 'New York City'] }, 'new york city', { reference: 'Boston' })).toBe(1);
    expect(scoreOf({ rubric: 'exact-match', expected: 'Paris' }, 'Boston', { reference: 'Boston' })).toBe(0);
  });

  it('says what did not match', () => {
    expect(score({ rubric: 'exact-match' }, 'Lyon', { reference: 'Paris' })).toEqual({ score: 0, detail: '"Lyon" matches no reference' });
  });

  it('is an error, not a zero, without anything to compare with', () => {
    expect(score({ rubric: 'exact-match' }, 'Paris')).toEqual({ error: 'exact-match needs a reference answer or an expected value' });
  });

  it('refuses unknown and ill-typed parameters', () => {
    expect(refusal({ rubric: 'exact-match', expectd: 'x' })).toMatch(/exact-match: invalid parameters/);
    expect(refusal({ rubric: 'exact-match', expected: [] })).toMatch(/expected/);
  });
});
