import { describe, expect, it } from 'vitest';
import { score, scoreOf } from './rubric-test-kit';

describe('json-valid', () => {
  it('scores valid JSON 1 and anything else 0, with the reason', () => {
    expect(scoreOf({ rubric: 'json-valid' }, '"just a string"')).toBe(1);
    const bad = score({ rubric: 'json-valid' }, '{"a": 1,}');
    expect(bad).toMatchObject({ score: 0 });
    expect((bad as { detail: string }).detail).toMatch(/^not valid JSON/);
  });

  it('enforces the required kind of value', () => {
    expect(scoreOf({ rubric: 'json-valid', type: 'object' }, '{"a": 1}')).toBe(1);
    expect(score({ rubric: 'json-valid', type: 'object' }, '[1]')).toEqual({ score: 0, detail: 'valid JSON, but not an object' });
    expect(score({ rubric: 'json-valid', type: 'array' }, '{}')).toEqual({ score: 0, detail: 'valid JSON, but not an array' });
  });
});
