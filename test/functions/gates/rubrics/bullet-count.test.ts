import { describe, expect, it } from 'vitest';
import { score, scoreOf } from './rubric-test-kit';

describe('bullet-count', () => {
  it('checks the number of bullet items', () => {
    expect(scoreOf({ rubric: 'bullet-count', min: 3, max: 3 }, '- a\n- b\n- c')).toBe(1);
    expect(score({ rubric: 'bullet-count', min: 3, max: 3 }, 'Reasons:\n- a\n- b')).toEqual({ score: 0, detail: '2 bullets, fewer than 3' });
    expect(score({ rubric: 'bullet-count', max: 2 }, '* a\n* b\n* c')).toEqual({ score: 0, detail: '3 bullets, more than 2' });
    expect(scoreOf({ rubric: 'bullet-count', min: 1 }, '1. a\n2. b')).toBe(0);
  });
});
