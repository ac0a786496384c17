/**
 * MinHash signatures by one-permutation hashing with optimal densification (Li et al. 2012; Shrivastava 2017):
 * one hash per shingle fills all k bins, instead of k hashes per shingle. 32-bit Math.imul arithmetic only
 * (BigInt is ~19× slower). Shingles are word n-grams over normalised text, as the large-corpus deduplicators do:
 * lowercase, punctuation and whitespace collapsed. Unlike web-scale deduplicators we keep digits: fine-tuning
 * corpora hold arithmetic and tables whose rows differ only in their numbers, and those are not duplicates. Scripts written without spaces (Han, kana,
 * Thai…) shingle per character, so Chinese text is not one giant "word".
 */

export interface ShingleOptions {
  shingleSize: number;
  /** Only compute the normalised key and token count (scratch.normalizedKey, scratch.tokens); no shingles. */
  keyOnly?: boolean;
}

const FNV_OFFSET = 0x811c9dc5;
const KEY_MUL_A = 0x2545f491;
const KEY_MUL_B = 0x61c88647;
const FNV_PRIME = 0x01000193;
const SHINGLE_MUL = 0x9e3779b1;

/** murmur3's finaliser: spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function isUnspacedScript(c: number): boolean {
  return (
    (c >= 0x3040 && c <= 0x30ff) || // hiragana, katakana
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x4e00 && c <= 0x9fff) || // CJK ideographs
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x0e00 && c <= 0x0e7f) || // Thai
    (c >= 0x0e80 && c <= 0x0eff) || // Lao
    (c >= 0x1000 && c <= 0x109f) || // Myanmar
    (c >= 0x1780 && c <= 0x17ff) // Khmer
  );
}

/** Word characters for shingling: ASCII letters and digits, and any non-ASCII letter outside punctuation blocks. */
function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
  if (c >= 0x2000 && c <= 0x2bff) return false; // general punctuation, symbols, arrows, box drawing
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xff00 && c <= 0xff0f) return false; // fullwidth punctuation
  if (c >= 0xd800 && c <= 0xdfff) return false; // surrogates: emoji and other astral symbols are not words
  if (c === 0xa0 || c === 0xad || c === 0xfeff) return false;
  return true;
}

/**
 * Hashes of the word n-gram shingles of `text`, deduplicated and sorted (so two sets can be intersected by merge).
 * A text shorter than n words gives one shingle of all its words; a text with no words gives an empty set.
 */
export function shingleHashes(text: string, options: ShingleOptions, scratch?: ShingleScratch): Uint32Array {
  const n = options.shingleSize;
  const keyOnly = options.keyOnly === true;
  const s = scratch ?? new ShingleScratch();
  // ASCII is lowercased through a table; only text with other scripts pays for a full toLowerCase().
  const lower = NON_ASCII.test(text) ? text.toLowerCase() : text;
  const ring = s.ring(n);
  const out = s.begin(lower.length);
  let tokens = 0;
  let count = 0;
  let h = FNV_OFFSET;
  let inWord = false;
  let keyA = 0x12345678;
  let keyB = 0x9abcdef0;
  const length = lower.length;
  let rolling = 0;
  let pos = 0;
  const powN = shinglePower(n);
  ring.fill(0, 0, n);

  for (let i = 0; i <= length; i++) {
    let token = -1;
    if (i < length) {
      const c = lower.charCodeAt(i);
      if (c < 0x80) {
        const folded = ASCII_WORD[c]!;
        if (folded !== 0) {
          h = inWord ? Math.imul(h ^ folded, FNV_PRIME) : Math.imul(FNV_OFFSET ^ folded, FNV_PRIME);
          inWord = true;
          continue;
        }
      } else if (isWordChar(c)) {
        if (!isUnspacedScript(c)) {
          h = inWord ? Math.imul(h ^ c, FNV_PRIME) : Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
          inWord = true;
          continue;
        }
        // A character of an unspaced script ends the current word and is a token of its own.
        if (inWord) {
          token = h >>> 0;
          i--; // come back to this character once the word is emitted
          inWord = false;
        } else token = fmix32(Math.imul(FNV_OFFSET ^ c, FNV_PRIME));
      }
    }
    if (token === -1) {
      if (!inWord) continue;
      token = h >>> 0;
      inWord = false;
    }
    keyA = Math.imul(keyA ^ token, KEY_MUL_A) + 1;
    keyB = Math.imul(keyB + token, KEY_MUL_B) ^ (keyB >>> 15);
    // Rolling polynomial hash of the last n tokens: O(1) per token, no modulo in the loop.
    rolling = (Math.imul(rolling, SHINGLE_MUL) + token - Math.imul(ring[pos]!, powN)) | 0;
    ring[pos] = token;
    if (++pos === n) pos = 0;
    tokens++;
    if (tokens >= n && !keyOnly) out[count++] = fmix32(rolling);
  }
  // The token sequence itself is the normalised text: its hash is the exact-after-normalisation key.
  s.normalizedKey = (fmix32(keyA ^ tokens) & 0x1fffff) * 4294967296 + fmix32(keyB + tokens);
  s.tokens = tokens;
  if (keyOnly) return EMPTY;
  // Fewer words than a shingle: the whole text is one shingle.
  if (tokens > 0 && tokens < n) out[count++] = fmix32(rolling);
  return sortUnique(out, count);
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** For each ASCII code: 0 for a separator, else the lowercased character code. */
const ASCII_WORD = (() => {
  const table = new Uint16Array(128);
  for (let c = 0x30; c <= 0x39; c++) table[c] = c;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = c;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = c + 32;
  return table;
})();

const EMPTY = new Uint32Array(0);

/** SHINGLE_MUL^n mod 2^32: the weight with which a token leaves the rolling hash. */
function shinglePower(n: number): number {
  let p = 1;
  for (let i = 0; i < n; i++) p = Math.imul(p, SHINGLE_MUL);
  return p;
}

function sortUnique(buf: Uint32Array, count: number): Uint32Array {
  const view = buf.subarray(0, count);
  view.sort();
  let w = 0;
  for (let r = 0; r < count; r++) if (r === 0 || view[r] !== view[r - 1]) view[w++] = view[r]!;
  return view.slice(0, w);
}

/** Reusable buffers, so the hot loop allocates only the result. */
export class ShingleScratch {
  /** After shingleHashes(): a 53-bit key of the normalised token sequence, and the token count. */
  normalizedKey = 0;
  tokens = 0;
  private buf = new Uint32Array(1024);
  private ringBuf = new Uint32Array(8);
  begin(maxTokens: number): Uint32Array {
    if (this.buf.length < maxTokens + 1) this.buf = new Uint32Array(Math.max(maxTokens + 1, this.buf.length * 2));
    return this.buf;
  }
  ring(n: number): Uint32Array {
    if (this.ringBuf.length < n) this.ringBuf = new Uint32Array(n);
    return this.ringBuf;
  }
}

/**
 * A k-value MinHash signature from sorted shingle hashes by one-permutation hashing: the shingle's high bits pick its
 * bin, the minimum per bin is kept, and empty bins borrow from a bin chosen by a per-bin hash sequence (optimal
 * densification), which keeps the collision probability equal to the Jaccard similarity.
 */
export function minhashSignature(shingles: Uint32Array, k: number, out: Uint32Array = new Uint32Array(k)): Uint32Array {
  out.fill(0xffffffff);
  const filled = filledScratch(k);
  // Shingle hashes are already fmix32-mixed: the high bits pick the bin, the rest order values within it.
  // A power-of-two k takes the bin from a shift; any other k from a multiply.
  const shift = Number.isInteger(Math.log2(k)) ? 32 - Math.log2(k) : -1;
  for (let i = 0; i < shingles.length; i++) {
    const h = shingles[i]!;
    const bin = shift > 0 ? h >>> shift : shift === 0 ? 0 : Math.floor((h / 4294967296) * k);
    const value = fmix32(h ^ 0x27d4eb2f);
    if (!filled[bin] || value < out[bin]!) {
      out[bin] = value;
      filled[bin] = 1;
    }
  }
  if (shingles.length === 0) return out;
  for (let bin = 0; bin < k; bin++) {
    if (filled[bin]) continue;
    for (let attempt = 1; ; attempt++) {
      const probe = Math.floor((fmix32(Math.imul(bin + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca6b)) / 4294967296) * k);
      if (filled[probe] === 1) {
        out[bin] = out[probe]!;
        break;
      }
    }
  }
  return out;
}

let filledBuf = new Uint8Array(128);
function filledScratch(k: number): Uint8Array {
  if (filledBuf.length < k) filledBuf = new Uint8Array(k);
  const view = filledBuf.subarray(0, k);
  view.fill(0);
  return view;
}

/** One 32-bit key per LSH band; the band index is mixed in so all bands can share one table. */
export function bandKeys(signature: Uint32Array, bands: number, rowsPerBand: number, out: Uint32Array = new Uint32Array(bands)): Uint32Array {
  for (let b = 0; b < bands; b++) {
    let h = Math.imul(b + 1, 0x9e3779b1);
    const base = b * rowsPerBand;
    for (let r = 0; r < rowsPerBand; r++) h = Math.imul(h ^ signature[base + r]!, 0x01000193) + 0x7f4a7c15;
    out[b] = fmix32(h);
  }
  return out;
}

/** Exact Jaccard similarity of two sorted, deduplicated hash sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      inter++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}

/** Probability that a pair with Jaccard s becomes an LSH candidate: 1 − (1 − s^r)^b. */
export function candidateProbability(similarity: number, bands: number, rowsPerBand: number): number {
  return 1 - (1 - similarity ** rowsPerBand) ** bands;
}
