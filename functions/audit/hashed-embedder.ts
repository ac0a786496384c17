import type { Embedder } from './embedder';
import { fmix32 } from './minhash';

/**
 * `local:hashed-bow`: a deterministic bag-of-words embedding (hashed unigrams and bigrams, L2-normalised). It
 * needs no network, so the paraphrase pass runs in the embedded default and in tests; it catches reordered and
 * lightly reworded rows, not true paraphrases, which need a real embedding model (`bedrock:` or `openai:`).
 */
export class HashedBagOfWordsEmbedder implements Embedder {
  readonly model = 'local:hashed-bow';
  constructor(readonly dimensions = 512) {}

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.vector(text));
  }

  private vector(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    let previous = 0;
    for (const word of words) {
      let h = 0x811c9dc5;
      for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
      const unigram = fmix32(h);
      v[unigram % this.dimensions]! += unigram & 0x80000000 ? -1 : 1;
      if (previous !== 0) {
        const bigram = fmix32(previous ^ Math.imul(unigram, 0x9e3779b1));
        v[bigram % this.dimensions]! += (bigram & 0x80000000 ? -1 : 1) * 0.5;
      }
      previous = unigram;
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < v.length; i++) v[i]! /= norm;
    return v;
  }
}
