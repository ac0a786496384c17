/**
 * IBAN length per country, from the SWIFT IBAN registry. A country missing here has no IBAN,
 * so a country-code-plus-digits string that merely looks like one (a part number, a postcode) is rejected.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** The registered IBAN length for a two-letter country code, or undefined. */
export function ibanLength(country: string): number | undefined {
  return Object.hasOwn(IBAN_LENGTHS, country) ? IBAN_LENGTHS[country] : undefined;
}

/**
 * True when `compact` (upper-case, no spaces) is a well-formed IBAN: a registered country, that country's
 * length, check digits 02–98, and the ISO 13616 mod-97 remainder of 1.
 */
export function isValidIban(compact: string): boolean {
  const len = ibanLength(compact.slice(0, 2));
  if (len === undefined || compact.length !== len) return false;
  const check = compact.slice(2, 4);
  if (!/^\d\d$/.test(check) || check === '00' || check === '01' || check === '99') return false;
  if (!/^[A-Z0-9]+$/.test(compact)) return false;
  // Rearranged: BBAN first, then country and check digits; letters count as 10..35. Folding digit by digit
  // keeps every intermediate below 2^31, so no BigInt in the hot path.
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else rem = (rem * 100 + (c - 55)) % 97;
  }
  return rem === 1;
}
