/**
 * Hashed sparse text features for the label-noise classifier: lowercased word unigrams and bigrams, hashed with
 * 32-bit FNV-1a (Math.imul, no BigInt) into 2^bits buckets. A row becomes a small Uint32Array of distinct bucket
 * ids, so a sampled corpus costs a few hundred bytes per row however long the rows are.
 * Digits fold to 0 (order numbers and dates say nothing about a class); scripts written without spaces (Han, kana)
 * yield one token per character, so their bigrams are character bigrams, the usual choice for CJK classification.
 */
import { fmix32 } from './minhash';

export const DEFAULT_FEATURE_BITS = 18;
export const DEFAULT_MAX_FEATURES = 128;

export interface TextFeatureOptions {
  /** log2 of the bucket count (default 18: 262,144 buckets; at most 26). */
  bits?: number;
  /** Distinct features kept per row (default 128). */
  maxFeatures?: number;
  /** Also emit word bigrams (default true). */
  bigrams?: boolean;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// Distinct seeds keep a unigram and a bigram that happen to share a raw hash in different buckets.
const UNIGRAM_SEED = 0x3c6ef372;
const BIGRAM_SEED = 0xa54ff53a;
const LOWERCASE_CHUNK = 4096;

/** A 32-bit hash of `value` under `seed`: the same pair always gives the same hash, in any process. */
export function seededHash(seed: number, value: number): number {
  return fmix32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ fmix32(value >>> 0) ^ Math.floor(value / 4294967296));
}

function isUnspacedScript(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff);
}

/** ASCII letters and digits, and non-ASCII characters outside the punctuation, symbol and surrogate ranges. */
function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
  if (c >= 0x2000 && c <= 0x2bff) return false;
  if (c >= 0x3000 && c <= 0x303f) return false;
  if (c >= 0xff00 && c <= 0xff0f) return false;
  if (c >= 0xd800 && c <= 0xdfff) return false;
  return c !== 0xa0 && c !== 0xad && c !== 0xfeff && c !== 0xd7 && c !== 0xf7 && !(c >= 0xa1 && c <= 0xbf);
}

// Deduplication: a small open-addressing set of the row's buckets, at most a quarter full at the cap, so it
// lives in L1 cache (a 2^18-entry table would cost a cache miss per token). Reused across rows.
let seen = new Int32Array(512);

function seenSet(maxFeatures: number): Int32Array {
  let size = 16;
  while (size < maxFeatures * 4) size *= 2;
  if (seen.length !== size) seen = new Int32Array(size);
  seen.fill(-1);
  return seen;
}

/**
 * The distinct hashed features of `text` in reading order, at most `maxFeatures` of them. Scanning stops once the cap
 * is reached, so a long row costs no more than its opening; the opening of a message is where its intent usually is.
 */
export function hashedFeatures(text: string, options: TextFeatureOptions = {}): Uint32Array {
  const bits = options.bits ?? DEFAULT_FEATURE_BITS;
  const maxFeatures = options.maxFeatures ?? DEFAULT_MAX_FEATURES;
  const bigrams = options.bigrams ?? true;
  if (!Number.isInteger(bits) || bits < 1 || bits > 26) throw new RangeError(`bits must be an integer between 1 and 26, got ${bits}`);
  if (!Number.isInteger(maxFeatures) || maxFeatures < 1) throw new RangeError(`maxFeatures must be a positive integer, got ${maxFeatures}`);
  const shift = 32 - bits;
  const set = seenSet(maxFeatures);
  const mask = set.length - 1;
  const setShift = 32 - Math.log2(set.length);
  const out = new Uint32Array(maxFeatures);
  let n = 0;
  let prev = 0;
  let hasPrev = false;

  const add = (hash: number): boolean => {
    const bucket = hash >>> shift;
    // The probe start must depend on the bucket alone, or two hashes sharing a bucket would both get in.
    let slot = Math.imul(bucket, 0x9e3779b1) >>> setShift;
    for (;;) {
      const at = set[slot]!;
      if (at === bucket) return false;
      if (at === -1) break;
      slot = (slot + 1) & mask;
    }
    set[slot] = bucket;
    out[n++] = bucket;
    return n >= maxFeatures;
  };
  const emit = (token: number): boolean => {
    if (add(fmix32(token ^ UNIGRAM_SEED))) return true;
    if (bigrams && hasPrev && add(fmix32(Math.imul(prev, FNV_PRIME) ^ token ^ BIGRAM_SEED))) return true;
    prev = token;
    hasPrev = true;
    return false;
  };

  // Lowercasing is done in chunks so a megabyte row is not copied whole when its first kilobyte fills the cap.
  let h = FNV_OFFSET;
  let inWord = false;
  let full = false;
  for (let start = 0; start < text.length && !full; start += LOWERCASE_CHUNK) {
    const lower = text.slice(start, start + LOWERCASE_CHUNK).toLowerCase();
    for (let i = 0, len = lower.length; i < len; i++) {
      let c = lower.charCodeAt(i);
      if (isWordChar(c)) {
        if (isUnspacedScript(c)) {
          if (inWord && (full = emit(h))) break;
          inWord = false;
          h = FNV_OFFSET;
          if ((full = emit(fmix32(Math.imul(FNV_OFFSET ^ c, FNV_PRIME))))) break;
          continue;
        }
        if (c >= 0x30 && c <= 0x39) c = 0x30;
        h = Math.imul(h ^ c, FNV_PRIME);
        inWord = true;
      } else if (inWord) {
        inWord = false;
        if ((full = emit(h))) break;
        h = FNV_OFFSET;
      }
    }
  }
  if (inWord && !full) emit(h);
  return n === maxFeatures ? out : out.slice(0, n);
}
