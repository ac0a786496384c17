/**
 * MinHash signatures by one-permutation hashing with optimal densification (Li et al. 2012; Shrivastava 2017):
 * one hash per shingle fills all k bins, instead of k hashes per shingle. 32-bit Math.imul arithmetic only
 * (BigInt is ~19× slower). Shingles are word n-grams over normalised text, as the large-corpus deduplicators do:
 * lowercase, punctuation and whitespace collapsed. Unlike web-scale deduplicators we keep digits: fine-tuning
 * corpora hold arithmetic and tables whose rows differ only in their numbers, and those are not duplicates. Scripts written without spaces (Han, kana,
 * Thai…) shingle per character, so Chinese text is not one giant "word".
 */

/** murmur3's finaliser: spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Sorted, deduplicated copy of a shingle list: the form exact Jaccard is computed on. */
export function sortedSet(shingles: Uint32Array): Uint32Array {
  const copy = shingles.slice().sort();
  let w = 0;
  for (let r = 0; r < copy.length; r++) if (r === 0 || copy[r] !== copy[r - 1]) copy[w++] = copy[r]!;
  return w === copy.length ? copy : copy.subarray(0, w);
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

/**
 * One 52-bit key per LSH band (an exact integer in a double: 32 bits of one hash over the band's values, 20 of a
 * second), the band index mixed in so all bands can share one table. 32 bits would not do at scale: all bands of
 * 10 million rows are 160 million keys, and in a 32-bit space nearly half the rows would share a key by chance, each
 * chance collision a candidate to verify and, in the sharded audit, a shingle set the reduce must load.
 */
export function bandKeys(signature: Uint32Array, bands: number, rowsPerBand: number, out: Float64Array = new Float64Array(bands)): Float64Array {
  for (let b = 0; b < bands; b++) {
    // Two murmur3 hashes of the band's values under different seeds: a multiply-add chain alone lets differences
    // only climb towards the high bits, and collides far more often than its width promises.
    let h = Math.imul(b + 1, 0x9e3779b1);
    let g = Math.imul(b + 1, 0x85ebca6b) ^ 0x5bd1e995;
    const base = b * rowsPerBand;
    for (let r = 0; r < rowsPerBand; r++) {
      let k = Math.imul(signature[base + r]!, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
      g ^= k;
      g = (Math.imul((g << 17) | (g >>> 15), 5) + 0x561ccd1b) | 0;
    }
    // The low 32 bits (the first hash) pick the table slot: `key & mask` reads them exactly.
    out[b] = (fmix32(g ^ rowsPerBand) & 0xfffff) * 4294967296 + fmix32(h ^ rowsPerBand);
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
