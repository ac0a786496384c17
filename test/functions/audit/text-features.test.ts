import { describe, expect, it } from 'vitest';
import { hashedFeatures, seededHash } from '../../../functions/audit/text-features';

const sorted = (a: Uint32Array): number[] => [...a].sort((x, y) => x - y);

describe('hashedFeatures', () => {
  it('is deterministic and ignores case, punctuation and spacing', () => {
    const a = hashedFeatures('Hello, World!  How are you?');
    expect(a.length).toBeGreaterThan(0);
    expect(sorted(hashedFeatures('hello world how are you'))).toEqual(sorted(a));
    expect(sorted(hashedFeatures('HELLO world -- how ... are\tyou'))).toEqual(sorted(a));
  });

  it('emits one unigram per distinct word and one bigram per adjacent pair', () => {
    // 3 distinct words + 3 bigrams; the repeated "the" adds no feature.
    expect(hashedFeatures('the cat the dog').length).toBe(6);
    expect(hashedFeatures('the cat the dog', { bigrams: false }).length).toBe(3);
    expect(hashedFeatures('cat').length).toBe(1);
  });

  it('keeps word order through bigrams', () => {
    const ab = hashedFeatures('refund card');
    const ba = hashedFeatures('card refund');
    const unigramsAb = hashedFeatures('refund card', { bigrams: false });
    expect(sorted(unigramsAb)).toEqual(sorted(hashedFeatures('card refund', { bigrams: false })));
    expect(sorted(ab)).not.toEqual(sorted(ba));
  });

  it('folds digits so order numbers and dates do not become features of their own', () => {
    expect(sorted(hashedFeatures('order 12345 on 2024-01-31'))).toEqual(sorted(hashedFeatures('order 99999 on 1999-12-01')));
    expect(sorted(hashedFeatures('order 1'))).not.toEqual(sorted(hashedFeatures('order 12')));
  });

  it('returns distinct bucket ids inside the hash space', () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i * 7) % 26))}`).join(' ');
    for (const bits of [4, 10, 18]) {
      const f = hashedFeatures(text, { bits, maxFeatures: 1000 });
      expect(new Set(f).size).toBe(f.length);
      expect(Math.max(...f)).toBeLessThan(2 ** bits);
    }
    // 16 buckets cannot hold more than 16 distinct features.
    expect(hashedFeatures(text, { bits: 4, maxFeatures: 1000 }).length).toBeLessThanOrEqual(16);
  });

  it('caps the features per row and stops reading a long row early', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36).replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!)}`);
    expect(hashedFeatures(words.join(' '), { maxFeatures: 64 }).length).toBe(64);
    // The cap is reached in the opening words, so whatever follows in a 5 MB row does not matter.
    const opening = words.slice(0, 100).join(' ');
    const f = hashedFeatures(`${opening} ${'zq '.repeat(2_000_000)}`, { maxFeatures: 128 });
    expect(f).toEqual(hashedFeatures(opening, { maxFeatures: 128 }));
  });

  it('splits unspaced scripts into characters and keeps other scripts as words', () => {
    // 4 Han characters: 4 unigrams + 3 character bigrams.
    expect(hashedFeatures('退款申请').length).toBe(7);
    expect(hashedFeatures('возврат денег').length).toBe(3);
    expect(sorted(hashedFeatures('ВОЗВРАТ денег'))).toEqual(sorted(hashedFeatures('возврат денег')));
    expect(hashedFeatures('مرحبا بالعالم').length).toBe(3);
  });

  it('gives nothing for text without words', () => {
    expect(hashedFeatures('').length).toBe(0);
    expect(hashedFeatures('  ... !!! 👍🏽 — ').length).toBe(0);
  });

  it('rejects invalid options', () => {
    expect(() => hashedFeatures('x', { bits: 0 })).toThrow(RangeError);
    expect(() => hashedFeatures('x', { bits: 40 })).toThrow(RangeError);
    expect(() => hashedFeatures('x', { maxFeatures: 0 })).toThrow(RangeError);
  });
});

describe('seededHash', () => {
  it('depends on both seed and value, and is a uint32', () => {
    expect(seededHash(1, 42)).toBe(seededHash(1, 42));
    expect(seededHash(1, 42)).not.toBe(seededHash(2, 42));
    expect(seededHash(1, 42)).not.toBe(seededHash(1, 43));
    // Row indices past 2^32 still hash differently from their low 32 bits.
    expect(seededHash(1, 2 ** 32 + 5)).not.toBe(seededHash(1, 5));
    const h = seededHash(7, 123456);
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
  });

  it('spreads consecutive row indices evenly', () => {
    const buckets = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) buckets[seededHash(3, i) >>> 28]!++;
    for (const b of buckets) {
      expect(b).toBeGreaterThan(850);
      expect(b).toBeLessThan(1150);
    }
  });
});
