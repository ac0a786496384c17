import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

describe('all-of', () => {
  const check = {
    rubric: 'all-of',
    checks: [
      { rubric: 'casing', case: 'lower' },
      { rubric: 'word-count', max: 5 },
    ],
  };

  it('passes only when every sub-check passes', () => {
    expect(scoreOf(check, 'all lower and short')).toBe(1);
    expect(score(check, 'Not lower')).toEqual({ score: 0, detail: 'checks[0]: 1 uppercase letter(s)' });
    expect(score(check, 'lower but far too many words here')).toEqual({ score: 0, detail: 'checks[1]: 7 words, more than 5' });
  });

  it('takes the lowest graded sub-score', () => {
    const graded = { rubric: 'all-of', checks: [{ rubric: 'token-f1', expected: 'red blue' }, { rubric: 'casing', case: 'lower' }] };
    expect(scoreOf(graded, 'red')).toBeCloseTo(2 / 3, 12);
  });

  it("turns any sub-check's error into the item's error", () => {
    const needsReference = { rubric: 'all-of', checks: [{ rubric: 'casing', case: 'lower' }, { rubric: 'exact-match' }] };
    expect(score(needsReference, 'paris')).toEqual({ error: 'checks[1]: exact-match needs a reference answer or an expected value' });
  });

  it('refuses judge sub-checks and invalid ones when read, naming the index', () => {
    expect(refusal({ rubric: 'all-of', checks: [{ rubric: 'judge:task-completion' }] })).toMatch(/checks\.0: judge:task-completion is judge-based/);
    expect(refusal({ rubric: 'all-of', checks: [{ rubric: 'casing', case: 'lower' }, { rubric: 'nope' }] })).toMatch(/checks\.1: unknown rubric "nope"/);
    expect(refusal({ rubric: 'all-of', checks: [] })).toMatch(/checks/);
  });

  it('nests', () => {
    expect(scoreOf({ rubric: 'all-of', checks: [check, { rubric: 'regex', pattern: 'short$' }] }, 'all lower and short')).toBe(1);
  });
});
