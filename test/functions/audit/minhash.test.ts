import { describe, expect, it } from 'vitest';
import { bandKeys, candidateProbability, jaccard, minhashSignature, sortedSet } from '../../../functions/audit/minhash';
import { Shingler } from '../../../functions/audit/shingles';
import { NearDuplicateIndex } from '../../../functions/audit/near-duplicate-index';
import { SeededRandom } from '../../../infra/demo/synthetic-corpus';

const opts = { shingleSize: 5 };
/** Sorted set of a text's shingles (a copy: the Shingler reuses its buffer). */
const shingleHashes = (text: string, o = opts) => sortedSet(new Shingler(o).text(text).shingles);
const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega river stone cloud paper'.split(' ');

function doc(rng: SeededRandom, n: number): string[] {
  return Array.from({ length: n }, () => rng.pick(WORDS));
}

describe('Shingler', () => {
  it('normalises case, punctuation and whitespace, but keeps digits', () => {
    const a = shingleHashes('The quick, brown fox jumps over the lazy dog!', opts);
    const b = shingleHashes('the   QUICK brown fox -- jumps over the lazy dog', opts);
    expect(jaccard(a, b)).toBe(1);
    const s = new Shingler(opts);
    const k1 = s.text('What is 2 + 3? It is 5.').key;
    expect(s.text('What is 4 + 7? It is 11.').key).not.toBe(k1);
    expect(s.text('what is 2 3 it is 5').key).toBe(k1);
  });

  it('keys a row and its prompt side in one pass; roles count', () => {
    const s = new Shingler(opts);
    const q = { role: 'user', text: 'What is the boiling point of water at sea level?' };
    const a = s.row([q, { role: 'assistant', text: '100 degrees Celsius.' }]);
    const aKey = a.key;
    const aPrompt = a.promptKey;
    const b = s.row([q, { role: 'assistant', text: 'It boils at 212 F.' }]);
    expect(b.key).not.toBe(aKey);
    expect(b.promptKey).toBe(aPrompt);
    expect(b.promptTokens).toBe(10);
    expect(s.row([{ role: 'assistant', text: q.text }, { role: 'assistant', text: '100 degrees Celsius.' }]).key).not.toBe(aKey);
  });

  it('shingles unspaced scripts per character and gives short texts one shingle', () => {
    expect(shingleHashes('机器学习模型的训练数据需要清洗', opts).length).toBeGreaterThan(5);
    expect(shingleHashes('hello world', opts).length).toBe(1);
    expect(shingleHashes('  ... !!! ', opts).length).toBe(0);
  });

  it('sortedSet sorts and deduplicates repeated shingles', () => {
    const raw = new Shingler(opts).text('a b c d e a b c d e a b c d e').shingles;
    expect(raw.length).toBe(11);
    const s = sortedSet(raw);
    expect(s.length).toBe(5);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
  });
});

describe('jaccard and MinHash', () => {
  it('computes exact Jaccard on sorted sets', () => {
    expect(jaccard(Uint32Array.of(1, 2, 3, 4), Uint32Array.of(3, 4, 5, 6))).toBeCloseTo(2 / 6);
    expect(jaccard(new Uint32Array(), new Uint32Array())).toBe(1);
  });

  it('estimates Jaccard from one-permutation signatures without bias', () => {
    const rng = new SeededRandom(3);
    let errSum = 0;
    let n = 0;
    for (let t = 0; t < 40; t++) {
      const a = doc(rng, 300);
      const b = [...a];
      for (let k = 0; k < 10 + t; k++) b[rng.int(b.length)] = `w${k}`;
      const sa = shingleHashes(a.join(' '), opts);
      const sb = shingleHashes(b.join(' '), opts);
      const ma = minhashSignature(sa, 128);
      const mb = minhashSignature(sb, 128);
      let eq = 0;
      for (let i = 0; i < 128; i++) if (ma[i] === mb[i]) eq++;
      errSum += eq / 128 - jaccard(sa, sb);
      n++;
    }
    expect(Math.abs(errSum / n)).toBeLessThan(0.03);
  });

  it('matches the LSH candidate curve from DESIGN.md', () => {
    expect(candidateProbability(0.85, 16, 8)).toBeCloseTo(0.994, 2);
    expect(candidateProbability(0.5, 16, 8)).toBeCloseTo(0.06, 2);
    expect(candidateProbability(0.85, 8, 16)).toBeCloseTo(0.46, 2);
  });

  it('gives identical band keys to identical texts', () => {
    const s = shingleHashes('one two three four five six seven', opts);
    expect([...bandKeys(minhashSignature(s, 128), 16, 8)]).toEqual([...bandKeys(minhashSignature(s, 128), 16, 8)]);
  });
});

describe('NearDuplicateIndex', () => {
  it('finds pairs above the threshold and verifies candidates exactly', () => {
    const rng = new SeededRandom(5);
    let found = 0;
    let above = 0;
    let falseMatches = 0;
    for (let t = 0; t < 200; t++) {
      const index = new NearDuplicateIndex({ bands: 16, rowsPerBand: 8, threshold: 0.85 });
      const a = doc(rng, 200);
      const b = [...a];
      const edits = rng.int(25);
      for (let k = 0; k < edits; k++) b[rng.int(b.length)] = `edit${k}`;
      const sa = shingleHashes(a.join(' '), opts);
      const sb = shingleHashes(b.join(' '), opts);
      index.insert(1, sa);
      const match = index.query(sb);
      const j = jaccard(sa, sb);
      if (j >= 0.85) {
        above++;
        if (match) found++;
      } else if (match) falseMatches++;
    }
    expect(above).toBeGreaterThan(20);
    expect(found / above).toBeGreaterThan(0.95);
    expect(falseMatches).toBe(0);
  });

  it('reports the id it was given and the verified similarity', () => {
    const index = new NearDuplicateIndex({ bands: 16, rowsPerBand: 8, threshold: 0.85 });
    const s = shingleHashes('a quick check of the near duplicate index with enough words to shingle', opts);
    index.insert(42, s);
    expect(index.query(s)).toEqual({ id: 42, similarity: 1 });
    expect(index.query(shingleHashes('completely different words appear in this other sentence here', opts))).toBeUndefined();
  });
});

describe('band keys at scale', () => {
  it('are exact integers below 2^52 whose low 32 bits are the slot hash, and do not collide by chance across 3.2 million keys', () => {
    const rows = 200_000;
    const bands = 16;
    const keys = new Float64Array(rows * bands);
    const signature = new Uint32Array(bands * 8);
    let state = 12345;
    const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0), state);
    const out = new Float64Array(bands);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < signature.length; i++) signature[i] = next();
      keys.set(bandKeys(signature, bands, 8, out), r * bands);
    }
    expect(keys.every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 52)).toBe(true);
    const sorted = keys.slice().sort();
    let duplicates = 0;
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) duplicates++;
    expect(duplicates).toBe(0);
    // In 32 bits the same keys would collide by the thousand (3.2M keys in 2^32: ~1,200 expected pairs).
    const low = keys.map((k) => k % 4294967296).sort();
    let lowDuplicates = 0;
    for (let i = 1; i < low.length; i++) if (low[i] === low[i - 1]) lowDuplicates++;
    expect(lowDuplicates).toBeGreaterThan(500);
  });
});
