import { fmix32 } from './minhash';

/**
 * Near-duplicate index over embedding vectors: random-hyperplane (SimHash) LSH in bands, every candidate verified by
 * its exact cosine. Vectors are L2-normalised on the way in and kept as Float32 in chunked typed-array pools; the
 * band table is an array of heads and one (next, key) slot per (row, band), so nothing is allocated per row.
 *
 * A hyperplane through the origin separates two unit vectors at angle θ with probability θ/π, so one sign bit agrees
 * with probability p = 1 − θ/π, a band of r bits with p^r, and a pair is a candidate in at least one of b bands with
 * 1 − (1 − p^r)^b. The default 64 bands × 24 bits (1,536 hyperplanes):
 *
 *   cosine      0.99     0.95     0.90    0.80    0.70    0.50     0.0
 *   p           0.955    0.899    0.856   0.795   0.747   0.667    0.5
 *   candidate   1.000    0.994    0.79    0.23    0.056   0.0038   3.8e-6
 *
 * Recall at the 0.95 threshold is 99.4%. Making pairs at 0.8 rarer than this costs far more hyperplanes: below 1% at
 * the same recall needs about 50-bit bands and ~900 of them. A candidate costs one dot product, and a row only
 * has a handful of neighbours at 0.8, so the price of 23% there is small; the bulk of the corpus (cosine ≤ 0.5) is
 * almost never a candidate.
 *
 * The hyperplanes are the rows of a seeded pseudo-random rotation H·D₃·H·D₂·H·D₁ (H the Walsh–Hadamard transform,
 * Dᵢ random ±1 diagonals; Andoni et al. 2015 use the same construction for cross-polytope LSH). Each row is close to
 * uniform on the sphere, so the bit probabilities above hold (the test measures them), and 1,536 bits of a 1,024-dim
 * vector cost two fast transforms, O(d log d), instead of a 1,536 × 1,024 matrix product: about 25× faster.
 */

export interface CosineIndexOptions {
  /** Vector length; every vector inserted or queried must have it. */
  dimensions: number;
  /** Cosine at or above which a verified candidate is a match (default 0.95). */
  threshold?: number;
  bands?: number;
  /** Hyperplanes per band, at most 32. */
  bitsPerBand?: number;
  seed?: number;
  /**
   * Exact cosines computed per query at most; when more rows are candidates (a corpus of near-identical templates),
   * those sharing the most bands are verified first. Counted in `stats.cappedQueries`.
   */
  maxCandidates?: number;
}

export interface CosineMatch {
  /** The id the matched vector was inserted with (a line number). */
  id: number;
  /** Exact cosine of the two normalised vectors. */
  similarity: number;
}

export interface CosineIndexStats {
  queries: number;
  /** Distinct candidate rows over all queries. */
  candidates: number;
  /** Exact cosines computed. */
  verified: number;
  /** Queries with more candidates than maxCandidates. */
  cappedQueries: number;
}

export const DEFAULT_COSINE_THRESHOLD = 0.95;
export const DEFAULT_COSINE_BANDS = 64;
export const DEFAULT_COSINE_BITS_PER_BAND = 24;
const DEFAULT_MAX_CANDIDATES = 512;
/** Rows per vector chunk: growing never copies the vectors, and over-allocates at most one chunk. */
const CHUNK_ROWS = 4096;

/** Probability that one random hyperplane puts two vectors with this cosine on the same side: 1 − θ/π. */
export function hyperplaneAgreement(cosine: number): number {
  return 1 - Math.acos(Math.max(-1, Math.min(1, cosine))) / Math.PI;
}

/** Probability that a pair with this cosine shares at least one band: 1 − (1 − p^r)^b. */
export function cosineCandidateProbability(cosine: number, bands: number, bitsPerBand: number): number {
  return 1 - (1 - hyperplaneAgreement(cosine) ** bitsPerBand) ** bands;
}

export class CosineIndex {
  readonly dimensions: number;
  readonly threshold: number;
  readonly bands: number;
  readonly bitsPerBand: number;
  readonly seed: number;
  readonly maxCandidates: number;
  readonly stats: CosineIndexStats = { queries: 0, candidates: 0, verified: 0, cappedQueries: 0 };

  // Hashing: the transform width (dimensions rounded up to a power of two), the blocks of `width` bits each that
  // cover bands × bitsPerBand, and three sign diagonals per block.
  private readonly width: number;
  private readonly blocks: number;
  private readonly signs: Float64Array;
  private readonly work: Float64Array;
  private readonly projections: Float64Array;
  // The vector being queried or inserted, normalised, and its band keys.
  private readonly unit: Float32Array;
  private readonly keys: Uint32Array;

  // Rows: external id, vector in a chunk.
  private rows = 0;
  private ids = new Float64Array(1024);
  private readonly chunks: Float32Array[] = [];
  // Band table: entry e = row · bands + band, chained from a bucket head; the row and band follow from e.
  private heads: Int32Array;
  private mask: number;
  private entryNext = new Int32Array(1 << 14);
  private entryKey = new Uint32Array(1 << 14);
  // Per-query scratch.
  private stamp = new Int32Array(1024);
  private hits = new Uint16Array(1024);
  private candidateRows = new Int32Array(1024);
  private sortedRows = new Int32Array(1024);
  private readonly hitCounts: Int32Array;
  private queryNo = 0;

  constructor(options: CosineIndexOptions) {
    const { dimensions } = options;
    this.dimensions = dimensions;
    this.threshold = options.threshold ?? DEFAULT_COSINE_THRESHOLD;
    this.bands = options.bands ?? DEFAULT_COSINE_BANDS;
    this.bitsPerBand = options.bitsPerBand ?? DEFAULT_COSINE_BITS_PER_BAND;
    this.seed = options.seed ?? 1;
    this.maxCandidates = options.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
    if (!(this.threshold > 0 && this.threshold <= 1)) throw new RangeError(`threshold must be in (0, 1], got ${this.threshold}`);
    if (!Number.isInteger(this.bands) || this.bands < 1 || this.bands > 1024) throw new RangeError(`bands must be an integer in [1, 1024], got ${this.bands}`);
    if (!Number.isInteger(this.bitsPerBand) || this.bitsPerBand < 1 || this.bitsPerBand > 32) throw new RangeError(`bitsPerBand must be an integer in [1, 32], got ${this.bitsPerBand}`);
    if (!Number.isInteger(this.maxCandidates) || this.maxCandidates < 1) throw new RangeError(`maxCandidates must be a positive integer, got ${this.maxCandidates}`);

    let width = 1;
    while (width < dimensions) width *= 2;
    this.width = width;
    this.blocks = Math.ceil((this.bands * this.bitsPerBand) / width);
    this.signs = randomSigns(this.blocks * 3 * width, this.seed);
    this.work = new Float64Array(width);
    this.projections = new Float64Array(this.blocks * width);
    this.unit = new Float32Array(dimensions);
    this.keys = new Uint32Array(this.bands);
    this.heads = new Int32Array(1 << 14).fill(-1);
    this.mask = this.heads.length - 1;
    this.hitCounts = new Int32Array(this.bands + 1);
  }

  get size(): number {
    return this.rows;
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    let total = this.ids.byteLength + this.heads.byteLength + this.entryNext.byteLength + this.entryKey.byteLength;
    total += this.stamp.byteLength + this.hits.byteLength + this.candidateRows.byteLength + this.sortedRows.byteLength;
    total += this.signs.byteLength + this.work.byteLength + this.projections.byteLength;
    for (const chunk of this.chunks) total += chunk.byteLength;
    return total;
  }

  /** The most similar indexed vector at or above the threshold, if any. */
  query(vector: ArrayLike<number>): CosineMatch | undefined {
    this.prepare(vector);
    return this.search();
  }

  insert(id: number, vector: ArrayLike<number>): void {
    this.prepare(vector);
    this.add(id);
  }

  /** query, then insert when nothing matched; hashes the vector once. The earlier row stays the representative. */
  queryOrInsert(id: number, vector: ArrayLike<number>): CosineMatch | undefined {
    this.prepare(vector);
    const match = this.search();
    if (match === undefined) this.add(id);
    return match;
  }

  /** Normalises into `unit` and computes the band keys into `keys`. */
  private prepare(vector: ArrayLike<number>): void {
    const d = this.dimensions;
    if (vector.length !== d) throw new RangeError(`vector has ${vector.length} dimensions, the index ${d}`);
    let norm = 0;
    for (let i = 0; i < d; i++) norm += vector[i]! * vector[i]!;
    norm = Math.sqrt(norm);
    if (!(norm > 0) || !Number.isFinite(norm)) throw new RangeError(`vector cannot be normalised (norm ${norm})`);
    const unit = this.unit;
    for (let i = 0; i < d; i++) unit[i] = vector[i]! / norm;

    const width = this.width;
    const work = this.work;
    const signs = this.signs;
    for (let block = 0; block < this.blocks; block++) {
      const s = block * 3 * width;
      for (let i = 0; i < d; i++) work[i] = unit[i]! * signs[s + i]!;
      work.fill(0, d);
      walshHadamard(work);
      for (let i = 0; i < width; i++) work[i]! *= signs[s + width + i]!;
      walshHadamard(work);
      for (let i = 0; i < width; i++) work[i]! *= signs[s + 2 * width + i]!;
      walshHadamard(work);
      this.projections.set(work, block * width);
    }
    const r = this.bitsPerBand;
    const projections = this.projections;
    for (let b = 0; b < this.bands; b++) {
      let key = 0;
      for (let j = 0, k = b * r; j < r; j++, k++) key = (key << 1) | (projections[k]! >= 0 ? 1 : 0);
      this.keys[b] = key >>> 0;
    }
  }

  private bucket(key: number, band: number): number {
    return fmix32(key ^ Math.imul(band + 1, 0x9e3779b1)) & this.mask;
  }

  private search(): CosineMatch | undefined {
    this.stats.queries++;
    if (this.rows === 0) return undefined;
    const q = ++this.queryNo;
    const bands = this.bands;
    const stamp = this.stamp;
    const hits = this.hits;
    let n = 0;
    for (let b = 0; b < bands; b++) {
      const key = this.keys[b]!;
      for (let e = this.heads[this.bucket(key, b)]!; e !== -1; e = this.entryNext[e]!) {
        if (this.entryKey[e] !== key || e % bands !== b) continue;
        const row = (e - b) / bands;
        if (stamp[row] !== q) {
          stamp[row] = q;
          hits[row] = 1;
          if (n === this.candidateRows.length) this.candidateRows = grow(this.candidateRows, n + 1);
          this.candidateRows[n++] = row;
        } else hits[row]!++;
      }
    }
    this.stats.candidates += n;
    if (n === 0) return undefined;
    let rows: Int32Array = this.candidateRows;
    let limit = n;
    if (n > this.maxCandidates) {
      this.stats.cappedQueries++;
      rows = this.byHitsDescending(n);
      limit = this.maxCandidates;
    }
    let bestRow = -1;
    let best = -Infinity;
    for (let i = 0; i < limit; i++) {
      const row = rows[i]!;
      const similarity = this.cosine(row);
      if (similarity > best) {
        best = similarity;
        bestRow = row;
      }
    }
    this.stats.verified += limit;
    if (best < this.threshold) return undefined;
    return { id: this.ids[bestRow]!, similarity: Math.min(1, best) };
  }

  /** Counting sort of the candidates by shared bands, most first: O(candidates + bands). */
  private byHitsDescending(n: number): Int32Array {
    const counts = this.hitCounts;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[this.hits[this.candidateRows[i]!]!]!++;
    let start = 0;
    for (let h = this.bands; h >= 0; h--) {
      const c = counts[h]!;
      counts[h] = start;
      start += c;
    }
    if (this.sortedRows.length < n) this.sortedRows = new Int32Array(this.candidateRows.length);
    for (let i = 0; i < n; i++) {
      const row = this.candidateRows[i]!;
      this.sortedRows[counts[this.hits[row]!]!++] = row;
    }
    return this.sortedRows;
  }

  private cosine(row: number): number {
    const d = this.dimensions;
    const chunk = this.chunks[Math.floor(row / CHUNK_ROWS)]!;
    const offset = (row % CHUNK_ROWS) * d;
    const u = this.unit;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < d; i += 4) {
      s0 += u[i]! * chunk[offset + i]!;
      s1 += u[i + 1]! * chunk[offset + i + 1]!;
      s2 += u[i + 2]! * chunk[offset + i + 2]!;
      s3 += u[i + 3]! * chunk[offset + i + 3]!;
    }
    for (; i < d; i++) s0 += u[i]! * chunk[offset + i]!;
    return s0 + s1 + s2 + s3;
  }

  private add(id: number): void {
    if (!Number.isFinite(id)) throw new RangeError(`id must be a finite number, got ${id}`);
    const row = this.rows++;
    if (row >= this.ids.length) {
      this.ids = grow(this.ids, row + 1);
      this.stamp = grow(this.stamp, row + 1);
      this.hits = grow(this.hits, row + 1);
    }
    this.ids[row] = id;
    const c = Math.floor(row / CHUNK_ROWS);
    if (c === this.chunks.length) this.chunks.push(new Float32Array(CHUNK_ROWS * this.dimensions));
    this.chunks[c]!.set(this.unit, (row % CHUNK_ROWS) * this.dimensions);

    const bands = this.bands;
    const first = row * bands;
    if (first + bands > this.entryNext.length) {
      this.entryNext = grow(this.entryNext, first + bands);
      this.entryKey = grow(this.entryKey, first + bands);
    }
    if (first + bands > this.heads.length) this.rehash(first, first + bands);
    for (let b = 0; b < bands; b++) {
      const e = first + b;
      const key = this.keys[b]!;
      const s = this.bucket(key, b);
      this.entryKey[e] = key;
      this.entryNext[e] = this.heads[s]!;
      this.heads[s] = e;
    }
  }

  /** Keeps about one entry per bucket, so a chain walk costs next to nothing. */
  private rehash(existing: number, needed: number): void {
    let size = this.heads.length;
    while (size < needed) size *= 2;
    this.heads = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let e = 0; e < existing; e++) {
      const s = this.bucket(this.entryKey[e]!, e % this.bands);
      this.entryNext[e] = this.heads[s]!;
      this.heads[s] = e;
    }
  }
}

/** In-place, unnormalised fast Walsh–Hadamard transform (length a power of two); only signs are read afterwards. */
function walshHadamard(a: Float64Array): void {
  const n = a.length;
  for (let i = 0; i + 1 < n; i += 2) {
    const x = a[i]!;
    const y = a[i + 1]!;
    a[i] = x + y;
    a[i + 1] = x - y;
  }
  for (let h = 2; h < n; h *= 2) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i, end = i + h; j < end; j++) {
        const x = a[j]!;
        const y = a[j + h]!;
        a[j] = x + y;
        a[j + h] = x - y;
      }
    }
  }
}

/** ±1 from a seeded splitmix32 stream, 32 signs per draw. */
function randomSigns(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let state = seed >>> 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 31) === 0) {
      state = (state + 0x9e3779b9) | 0;
      bits = fmix32(state);
    }
    out[i] = (bits >>> (i & 31)) & 1 ? 1 : -1;
  }
  return out;
}

function grow<T extends Int32Array | Uint32Array | Uint16Array | Float64Array>(array: T, min: number): T {
  let size = array.length * 2;
  while (size < min) size *= 2;
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array);
  return next;
}
