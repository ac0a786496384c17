import { describe, expect, it } from 'vitest';
import { isLuhnValid } from '../../../../functions/audit/scanners/luhn';

describe('isLuhnValid', () => {
  it('accepts numbers with a correct check digit', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '79927398713', '0']) {
      expect(isLuhnValid(n), n).toBe(true);
    }
  });

  it('rejects a changed digit, swapped neighbours, non-digits and empty input', () => {
    for (const n of ['4111111111111112', '79927398710', '4111111111111121', '4111-1111-1111-1111', '41111a1111111111', '']) {
      expect(isLuhnValid(n), n).toBe(false);
    }
  });
});
