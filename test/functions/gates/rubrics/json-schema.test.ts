import { describe, expect, it } from 'vitest';
import { refusal, score, scoreOf } from './rubric-test-kit';

const schema = { type: 'object', required: ['title', 'year'], properties: { title: { type: 'string' }, year: { type: 'integer' } }, additionalProperties: false };

describe('json-schema', () => {
  it('scores conforming JSON 1, fenced or not', () => {
    expect(scoreOf({ rubric: 'json-schema', schema }, '{"title": "Dune", "year": 1965}')).toBe(1);
    expect(scoreOf({ rubric: 'json-schema', schema }, '```json\n{"title": "Dune", "year": 1965}\n```')).toBe(1);
  });

  it('scores a violation 0 with the first violations in the detail', () => {
    expect(score({ rubric: 'json-schema', schema }, '{"title": "Dune", "year": "1965"}')).toEqual({ score: 0, detail: '$.year: expected integer, got string' });
    const many = score({ rubric: 'json-schema', schema: { type: 'array', items: { type: 'string' } } }, '[1, 2, 3, 4, 5]');
    expect(many).toMatchObject({ score: 0 });
    expect((many as { detail: string }).detail).toMatch(/; and 2 more$/);
  });

  it('scores invalid JSON 0', () => {
    expect(scoreOf({ rubric: 'json-schema', schema }, 'title: Dune')).toBe(0);
  });

  it('refuses, when the check is read, a schema the subset cannot enforce', () => {
    expect(refusal({ rubric: 'json-schema', schema: { $ref: '#/x' } })).toMatch(/\$ref: keyword not supported/);
    expect(refusal({ rubric: 'json-schema' })).toMatch(/schema/);
  });
});
