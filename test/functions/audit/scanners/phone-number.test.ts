import { describe, expect, it } from 'vitest';
import { isPlausibleE164, isValidNanp, splitCallingCode } from '../../../../functions/audit/scanners/phone-number';

describe('splitCallingCode', () => {
  it('finds 1-, 2- and 3-digit codes', () => {
    expect(splitCallingCode('14155550132')).toEqual({ code: '1', national: '4155550132' });
    expect(splitCallingCode('442079460958')).toEqual({ code: '44', national: '2079460958' });
    expect(splitCallingCode('353861234567')).toEqual({ code: '353', national: '861234567' });
  });
  it('returns undefined for unassigned codes', () => {
    expect(splitCallingCode('2141234567')).toBeUndefined(); // 214 is unassigned
    expect(splitCallingCode('999123456')).toBeUndefined();
  });
});

describe('isValidNanp', () => {
  it('accepts dialable area codes and exchanges', () => {
    for (const n of ['4155550132', '2125550100', '8005550199', '6045551234']) expect(isValidNanp(n), n).toBe(true);
  });
  it('rejects N11 codes, a leading 0/1, a 9 in the area code middle and wrong lengths', () => {
    for (const n of ['9115550132', '4159110132', '0155550132', '1155550132', '4151550132', '2955550132', '415555013', '41555501321']) {
      expect(isValidNanp(n), n).toBe(false);
    }
  });
});

describe('isPlausibleE164', () => {
  it('accepts real-shaped numbers for several countries', () => {
    for (const d of ['14155550132', '442079460958', '493012345678', '33123456789', '919876543210', '74951234567', '8613800138000', '390612345678']) {
      expect(isPlausibleE164(d), d).toBe(true);
    }
  });
  it('rejects bad lengths for the country, a kept trunk 0, unknown codes and over 15 digits', () => {
    for (const d of ['1415555013', '44207946', '2030405060', '33012345678', '999123456789', '4412345678901234567', '1234567']) {
      expect(isPlausibleE164(d), d).toBe(false);
    }
  });
});
