/**
 * Country calling codes (ITU-T E.164 assignments, including the shared and global-service codes).
 * The set is prefix-free, so the first 1–3 digits after `+` name at most one code.
 */
const CALLING_CODES: ReadonlySet<string> = new Set(
  [
    '1', '7',
    '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
    '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
    '86', '90', '91', '92', '93', '94', '95', '98',
    '211', '212', '213', '216', '218',
    ...range(220, 258), ...range(260, 269),
    '290', '291', '297', '298', '299',
    ...range(350, 359), ...range(370, 383), '385', '386', '387', '389',
    '420', '421', '423',
    ...range(500, 509), ...range(590, 599),
    '670', ...range(672, 683), ...range(685, 692),
    '800', '808', '850', '852', '853', '855', '856', '870', '878', '880', '881', '882', '883', '886', '888',
    ...range(960, 968), ...range(970, 977), '979', '992', '993', '994', '995', '996', '998',
  ],
);

function range(from: number, to: number): string[] {
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(String(n));
  return out;
}

/**
 * Lengths of the national significant number (digits after the calling code) for the countries whose numbers
 * turn up most; others fall back to DEFAULT_NSN. Tight ranges are what keep `+20 30 40 50 60` from passing.
 */
const NSN_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
  '1': [10, 10], '7': [10, 10], '20': [9, 10], '27': [9, 9], '30': [10, 10], '31': [9, 9], '32': [8, 9],
  '33': [9, 9], '34': [9, 9], '36': [8, 9], '39': [6, 11], '40': [9, 9], '41': [9, 9], '43': [4, 13],
  '44': [7, 10], '45': [8, 8], '46': [7, 10], '47': [8, 8], '48': [9, 9], '49': [6, 13], '52': [10, 10],
  '54': [10, 11], '55': [10, 11], '56': [9, 9], '57': [8, 10], '60': [8, 10], '61': [9, 9], '62': [8, 12],
  '63': [8, 10], '64': [8, 10], '65': [8, 8], '66': [8, 9], '81': [9, 10], '82': [8, 10], '84': [9, 10],
  '86': [9, 11], '90': [10, 10], '91': [10, 10], '92': [9, 10], '351': [9, 9], '353': [7, 9],
  '358': [5, 12], '852': [8, 8], '886': [8, 9], '966': [8, 9], '971': [8, 9], '972': [8, 9],
};
const LEADING_ZERO_PLANS: ReadonlySet<string> = new Set(['39', '225', '241']);
const DEFAULT_NSN: readonly [number, number] = [6, 12];

/** Splits E.164 digits (no `+`) into a known calling code and the rest, or undefined. */
export function splitCallingCode(digits: string): { code: string; national: string } | undefined {
  for (let n = 1; n <= 3 && n < digits.length; n++) {
    const code = digits.slice(0, n);
    if (CALLING_CODES.has(code)) return { code, national: digits.slice(n) };
  }
  return undefined;
}

/**
 * True when `digits` (everything after the `+`, separators removed) is a plausible international number:
 * at most 15 digits (E.164), a known calling code, and a national length that fits that country.
 * Under +1 the NANP rules apply as well.
 */
export function isPlausibleE164(digits: string): boolean {
  if (digits.length < 8 || digits.length > 15) return false;
  const split = splitCallingCode(digits);
  if (!split) return false;
  const [min, max] = NSN_LENGTHS[split.code] ?? DEFAULT_NSN;
  const len = split.national.length;
  if (len < min || len > max) return false;
  if (split.code === '1') return isValidNanp(split.national);
  // Once the calling code is written, the national number drops its trunk prefix 0; only a few plans
  // (Italy's landlines, Côte d'Ivoire, Gabon) keep a leading 0 in the number itself.
  return split.national.charCodeAt(0) !== 48 || LEADING_ZERO_PLANS.has(split.code);
}

/**
 * True for a 10-digit North American number whose area code (NPA) and exchange (NXX) are dialable:
 * NPA is [2-9][0-8]X and not an N11 service code; NXX is [2-9]XX and not N11.
 */
export function isValidNanp(tenDigits: string): boolean {
  if (!/^[2-9][0-8]\d[2-9]\d{6}$/.test(tenDigits)) return false;
  if (tenDigits[1] === '1' && tenDigits[2] === '1') return false;
  if (tenDigits[4] === '1' && tenDigits[5] === '1') return false;
  return true;
}
