import { describe, expect, it } from 'vitest';
import { isRubricError, passFail, quote, referencesOf } from '../../../../functions/gates/rubrics/rubric';

describe('rubric helpers', () => {
  it('tell an error outcome from a score, a zero included', () => {
    expect(isRubricError({ error: 'judge call failed' })).toBe(true);
    expect(isRubricError({ score: 0 })).toBe(false);
  });

  it('turn a binary check into 1 or 0 with its detail', () => {
    expect(passFail(true)).toEqual({ score: 1 });
    expect(passFail(false, 'why')).toEqual({ score: 0, detail: 'why' });
  });

  it("prefer a check's expected answers to the input's reference", () => {
    expect(referencesOf({ answer: 'a', reference: 'r' }, undefined)).toEqual(['r']);
    expect(referencesOf({ answer: 'a', reference: 'r' }, 'e')).toEqual(['e']);
    expect(referencesOf({ answer: 'a' }, ['e', 'f'])).toEqual(['e', 'f']);
    expect(referencesOf({ answer: 'a' }, undefined)).toBeUndefined();
  });

  it('quote a flattened, shortened text', () => {
    expect(quote('a\n  b')).toBe('"a b"');
    expect(quote('x'.repeat(100), 10)).toBe(`"${'x'.repeat(10)}…"`);
  });
});
