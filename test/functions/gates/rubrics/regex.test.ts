import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

describe('regex', () => {
  it('matches the trimmed answer', () => {
    expect(scoreOf({ rubric: 'regex', pattern: 'Over and out\\.$' }, 'Fine. Over and out.\n')).toBe(1);
    expect(score({ rubric: 'regex', pattern: 'Over and out\\.$' }, 'Over and out. Bye')).toEqual({ score: 0, detail: 'does not match /Over and out\\.$/' });
  });

  it('supports flags, full matches and negative expectations', () => {
    expect(scoreOf({ rubric: 'regex', pattern: '^noted:', flags: 'i' }, 'NOTED: yes')).toBe(1);
    expect(scoreOf({ rubric: 'regex', pattern: '\\d+', full: true }, ' 123 ')).toBe(1);
    expect(scoreOf({ rubric: 'regex', pattern: '\\d+', full: true }, '123 apples')).toBe(0);
    expect(scoreOf({ rubric: 'regex', pattern: 'as an AI', expect: false }, 'Sure, here it is.')).toBe(1);
    expect(score({ rubric: 'regex', pattern: 'as an AI', expect: false }, 'Well, as an AI...')).toEqual({ score: 0, detail: 'matches /as an AI/' });
  });

  it('refuses invalid patterns and the g flag', () => {
    expect(refusal({ rubric: 'regex', pattern: '(' })).toMatch(/invalid pattern/);
    expect(refusal({ rubric: 'regex', pattern: 'a', flags: 'g' })).toMatch(/flags/);
  });
});
