import { bandKeys, jaccard, minhashSignature, sortedSet } from './minhash';

/**
 * MinHash-LSH index over representative rows, with every candidate's Jaccard verified exactly on its shingle set
 * (shingle lists as shingles.ts makes them: unsorted, possibly repeating).
 * Memory per indexed row: one shingle set (≈4 bytes per shingle) plus one table entry per band, all in typed arrays,
 * so a million rows fit comfortably in one Lambda.
 */

export interface NearDuplicateOptions {
  bands: number;
  rowsPerBand: number;
  threshold: number;
  /** Verifications per query at most; candidates sharing more bands are verified first. */
  maxCandidates?: number;
}

export interface NearDuplicateMatch {
  /** The id the matched row was inserted with (a line number). */
  id: number;
  similarity: number;
}

export class NearDuplicateIndex {
  readonly bands: number;
  readonly rowsPerBand: number;
  readonly threshold: number;
  private readonly maxCandidates: number;

  // Open-addressing table: band key → head entry.
  private tableKeys = new Float64Array(1 << 12);
  private tableHeads = new Int32Array(1 << 12).fill(-1);
  private tableUsed = 0;
  // Entries: one per (row, band), chained per band key.
  private entryRow = new Int32Array(1 << 12);
  private entryNext = new Int32Array(1 << 12);
  private entries = 0;
  // Rows: external id and shingle set in a shared pool.
  private rowIds = new Int32Array(1 << 10);
  private rowOffset = new Float64Array(1 << 10);
  private rowLength = new Int32Array(1 << 10);
  private rows = 0;
  private pool = new Uint32Array(1 << 16);
  private poolUsed = 0;
  // Per-query scratch.
  private stamp = new Int32Array(1 << 10);
  private hits = new Int32Array(1 << 10);
  private queryNo = 0;
  private readonly signature: Uint32Array;
  private readonly keys: Float64Array;
  private candidateList: number[] = [];

  constructor(options: NearDuplicateOptions) {
    this.bands = options.bands;
    this.rowsPerBand = options.rowsPerBand;
    this.threshold = options.threshold;
    this.maxCandidates = options.maxCandidates ?? 128;
    this.signature = new Uint32Array(options.bands * options.rowsPerBand);
    this.keys = new Float64Array(options.bands);
  }

  get size(): number {
    return this.rows;
  }

  /** Band keys of a shingle set, computed once and shared by query and insert. */
  keysOf(shingles: Uint32Array): Float64Array {
    minhashSignature(shingles, this.bands * this.rowsPerBand, this.signature);
    return bandKeys(this.signature, this.bands, this.rowsPerBand, this.keys);
  }

  /** The most similar indexed row at or above the threshold, if any. */
  query(shingles: Uint32Array, keys: Float64Array = this.keysOf(shingles)): NearDuplicateMatch | undefined {
    if (this.rows === 0 || shingles.length === 0) return undefined;
    const q = ++this.queryNo;
    const list = this.candidateList;
    list.length = 0;
    for (let b = 0; b < keys.length; b++) {
      for (let e = this.head(keys[b]!); e !== -1; e = this.entryNext[e]!) {
        const row = this.entryRow[e]!;
        if (this.stamp[row] !== q) {
          this.stamp[row] = q;
          this.hits[row] = 1;
          list.push(row);
        } else this.hits[row]!++;
      }
    }
    if (list.length === 0) return undefined;
    if (list.length > 1) list.sort((a, b) => this.hits[b]! - this.hits[a]! || a - b);
    let best: NearDuplicateMatch | undefined;
    const limit = Math.min(list.length, this.maxCandidates);
    // Shingle lists are kept unsorted (sorting every row costs more than sorting the rare candidates).
    const query = sortedSet(shingles);
    for (let i = 0; i < limit; i++) {
      const row = list[i]!;
      const offset = this.rowOffset[row]!;
      const similarity = jaccard(query, sortedSet(this.pool.subarray(offset, offset + this.rowLength[row]!)));
      if (similarity >= this.threshold && (!best || similarity > best.similarity)) {
        best = { id: this.rowIds[row]!, similarity };
        if (similarity === 1) break;
      }
    }
    return best;
  }

  insert(id: number, shingles: Uint32Array, keys: Float64Array = this.keysOf(shingles)): void {
    if (shingles.length === 0) return;
    const row = this.rows++;
    this.ensureRows(this.rows);
    this.rowIds[row] = id;
    this.ensurePool(this.poolUsed + shingles.length);
    this.pool.set(shingles, this.poolUsed);
    this.rowOffset[row] = this.poolUsed;
    this.rowLength[row] = shingles.length;
    this.poolUsed += shingles.length;
    for (let b = 0; b < keys.length; b++) this.addEntry(keys[b]!, row);
  }

  /** Bytes held by the typed arrays, for the report's memory figures. */
  get bytes(): number {
    return (
      this.tableKeys.byteLength + this.tableHeads.byteLength + this.entryRow.byteLength + this.entryNext.byteLength +
      this.rowIds.byteLength + this.rowOffset.byteLength + this.rowLength.byteLength + this.pool.byteLength +
      this.stamp.byteLength + this.hits.byteLength
    );
  }

  private slot(key: number): number {
    const mask = this.tableKeys.length - 1;
    let i = key & mask;
    while (this.tableHeads[i] !== -1 && this.tableKeys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  private head(key: number): number {
    return this.tableHeads[this.slot(key)]!;
  }

  private addEntry(key: number, row: number): void {
    if ((this.tableUsed + 1) * 2 > this.tableKeys.length) this.growTable();
    const e = this.entries++;
    if (e >= this.entryRow.length) {
      this.entryRow = grow(this.entryRow, e + 1);
      this.entryNext = grow(this.entryNext, e + 1);
    }
    const s = this.slot(key);
    if (this.tableHeads[s] === -1) {
      this.tableKeys[s] = key;
      this.tableUsed++;
    }
    this.entryRow[e] = row;
    this.entryNext[e] = this.tableHeads[s]!;
    this.tableHeads[s] = e;
  }

  private growTable(): void {
    const oldKeys = this.tableKeys;
    const oldHeads = this.tableHeads;
    this.tableKeys = new Float64Array(oldKeys.length * 2);
    this.tableHeads = new Int32Array(oldKeys.length * 2).fill(-1);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldHeads[i] === -1) continue;
      const s = this.slot(oldKeys[i]!);
      this.tableKeys[s] = oldKeys[i]!;
      this.tableHeads[s] = oldHeads[i]!;
    }
  }

  private ensureRows(n: number): void {
    if (n <= this.rowIds.length) return;
    this.rowIds = grow(this.rowIds, n);
    this.rowOffset = grow(this.rowOffset, n);
    this.rowLength = grow(this.rowLength, n);
    this.stamp = grow(this.stamp, n);
    this.hits = grow(this.hits, n);
  }

  private ensurePool(n: number): void {
    if (n > this.pool.length) this.pool = grow(this.pool, n);
  }
}

function grow<T extends Int32Array | Uint32Array | Float64Array>(array: T, min: number): T {
  let size = array.length * 2;
  while (size < min) size *= 2;
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array);
  return next;
}
