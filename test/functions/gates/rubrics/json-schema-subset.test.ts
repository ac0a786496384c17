import { describe, expect, it } from 'vitest';
import { schemaProblems, schemaViolations } from '../../../../functions/gates/rubrics/json-schema-subset';

const person = {
  type: 'object',
  required: ['name', 'age'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 10, pattern: '^[A-Z]' },
    age: { type: 'integer', minimum: 0, exclusiveMaximum: 150 },
    tags: { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, minItems: 1, maxItems: 2, uniqueItems: true },
  },
  additionalProperties: false,
};

describe('schemaProblems', () => {
  it('accepts the supported subset, with annotations', () => {
    expect(schemaProblems({ ...person, title: 'Person', description: 'x', $schema: 'https://json-schema.org/draft/2020-12/schema' })).toEqual([]);
    expect(schemaProblems(true)).toEqual([]);
    expect(schemaProblems({ anyOf: [{ type: 'string' }, { type: 'null' }], not: { const: '' } })).toEqual([]);
  });

  it('refuses unsupported keywords rather than ignoring them, wherever they are', () => {
    expect(schemaProblems({ $ref: '#/defs/x' })).toEqual(['#/$ref: keyword not supported']);
    expect(schemaProblems({ properties: { when: { type: 'string', format: 'date' } } })).toEqual(['#/properties/when/format: keyword not supported']);
    expect(schemaProblems({ items: { if: {} } })).toEqual(['#/items/if: keyword not supported']);
  });

  it('refuses malformed keyword values', () => {
    expect(schemaProblems({ type: 'text' })).toEqual(['#/type: unknown type "text"']);
    expect(schemaProblems({ minItems: -1 })).toEqual(['#/minItems: must be a non-negative integer']);
    expect(schemaProblems({ pattern: '(' })[0]).toMatch(/invalid regular expression/);
    expect(schemaProblems({ required: [1] })).toEqual(['#/required: must be an array of strings']);
    expect(schemaProblems({ multipleOf: 0 })).toEqual(['#/multipleOf: must be a positive number']);
    expect(schemaProblems([1])).toEqual(['#: a schema must be an object or a boolean']);
  });
});

describe('schemaViolations', () => {
  it('passes a conforming value', () => {
    expect(schemaViolations({ name: 'Ada', age: 36, tags: ['a', 'b'] }, person)).toEqual([]);
  });

  it('reports each violation with its path', () => {
    expect(schemaViolations({ name: 'ada', age: 150, tags: ['a', 'a', 'z'], x: 1 }, person)).toEqual([
      '$.name: does not match /^[A-Z]/',
      '$.age: not below 150',
      '$.tags: more than 2 items',
      '$.tags: items are not unique',
      '$.tags[2]: not one of ["a","b","c"]',
      '$: unexpected property "x"',
    ]);
    expect(schemaViolations({ name: 'Ada' }, person)).toEqual(['$: missing required property "age"']);
    expect(schemaViolations({ name: 'Ada', age: 3.5 }, person)).toEqual(['$.age: expected integer, got number']);
    expect(schemaViolations([], person)).toEqual(['$: expected object, got array']);
  });

  it('applies anyOf, oneOf, allOf, not, const and multipleOf', () => {
    expect(schemaViolations(null, { anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual([]);
    expect(schemaViolations(1, { anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual(['$: matches none of anyOf']);
    expect(schemaViolations(5, { oneOf: [{ minimum: 0 }, { maximum: 10 }] })).toEqual(['$: matches 2 of oneOf, expected exactly 1']);
    expect(schemaViolations(5, { allOf: [{ minimum: 6 }] })).toEqual(['$: below the minimum 6']);
    expect(schemaViolations('', { not: { const: '' } })).toEqual(['$: matches the schema under not']);
    expect(schemaViolations(0.3, { multipleOf: 0.1 })).toEqual([]);
    expect(schemaViolations(0.35, { multipleOf: 0.1 })).toEqual(['$: not a multiple of 0.1']);
  });

  it('counts string length in code points and allows additional properties by schema', () => {
    expect(schemaViolations('😀😀', { maxLength: 2 })).toEqual([]);
    expect(schemaViolations({ a: 1, b: 'x' }, { properties: { a: {} }, additionalProperties: { type: 'number' } })).toEqual(['$.b: expected number, got string']);
    expect(schemaViolations(1, false)).toEqual(['$: no value is allowed here']);
  });
});
