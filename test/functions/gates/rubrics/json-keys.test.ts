import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

describe('json-keys', () => {
  const check = { rubric: 'json-keys', keys: ['name', 'tags'] };

  it('needs every required key', () => {
    expect(scoreOf(check, '{"name": "x", "tags": [], "extra": 1}')).toBe(1);
    expect(score(check, '{"name": "x"}')).toEqual({ score: 0, detail: 'missing key(s): tags' });
  });

  it('refuses extra keys when exact', () => {
    expect(score({ ...check, exact: true }, '{"name": "x", "tags": [], "extra": 1}')).toEqual({ score: 0, detail: 'unexpected key(s): extra' });
    expect(scoreOf({ ...check, exact: true }, '```json\n{"tags": [], "name": "x"}\n```')).toBe(1);
  });

  it('needs a JSON object', () => {
    expect(score(check, '["name", "tags"]')).toEqual({ score: 0, detail: 'not a JSON object' });
    expect(scoreOf(check, 'name: x')).toBe(0);
  });

  it('refuses a check without keys', () => {
    expect(refusal({ rubric: 'json-keys', keys: [] })).toMatch(/keys/);
  });
});
