import { describe, expect, it } from 'vitest';
import { fmix32 } from '../../../functions/audit/minhash';
import type { EmbedOptions, Embedder } from '../../../functions/audit/embedder';
import { paraphrasePass, type ParaphraseRow } from '../../../functions/audit/paraphrase-pass';
import { SeededRandom } from '../../../infra/demo/synthetic-corpus';

/**
 * Deterministic stand-in for an embedding model: each word adds ±1 to a hashed dimension, so word order does not
 * matter and the cosine of two texts follows their shared vocabulary.
 */
class BagOfWordsEmbedder implements Embedder {
  readonly model = 'local:bag-of-words';
  readonly dimensions = 512;
  readonly calls: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly behaviour: {
      delayMs?: (call: number) => number;
      fail?: (texts: string[], call: number) => boolean;
      transform?: (vectors: Float32Array[], call: number) => Float32Array[];
    } = {},
  ) {}

  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const call = this.calls.push([...texts]) - 1;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.behaviour.delayMs?.(call) ?? 0));
      options.signal?.throwIfAborted();
      if (this.behaviour.fail?.(texts, call)) throw new Error(`503 Service Unavailable (call ${call})`);
      const vectors = texts.map((t) => this.vector(t));
      return this.behaviour.transform ? this.behaviour.transform(vectors, call) : vectors;
    } finally {
      this.inFlight--;
    }
  }

  vector(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      let h = 0x811c9dc5;
      for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
      const k = fmix32(h);
      v[k % this.dimensions]! += k & 0x80000000 ? 1 : -1;
    }
    return v;
  }
}

const VOCABULARY = 'account billing refund invoice password login error crash shipping order delivery address card payment upgrade plan cancel subscription export report chart filter search index sync backup restore device battery screen update driver printer network router wifi signal cable email calendar invite meeting share folder permission'.split(' ');

/** A distinct 30-word text per seed, from the 48-word vocabulary; two of them share little beyond chance. */
function sentence(seed: number): string {
  const rng = new SeededRandom(seed);
  return Array.from({ length: 30 }, () => `${rng.pick(VOCABULARY)}${rng.int(40)}`).join(' ');
}

/** Same words, different order: cosine 1 for the bag-of-words model. */
function reordered(text: string): string {
  return text.split(' ').reverse().join(' ');
}

/** One word more: cosine √(30/31) ≈ 0.984. */
function extended(text: string): string {
  return `${text} furthermore`;
}

async function* stream(rows: ParaphraseRow[], onClose?: () => void): AsyncGenerator<ParaphraseRow> {
  try {
    for (const row of rows) yield row;
  } finally {
    onClose?.();
  }
}

/** 40 rows: 4 paraphrases planted among 36 distinct texts. */
function plantedCorpus(): { rows: ParaphraseRow[]; expected: { line: number; duplicateOf: number }[] } {
  const rows: ParaphraseRow[] = [];
  for (let i = 0; i < 36; i++) rows.push({ line: 0, text: sentence(i + 1) });
  rows.splice(5, 0, { line: 0, text: reordered(sentence(2)) }); // paraphrase of row 2 (line 2), same batch
  rows.splice(20, 0, { line: 0, text: extended(sentence(4)) }); // of line 4, a later batch
  rows.splice(30, 0, { line: 0, text: reordered(sentence(4)) }); // of line 4 again: the representative is the earliest
  rows.push({ line: 0, text: extended(sentence(30)) });
  rows.forEach((row, i) => (row.line = i + 1));
  const lineOf = (text: string) => rows.find((r) => r.text === text)!.line;
  return {
    rows,
    expected: [
      { line: 6, duplicateOf: lineOf(sentence(2)) },
      { line: 21, duplicateOf: lineOf(sentence(4)) },
      { line: 31, duplicateOf: lineOf(sentence(4)) },
      { line: 40, duplicateOf: lineOf(sentence(30)) },
    ],
  };
}

describe('paraphrasePass', () => {
  it('finds planted paraphrases, the earlier row being the representative', async () => {
    const { rows, expected } = plantedCorpus();
    const embedder = new BagOfWordsEmbedder();
    const result = await paraphrasePass(stream(rows), { embedder, batchSize: 8 });
    expect(result.pairs.map(({ line, duplicateOf }) => ({ line, duplicateOf }))).toEqual(expected);
    expect(result.pairs[0]!.similarity).toBeCloseTo(1, 5);
    expect(result.pairs[1]!.similarity).toBeCloseTo(Math.sqrt(30 / 31), 3);
    expect(result).toMatchObject({ model: 'local:bag-of-words', dimensions: 512, threshold: 0.95, rows: 40, embedded: 40, errors: 0, skippedRows: 0, calls: 5, failedCalls: 0, incomplete: false });
    expect(result.reason).toBeUndefined();
    expect(result.index).toMatchObject({ bands: 64, bitsPerBand: 24, representatives: 36 });
    expect(embedder.calls.map((c) => c.length)).toEqual([8, 8, 8, 8, 8]);
  });

  it('applies the threshold', async () => {
    const { rows } = plantedCorpus();
    const strict = await paraphrasePass(rows, { embedder: new BagOfWordsEmbedder(), threshold: 0.99 });
    // Only the reorderings (cosine 1) remain; the one-word extensions (0.984) do not.
    expect(strict.pairs.map((p) => p.line)).toEqual([6, 31]);
  });

  it('gives the same pairs whatever order the calls finish in, with at most `concurrency` calls in flight', async () => {
    const { rows, expected } = plantedCorpus();
    // The call holding line 4 (lines 4–6) is slow: the calls holding its paraphrases (line 21) finish well before it.
    const embedder = new BagOfWordsEmbedder({ delayMs: (call) => (call === 1 ? 80 : 2) });
    const result = await paraphrasePass(rows, { embedder, batchSize: 3, concurrency: 4 });
    expect(result.pairs.map(({ line, duplicateOf }) => ({ line, duplicateOf }))).toEqual(expected);
    expect(embedder.maxInFlight).toBe(4);
    expect(result.calls).toBe(14);

    const serial = new BagOfWordsEmbedder({ delayMs: () => 1 });
    await paraphrasePass(rows, { embedder: serial, batchSize: 3, concurrency: 1 });
    expect(serial.maxInFlight).toBe(1);
  });

  it('cuts long texts to the character budget without splitting a surrogate pair, and skips blank rows', async () => {
    const embedder = new BagOfWordsEmbedder();
    const rows = [
      { line: 1, text: 'short text' },
      { line: 2, text: '   ' },
      { line: 3, text: 'aaaaaaaaa😀 and more' },
      { line: 4, text: 'x'.repeat(50) },
      { line: 5, text: '' },
    ];
    const result = await paraphrasePass(rows, { embedder, maxChars: 10 });
    expect(embedder.calls).toEqual([['short text', 'aaaaaaaaa', 'x'.repeat(10)]]);
    expect(result).toMatchObject({ rows: 5, embedded: 3, skippedRows: 2, truncatedRows: 2, errors: 0, incomplete: false });
  });

  it('counts the rows of a failed call as errors, neither unique nor duplicate', async () => {
    const { rows } = plantedCorpus();
    // The call holding line 4's text fails: its rows are errors, so line 21 and 31 (paraphrases of line 4) are not
    // paired with it; line 31 pairs with line 21, the earliest surviving copy.
    const embedder = new BagOfWordsEmbedder({ fail: (texts) => texts.includes(sentence(4)) });
    const result = await paraphrasePass(rows, { embedder, batchSize: 4, maxErrorShare: 0.2 });
    expect(result.errors).toBe(4);
    expect(result.failedCalls).toBe(1);
    expect(result.embedded).toBe(36);
    const failedLines = [1, 2, 3, 4];
    expect(result.pairs.some((p) => failedLines.includes(p.line) || failedLines.includes(p.duplicateOf))).toBe(false);
    expect(result.pairs.map(({ line, duplicateOf }) => ({ line, duplicateOf }))).toEqual([
      { line: 31, duplicateOf: 21 },
      { line: 40, duplicateOf: rows.find((r) => r.text === sentence(30))!.line },
    ]);
    expect(result.incomplete).toBe(false);
    expect(result.firstError).toMatch(/503 Service Unavailable/);
  });

  it('is incomplete when errors exceed the budget', async () => {
    const { rows } = plantedCorpus();
    const embedder = new BagOfWordsEmbedder({ fail: (_texts, call) => call === 2 });
    const result = await paraphrasePass(rows, { embedder, batchSize: 4, maxErrorShare: 0.05 });
    expect(result.errors).toBe(4);
    expect(result.incomplete).toBe(true);
    expect(result.reason).toMatch(/^4 of 40 rows \(10\.0%\) could not be embedded, over the 5\.0% budget: 503 Service Unavailable/);
    // Inside the budget it completes.
    const tolerant = await paraphrasePass(rows, { embedder: new BagOfWordsEmbedder({ fail: (_t, call) => call === 2 }), batchSize: 4, maxErrorShare: 0.1 });
    expect(tolerant.incomplete).toBe(false);
  });

  it('stops early when every call fails, and releases the source', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ line: i + 1, text: sentence(i + 1) }));
    let closed = false;
    const embedder = new BagOfWordsEmbedder({ fail: () => true });
    const result = await paraphrasePass(stream(rows, () => (closed = true)), { embedder, batchSize: 10, concurrency: 2, maxConsecutiveFailures: 3 });
    expect(result.incomplete).toBe(true);
    expect(result.reason).toMatch(/^stopped after 3 failed embedding calls in a row/);
    expect(result.calls).toBeLessThanOrEqual(3 + 4);
    expect(result.rows).toBeLessThan(100);
    expect(result.rows).toBe(result.errors);
    expect(result.pairs).toEqual([]);
    expect(closed).toBe(true);
  });

  it('treats a wrong number of vectors as a failed call, and an unusable vector as a row error', async () => {
    const { rows } = plantedCorpus();
    const embedder = new BagOfWordsEmbedder({
      transform: (vectors, call) => {
        if (call === 0) return vectors.slice(1); // one vector short: the whole batch is in doubt
        if (call === 1) vectors[0] = new Float32Array(512); // zero vector
        if (call === 2) vectors[0] = new Float32Array(16).fill(1); // wrong length
        return vectors;
      },
    });
    const result = await paraphrasePass(rows, { embedder, batchSize: 8, maxErrorShare: 1 });
    expect(result.failedCalls).toBe(1);
    expect(result.errors).toBe(8 + 1 + 1);
    expect(result.embedded).toBe(30);
    expect(result.firstError).toMatch(/returned 7 vectors for 8 texts/);
  });

  it('stops on abort and reports it', async () => {
    const { rows } = plantedCorpus();
    const controller = new AbortController();
    const embedder = new BagOfWordsEmbedder({ delayMs: () => 5 });
    const result = await paraphrasePass(rows, {
      embedder,
      batchSize: 4,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.embedded >= 8) controller.abort(new Error('deadline'));
      },
    });
    expect(result.incomplete).toBe(true);
    expect(result.reason).toMatch(/^stopped: deadline/);
    expect(result.embedded).toBe(8);
    expect(result.rows).toBeLessThan(40);
  });

  it('refuses rows out of line order', async () => {
    const embedder = new BagOfWordsEmbedder();
    await expect(paraphrasePass([{ line: 2, text: 'a b' }, { line: 1, text: 'c d' }], { embedder })).rejects.toThrow(/increasing line order/);
  });

  it('handles an empty input', async () => {
    const embedder = new BagOfWordsEmbedder();
    const result = await paraphrasePass([], { embedder });
    expect(result).toMatchObject({ rows: 0, embedded: 0, calls: 0, pairs: [], incomplete: false });
    expect(embedder.calls).toEqual([]);
  });
});
