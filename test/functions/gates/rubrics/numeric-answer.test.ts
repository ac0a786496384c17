import { describe, expect, it } from 'vitest';
import { extractFinalNumber } from '../../../../functions/gates/rubrics/numeric-answer';
import { refusal, score, scoreOf } from './rubric-test-kit';

describe('extractFinalNumber', () => {
  it('takes the last number when there is no answer marker', () => {
    expect(extractFinalNumber('3 boxes of 4 make 12')).toBe(12);
    expect(extractFinalNumber('no digits here')).toBeUndefined();
  });

  it('takes the number after the last answer marker', () => {
    expect(extractFinalNumber('Answer: 12 (because 3 × 4 = 12 and 5 + 7 = 12)')).toBe(12);
    expect(extractFinalNumber('Answer: 12\n\nCheck: 5 + 7')).toBe(12);
    expect(extractFinalNumber('The answer is 7. A common mistake gives 9.')).toBe(7);
    expect(extractFinalNumber('First try: answer is 3. Final answer: 4')).toBe(4);
    expect(extractFinalNumber('so 40 + 2\n#### 42')).toBe(42);
    expect(extractFinalNumber('x = \\boxed{17} and 3')).toBe(17);
  });

  it('reads separators, currency, signs, decimals, exponents and fractions', () => {
    expect(extractFinalNumber('Total: $1,234.50.')).toBe(1234.5);
    expect(extractFinalNumber('it fell to -5')).toBe(-5);
    expect(extractFinalNumber('it fell to −5')).toBe(-5);
    expect(extractFinalNumber('about 2.5e3 units')).toBe(2500);
    expect(extractFinalNumber('three quarters, 3/4')).toBe(0.75);
    expect(extractFinalNumber('50% of them')).toBe(50);
    expect(extractFinalNumber('Answer: ４２')).toBe(42);
  });

  it('does not read a hyphen or range dash as a minus sign', () => {
    expect(extractFinalNumber('see pages 3-4')).toBe(4);
    expect(extractFinalNumber('from 10–20')).toBe(20);
    expect(extractFinalNumber('model x-7')).toBe(7);
  });

  it('does not read digits inside a word as a number', () => {
    expect(extractFinalNumber('Answer: 5 litres of H2O')).toBe(5);
  });
});

describe('numeric-answer', () => {
  it('scores 1 within the tolerance and 0 outside it', () => {
    expect(scoreOf({ rubric: 'numeric-answer', expected: 15.25, tolerance: 0.005 }, 'Answer: 15.25')).toBe(1);
    expect(scoreOf({ rubric: 'numeric-answer', expected: 15.25, tolerance: 0.005 }, 'Answer: 15.26')).toBe(0);
    expect(scoreOf({ rubric: 'numeric-answer', expected: 100, relativeTolerance: 0.01 }, 'Answer: 101')).toBe(1);
    expect(scoreOf({ rubric: 'numeric-answer', expected: 100, relativeTolerance: 0.01 }, 'Answer: 101.5')).toBe(0);
  });

  it('includes the tolerance boundary itself', () => {
    expect(scoreOf({ rubric: 'numeric-answer', expected: 10, tolerance: 0.5 }, '10.5')).toBe(1);
  });

  it('says what it found when wrong', () => {
    expect(score({ rubric: 'numeric-answer', expected: 42 }, 'Answer: 41')).toEqual({ score: 0, detail: 'expected 42, found 41' });
  });

  it('scores 0 when the answer has no number: the model did not answer', () => {
    expect(score({ rubric: 'numeric-answer', expected: 42 }, 'I am not sure.')).toEqual({ score: 0, detail: 'the answer has no number' });
  });

  it('falls back to the final number of the reference', () => {
    expect(scoreOf({ rubric: 'numeric-answer' }, 'It is 72.', { reference: 'Janet makes 9 * 8 = 72 dollars.\n#### 72' })).toBe(1);
  });

  it('is an error when there is nothing to compare with', () => {
    expect(score({ rubric: 'numeric-answer' }, '42')).toEqual({ error: 'numeric-answer needs an expected value or a reference answer' });
    expect(score({ rubric: 'numeric-answer' }, '42', { reference: 'forty-two' })).toEqual({ error: 'the reference answer has no number to compare with' });
  });

  it('refuses a negative tolerance', () => {
    expect(refusal({ rubric: 'numeric-answer', expected: 1, tolerance: -1 })).toMatch(/tolerance/);
  });
});
