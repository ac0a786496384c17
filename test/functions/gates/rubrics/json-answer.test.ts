import { describe, expect, it } from 'vitest';
import { isJsonObject, jsonEqual, readJsonAnswer } from '../../../../functions/gates/rubrics/json-answer';

describe('readJsonAnswer', () => {
  it('reads the whole answer, tolerating one code fence unless told not to', () => {
    expect(readJsonAnswer(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 } });
    expect(readJsonAnswer('```json\n{"a": 1}\n```')).toEqual({ ok: true, value: { a: 1 } });
    expect(readJsonAnswer('```\n[1, 2]\n```')).toEqual({ ok: true, value: [1, 2] });
    expect(readJsonAnswer('```json\n{"a": 1}\n```', false).ok).toBe(false);
  });

  it('refuses prose around the JSON and empty answers', () => {
    expect(readJsonAnswer('Here it is: {"a": 1}').ok).toBe(false);
    expect(readJsonAnswer('   ')).toEqual({ ok: false, why: 'the answer is empty' });
  });
});

describe('jsonEqual', () => {
  it('ignores key order and compares deeply', () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});

describe('isJsonObject', () => {
  it('is true for plain objects only', () => {
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject([])).toBe(false);
    expect(isJsonObject(null)).toBe(false);
    expect(isJsonObject('x')).toBe(false);
  });
});
