import { fmix32 } from './minhash';

/**
 * Word n-gram shingles over normalised text, as the large-corpus deduplicators take them: lowercase, punctuation
 * and whitespace collapsed. Unlike web-scale deduplicators we keep digits: fine-tuning corpora hold arithmetic and
 * tables whose rows differ only in their numbers, and those are not duplicates. Scripts written without spaces
 * (Han, kana, Thai…) shingle per character, so Chinese text is not one giant "word".
 *
 * One pass over a row's segments gives everything the duplicate and leakage checks need: the shingles of the whole
 * example (role markers included), the key of the whole example after normalisation, and the key of its prompt
 * side. Shingles come out unsorted and may repeat: MinHash does not care, and exact Jaccard sorts the rare
 * candidates it verifies (minhash.ts `sortedSet`).
 */

export interface ShingleOptions {
  shingleSize: number;
}

export interface RowShingles {
  /** Valid until the next call on the same Shingler. */
  shingles: Uint32Array;
  /** 53-bit key of the whole normalised token sequence. */
  key: number;
  tokens: number;
  /** 53-bit key of the prompt side (user turns) only. */
  promptKey: number;
  promptTokens: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SHINGLE_MUL = 0x9e3779b1;
const KEY_MUL_A = 0x2545f491;
const KEY_MUL_B = 0x61c88647;
const SEGMENT_MARK = 0x5e9e47a1;
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

/** Non-ASCII word characters: letters of any script, outside punctuation and symbol blocks. */
function isWordChar(c: number): boolean {
  if (c >= 0x2000 && c <= 0x2bff) return false; // general punctuation, symbols, arrows, box drawing
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xff00 && c <= 0xff0f) return false; // fullwidth punctuation
  if (c >= 0xd800 && c <= 0xdfff) return false; // surrogates: emoji and other astral symbols are not words
  if (c === 0xa0 || c === 0xad || c === 0xfeff) return false;
  return true;
}

export class Shingler {
  private readonly n: number;
  private readonly powN: number;
  private ring: Uint32Array;
  private out = new Uint32Array(1024);
  // Running state of one row.
  private count = 0;
  private tokens = 0;
  private pos = 0;
  private rolling = 0;
  private keyA = 0;
  private keyB = 0;
  private promptA = 0;
  private promptB = 0;
  private promptTokens = 0;

  constructor(options: ShingleOptions) {
    this.n = options.shingleSize;
    this.ring = new Uint32Array(this.n);
    let p = 1;
    for (let i = 0; i < this.n; i++) p = Math.imul(p, SHINGLE_MUL);
    this.powN = p;
  }

  /** Shingles and keys of a row: each segment starts with a marker of its role, so roles count as words. */
  row(segments: readonly { role: string; text: string }[]): RowShingles {
    this.begin(segments.reduce((sum, s) => sum + s.text.length + 1, 0));
    for (const segment of segments) {
      const prompt = segment.role === 'user';
      this.token(fmix32(SEGMENT_MARK ^ roleCode(segment.role)), false);
      if (prompt && this.promptTokens > 0) this.promptToken(SEGMENT_MARK);
      this.words(segment.text, prompt);
    }
    return this.finish();
  }

  /** Shingles and key of one text. */
  text(text: string): RowShingles {
    this.begin(text.length);
    this.words(text, true);
    return this.finish();
  }

  private begin(maxTokens: number): void {
    if (this.out.length < maxTokens + 1) this.out = new Uint32Array(Math.max(maxTokens + 1, this.out.length * 2));
    this.ring.fill(0);
    this.count = 0;
    this.tokens = 0;
    this.pos = 0;
    this.rolling = 0;
    this.keyA = 0x12345678;
    this.keyB = 0x9abcdef0;
    this.promptA = 0x2468ace0;
    this.promptB = 0x13579bdf;
    this.promptTokens = 0;
  }

  // The hot loop: state lives in locals for the length of a text and is written back once.
  private words(text: string, prompt: boolean): void {
    // ASCII is lowercased through a table; only text with other scripts pays for a full toLowerCase().
    const lower = NON_ASCII.test(text) ? text.toLowerCase() : text;
    const length = lower.length;
    const n = this.n;
    const powN = this.powN;
    const ring = this.ring;
    const out = this.out;
    let { keyA, keyB, rolling, pos, tokens, count, promptA, promptB, promptTokens } = this;
    let h = FNV_OFFSET;
    let inWord = false;
    for (let i = 0; i <= length; i++) {
      let token: number;
      if (i < length) {
        const c = lower.charCodeAt(i);
        if (c < 0x80) {
          const folded = ASCII_WORD[c]!;
          if (folded !== 0) {
            h = inWord ? Math.imul(h ^ folded, FNV_PRIME) : Math.imul(FNV_OFFSET ^ folded, FNV_PRIME);
            inWord = true;
            continue;
          }
          if (!inWord) continue;
          token = h >>> 0;
          inWord = false;
        } else if (isWordChar(c) && !isUnspacedScript(c)) {
          h = inWord ? Math.imul(h ^ c, FNV_PRIME) : Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
          inWord = true;
          continue;
        } else if (inWord) {
          // The word ends here; an unspaced-script character is then read again as a token of its own.
          token = h >>> 0;
          inWord = false;
          if (isWordChar(c)) i--;
        } else if (isWordChar(c)) {
          token = fmix32(Math.imul(FNV_OFFSET ^ c, FNV_PRIME));
        } else continue;
      } else if (inWord) {
        token = h >>> 0;
        inWord = false;
      } else break;

      keyA = Math.imul(keyA ^ token, KEY_MUL_A) + 1;
      keyB = Math.imul(keyB + token, KEY_MUL_B) ^ (keyB >>> 15);
      if (prompt) {
        promptA = Math.imul(promptA ^ token, KEY_MUL_A) + 1;
        promptB = Math.imul(promptB + token, KEY_MUL_B) ^ (promptB >>> 15);
        promptTokens++;
      }
      // Rolling polynomial hash of the last n tokens: O(1) per token.
      rolling = (Math.imul(rolling, SHINGLE_MUL) + token - Math.imul(ring[pos]!, powN)) | 0;
      ring[pos] = token;
      if (++pos === n) pos = 0;
      if (++tokens >= n) out[count++] = fmix32(rolling);
    }
    this.keyA = keyA;
    this.keyB = keyB;
    this.rolling = rolling;
    this.pos = pos;
    this.tokens = tokens;
    this.count = count;
    this.promptA = promptA;
    this.promptB = promptB;
    this.promptTokens = promptTokens;
  }

  private token(token: number, prompt: boolean): void {
    this.keyA = Math.imul(this.keyA ^ token, KEY_MUL_A) + 1;
    this.keyB = Math.imul(this.keyB + token, KEY_MUL_B) ^ (this.keyB >>> 15);
    if (prompt) this.promptToken(token);
    this.rolling = (Math.imul(this.rolling, SHINGLE_MUL) + token - Math.imul(this.ring[this.pos]!, this.powN)) | 0;
    this.ring[this.pos] = token;
    if (++this.pos === this.n) this.pos = 0;
    if (++this.tokens >= this.n) this.out[this.count++] = fmix32(this.rolling);
  }

  private promptToken(token: number): void {
    this.promptA = Math.imul(this.promptA ^ token, KEY_MUL_A) + 1;
    this.promptB = Math.imul(this.promptB + token, KEY_MUL_B) ^ (this.promptB >>> 15);
    this.promptTokens++;
  }

  private finish(): RowShingles {
    // Fewer words than a shingle: the whole text is one shingle.
    if (this.tokens > 0 && this.tokens < this.n) this.out[this.count++] = fmix32(this.rolling);
    return {
      shingles: this.out.subarray(0, this.count),
      key: key53(this.keyA, this.keyB, this.tokens),
      tokens: this.tokens,
      promptKey: key53(this.promptA, this.promptB, this.promptTokens),
      promptTokens: this.promptTokens,
    };
  }
}

function key53(a: number, b: number, n: number): number {
  return (fmix32(a ^ n) & 0x1fffff) * 4294967296 + fmix32(b + n);
}

function roleCode(role: string): number {
  return role === 'system' ? 1 : role === 'user' ? 2 : role === 'assistant' ? 3 : 4;
}
