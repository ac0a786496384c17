import { describe, expect, it } from 'vitest';
import { ibanLength, isValidIban } from '../../../../functions/audit/scanners/iban';

describe('isValidIban', () => {
  it('accepts registry examples from several countries', () => {
    for (const iban of [
      'GB82WEST12345698765432', 'DE89370400440532013000', 'FR1420041010050500013M02606', 'NL91ABNA0417164300',
      'BE68539007547034', 'NO9386011117947', 'CH9300762011623852957', 'ES9121000418450200051332', 'MT84MALT011000012345MTLCAST001S',
    ]) {
      expect(isValidIban(iban), iban).toBe(true);
    }
  });

  it('rejects a wrong checksum, a wrong length, an unknown country and lower case', () => {
    expect(isValidIban('GB82WEST12345698765433')).toBe(false);
    expect(isValidIban('GB82WEST1234569876543')).toBe(false);
    expect(isValidIban('US82WEST12345698765432')).toBe(false);
    expect(isValidIban('gb82west12345698765432')).toBe(false);
    expect(isValidIban('GB00WEST12345698765432')).toBe(false);
  });

  it('knows country lengths and nothing else', () => {
    expect(ibanLength('DE')).toBe(22);
    expect(ibanLength('NO')).toBe(15);
    expect(ibanLength('RU')).toBe(33);
    expect(ibanLength('US')).toBeUndefined();
    expect(ibanLength('to')).toBeUndefined();
    expect(ibanLength('constructor')).toBeUndefined();
  });
});
