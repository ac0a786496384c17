import { describe, expect, it } from 'vitest';
import {
  CosineIndex,
  cosineCandidateProbability,
  DEFAULT_COSINE_BANDS,
  DEFAULT_COSINE_BITS_PER_BAND,
  hyperplaneAgreement,
} from '../../../functions/audit/cosine-index';
import { SeededRandom } from '../../../infra/demo/synthetic-corpus';

const B = DEFAULT_COSINE_BANDS;
const R = DEFAULT_COSINE_BITS_PER_BAND;

function gaussian(rng: SeededRandom): number {
  const u = rng.next() || 1e-12;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** A uniformly random direction. */
function randomUnit(rng: SeededRandom, d: number): Float32Array {
  const v = new Float32Array(d);
  let n = 0;
  for (let i = 0; i < d; i++) n += (v[i] = gaussian(rng)) ** 2;
  n = Math.sqrt(n);
  for (let i = 0; i < d; i++) v[i]! /= n;
  return v;
}

/** A random unit vector at exactly cosine `c` from unit vector x: c·x + √(1−c²)·z with z ⊥ x. */
function atCosine(rng: SeededRandom, x: Float32Array, c: number): Float32Array {
  const z = randomUnit(rng, x.length);
  let dot = 0;
  for (let i = 0; i < x.length; i++) dot += z[i]! * x[i]!;
  let n = 0;
  for (let i = 0; i < x.length; i++) n += (z[i]! -= dot * x[i]!) ** 2;
  n = Math.sqrt(n);
  const s = Math.sqrt(1 - c * c);
  return x.map((xi, i) => c * xi + (s * z[i]!) / n);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe('the band choice, analytically: P(same bit) = 1 − θ/π, P(candidate) = 1 − (1 − p^r)^b', () => {
  it('uses 64 bands of 24 bits by default', () => {
    expect([B, R]).toEqual([64, 24]);
  });

  it('gives the bit agreement of a random hyperplane', () => {
    expect(hyperplaneAgreement(1)).toBe(1);
    expect(hyperplaneAgreement(0)).toBeCloseTo(0.5, 12);
    expect(hyperplaneAgreement(-1)).toBe(0);
    expect(hyperplaneAgreement(0.95)).toBeCloseTo(1 - Math.acos(0.95) / Math.PI, 12);
    expect(hyperplaneAgreement(0.95)).toBeCloseTo(0.8989, 4);
    expect(hyperplaneAgreement(0.8)).toBeCloseTo(0.7952, 4);
  });

  it('catches ≥ 99% of pairs at the 0.95 threshold and few far below it', () => {
    const table = Object.fromEntries([0.99, 0.95, 0.9, 0.8, 0.7, 0.5, 0].map((c) => [c, cosineCandidateProbability(c, B, R)]));
    expect(table[0.99]).toBeGreaterThan(0.9999);
    expect(table[0.95]).toBeGreaterThanOrEqual(0.99);
    expect(table[0.95]).toBeCloseTo(0.9943, 4);
    expect(table[0.9]).toBeCloseTo(0.792, 3);
    expect(table[0.8]).toBeCloseTo(0.230, 3);
    expect(table[0.7]).toBeCloseTo(0.056, 3);
    expect(table[0.5]).toBeLessThan(0.004);
    expect(table[0]).toBeLessThan(4e-6);
  });

  it('shows why pairs at 0.8 cannot be made much rarer: at 99% recall the remaining rate falls only with many more bands', () => {
    // For r bits, the fewest bands reaching 99% at 0.95, and what that costs at 0.8.
    const at = (r: number) => {
      const b = Math.ceil(Math.log(0.01) / Math.log(1 - hyperplaneAgreement(0.95) ** r));
      return { r, b, at08: cosineCandidateProbability(0.8, b, r) };
    };
    const r16 = at(16);
    const r24 = at(24);
    const r32 = at(32);
    const r50 = at(50);
    expect(r16).toMatchObject({ b: 23 });
    expect(r16.at08).toBeGreaterThan(0.4);
    expect(r24.b).toBeLessThanOrEqual(B);
    expect(r32.b).toBeGreaterThan(130);
    expect(r32.at08).toBeGreaterThan(0.05);
    expect(r50.b).toBeGreaterThan(900);
    expect(r50.at08).toBeLessThan(0.015);
  });
});

describe('the band choice, measured', () => {
  // 2,000 random 1,024-dim vectors; each is queried with a partner at an exact cosine. Random vectors are nearly
  // orthogonal to each other, so a match with the partner's own id is the pair becoming a candidate.
  const d = 1024;
  const n = 2000;
  const rng = new SeededRandom(7);
  const bases = Array.from({ length: n }, () => randomUnit(rng, d));

  function candidateRate(c: number): number {
    const index = new CosineIndex({ dimensions: d, threshold: c - 0.01 });
    bases.forEach((x, i) => index.insert(i, x));
    let found = 0;
    for (let i = 0; i < n; i++) if (index.query(atCosine(rng, bases[i]!, c))?.id === i) found++;
    return found / n;
  }

  it.each([0.95, 0.9, 0.8, 0.7])('matches the analytic rate at cosine %s within 4 standard errors', (c) => {
    const expected = cosineCandidateProbability(c, B, R);
    const sigma = Math.sqrt((expected * (1 - expected)) / n);
    expect(Math.abs(candidateRate(c) - expected)).toBeLessThan(4 * sigma + 0.002);
  });

  it('finds at least 99% of the pairs at 0.95', () => {
    expect(candidateRate(0.95)).toBeGreaterThanOrEqual(0.99);
  });

  it('sees almost no candidates between unrelated vectors', () => {
    const index = new CosineIndex({ dimensions: d });
    bases.forEach((x, i) => index.insert(i, x));
    for (let i = 0; i < 500; i++) index.query(randomUnit(rng, d));
    // Expected 500 queries × 2,000 rows × 64 bands × 2^−24 ≈ 3.8 distinct candidates in all.
    expect(index.stats.candidates).toBeLessThan(20);
    expect(index.stats.cappedQueries).toBe(0);
  });
});

describe('CosineIndex', () => {
  const d = 64;

  it('returns the best verified match at or above the threshold, with its exact cosine', () => {
    const rng = new SeededRandom(1);
    const x = randomUnit(rng, d);
    const near = atCosine(rng, x, 0.97);
    const nearer = atCosine(rng, x, 0.99);
    const index = new CosineIndex({ dimensions: d });
    index.insert(10, near);
    index.insert(20, nearer);
    index.insert(30, randomUnit(rng, d));
    const match = index.query(x);
    expect(match?.id).toBe(20);
    expect(match?.similarity).toBeCloseTo(cosine(x, nearer), 5);
    expect(match?.similarity).toBeCloseTo(0.99, 5);
  });

  it('does not return a candidate below the threshold', () => {
    const rng = new SeededRandom(2);
    const x = randomUnit(rng, d);
    const index = new CosineIndex({ dimensions: d, threshold: 0.95 });
    index.insert(1, atCosine(rng, x, 0.94));
    expect(index.query(x)).toBeUndefined();
    const loose = new CosineIndex({ dimensions: d, threshold: 0.9 });
    loose.insert(1, atCosine(rng, x, 0.94));
    expect(loose.query(x)?.id).toBe(1);
  });

  it('normalises: a scaled copy is the same direction, similarity 1', () => {
    const rng = new SeededRandom(3);
    const x = randomUnit(rng, d);
    const index = new CosineIndex({ dimensions: d });
    index.insert(5, x.map((v) => v * 37));
    expect(index.query(x.map((v) => v * 0.001))).toEqual({ id: 5, similarity: expect.closeTo(1, 6) });
  });

  it('queryOrInsert keeps the earliest row as the representative', () => {
    const rng = new SeededRandom(4);
    const x = randomUnit(rng, d);
    const index = new CosineIndex({ dimensions: d });
    expect(index.queryOrInsert(1, x)).toBeUndefined();
    expect(index.queryOrInsert(2, atCosine(rng, x, 0.99))?.id).toBe(1);
    expect(index.queryOrInsert(3, atCosine(rng, x, 0.98))?.id).toBe(1);
    expect(index.queryOrInsert(4, randomUnit(rng, d))).toBeUndefined();
    expect(index.size).toBe(2);
  });

  it('keeps every vector across pool chunks and table growth', () => {
    const rng = new SeededRandom(5);
    const index = new CosineIndex({ dimensions: 32 });
    const vectors = Array.from({ length: 10_000 }, () => randomUnit(rng, 32));
    vectors.forEach((v, i) => index.insert(i + 1, v));
    expect(index.size).toBe(10_000);
    for (const i of [0, 1, 4095, 4096, 4097, 8191, 8192, 9999]) {
      expect(index.query(vectors[i]!)).toEqual({ id: i + 1, similarity: expect.closeTo(1, 5) });
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const rng = new SeededRandom(6);
    const x = randomUnit(rng, d);
    const partners = Array.from({ length: 300 }, () => atCosine(rng, x, 0.85));
    const run = (seed: number) => {
      const index = new CosineIndex({ dimensions: d, seed, threshold: 0.8 });
      index.insert(0, x);
      return partners.map((p) => (index.query(p) ? 1 : 0)).join('');
    };
    expect(run(11)).toBe(run(11));
    expect(run(11)).not.toBe(run(12));
  });

  it('caps verification on degenerate corpora, verifying the rows that share the most bands first', () => {
    const rng = new SeededRandom(8);
    const x = randomUnit(rng, d);
    const index = new CosineIndex({ dimensions: d, maxCandidates: 16 });
    // The true duplicate first (so it sits at the end of every chain), then 2,000 rows at 0.9 to x: candidates 79% of
    // the time (about 50 in each band), never matches.
    index.insert(10_000, atCosine(rng, x, 0.995));
    for (let i = 0; i < 2000; i++) index.insert(i, atCosine(rng, x, 0.9));
    const match = index.query(x);
    expect(match?.id).toBe(10_000);
    expect(index.stats.cappedQueries).toBe(1);
    expect(index.stats.candidates).toBeGreaterThan(1000);
    expect(index.stats.verified).toBe(16);
  });

  it('refuses vectors it cannot compare', () => {
    const index = new CosineIndex({ dimensions: 4 });
    expect(() => index.insert(1, [1, 2, 3])).toThrow(/3 dimensions, the index 4/);
    expect(() => index.query([0, 0, 0, 0])).toThrow(/cannot be normalised/);
    expect(() => index.insert(1, [1, Number.NaN, 0, 0])).toThrow(/cannot be normalised/);
    expect(() => new CosineIndex({ dimensions: 4, bitsPerBand: 33 })).toThrow(RangeError);
    expect(() => new CosineIndex({ dimensions: 0 })).toThrow(RangeError);
  });

  it('holds vectors and band entries in typed arrays of predictable size', () => {
    const rng = new SeededRandom(9);
    const index = new CosineIndex({ dimensions: 256 });
    for (let i = 0; i < 5000; i++) index.insert(i, randomUnit(rng, 256));
    // 2 chunks of 4,096 vectors × 1 KiB, plus 64 band entries × 8 bytes per row (rounded up to a power of two) and heads.
    const vectors = 2 * 4096 * 256 * 4;
    expect(index.bytes).toBeGreaterThan(vectors);
    expect(index.bytes).toBeLessThan(vectors + 5000 * 64 * 8 * 2 + 4 * 1024 * 1024);
  });
});
